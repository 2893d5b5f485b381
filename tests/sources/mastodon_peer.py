"""mastodon-mock as the real Mastodon peer: one server on 127.0.0.1 per test session,
reset to its seed (alice, bob, carol; tokens alice_token, ...) before each test; and a
SQLite store for end-to-end runs.

Statuses are posted through the peer's Mastodon API with Mastodon.py; faults (429, 5xx)
go through its control plane ``/api/v1/_mock/faults`` (see mastodon_mock/faults.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from mastodon import Mastodon
from mastodon_mock.testing import MockServer

from resonanz.config import Settings
from resonanz.runtime import Runtime
from resonanz.store import SqlStore, open_store

# Loopback peer allowed, short timeouts and backoff: what the end-to-end tests run under.
SETTINGS = Settings(
    language_detection=False, allow_private_targets=True, http_timeout=3.0, http_backoff_max=0.05
)


class MastodonPeer:
    """A started mastodon-mock server with helpers to post and to inject faults."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.url = server.base_url

    def client(self, user: str) -> Mastodon:
        """Mastodon.py logged in as a seeded user (alice, bob, carol)."""
        return Mastodon(api_base_url=self.url, access_token=f"{user}_token", request_timeout=5)

    def post(self, user: str, text: str, **options: Any) -> dict[str, Any]:
        """Post a status as ``user``; returns the status JSON as the peer sent it."""
        response = httpx.post(
            f"{self.url}/api/v1/statuses",
            data={"status": text, **{k: str(v) for k, v in options.items()}},
            headers={"Authorization": f"Bearer {user}_token"},
        )
        response.raise_for_status()
        return dict(response.json())

    def fault(
        self,
        path: str,
        *,
        status: int,
        count: int | None = 1,
        headers: dict[str, str] | None = None,
        kind: str = "status",
    ) -> None:
        """Answer the next ``count`` GETs of ``path`` (glob) with ``status``."""
        effect: dict[str, Any] = {"type": kind, "status": status, "headers": headers or {}}
        rule = {"match": {"methods": ["GET"], "path": path}, "effect": effect, "count": count}
        httpx.post(f"{self.url}/api/v1/_mock/faults", json=rule).raise_for_status()

    def let_through(self, path: str, *, count: int) -> None:
        """Let the next ``count`` GETs of ``path`` pass (rules apply in order, so the
        faults added after this one hit only the requests after those)."""
        self.fault(path, status=200, count=count, kind="latency")

    def rate_limit(self, path: str, *, reset_in: float, count: int = 1) -> None:
        """A 429 with Mastodon's headers: X-RateLimit-Reset as an ISO 8601 time."""
        reset = datetime.now(UTC) + timedelta(seconds=reset_in)
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        self.fault(path, status=429, count=count, headers=headers, kind="ratelimit")

    def clear_faults(self) -> None:
        """Drop every fault rule."""
        httpx.delete(f"{self.url}/api/v1/_mock/faults").raise_for_status()

    def reset(self) -> None:
        """Back to the seed: no statuses, no faults."""
        httpx.post(f"{self.url}/api/v1/_mock/reset").raise_for_status()


@pytest.fixture(scope="session", name="mastodon_server")
def mastodon_server_fixture() -> Iterator[MockServer]:
    """One mastodon-mock server for the test session."""
    with MockServer() as server:
        yield server


@pytest.fixture(name="mastodon_peer")
def mastodon_peer_fixture(mastodon_server: MockServer) -> MastodonPeer:
    """The mastodon-mock peer, reset to its seed for this test."""
    peer = MastodonPeer(mastodon_server)
    peer.reset()
    return peer


@pytest.fixture(scope="module", name="runtime")
def runtime_fixture() -> Runtime:
    """The built-in plugins under SETTINGS."""
    return Runtime.load(SETTINGS, load_entry_points=False)


@pytest.fixture(name="sqlite_store")
def sqlite_store_fixture(tmp_path: Path) -> Iterator[SqlStore]:
    """A migrated SQLite store in tmp_path for end-to-end runs."""
    opened = open_store(f"sqlite:///{tmp_path / 'resonanz.db'}")
    try:
        yield opened
    finally:
        opened.close()
