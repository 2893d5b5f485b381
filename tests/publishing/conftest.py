"""Fixtures for publishing: the publishing store on SQLite and PostgreSQL with a
workspace, the channel classes, settings that may reach the loopback peers, a clock the
test moves, and mastodon-mock as the real Mastodon peer (POST faults included)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from mastodon_mock.testing import MockServer
from typer.testing import CliRunner

from resonanz.config import Settings
from resonanz.models import Workspace
from resonanz.plugins import create_plugin_manager
from resonanz.publishing.channels import channel_classes
from resonanz.publishing.models import PublishChannel
from resonanz.store import SqlStore
from resonanz.store.publishing import PublishingStore, publishing_store
from tests.sources.apiserver import ApiServer, serve

KEY = base64.b64encode(b"resonanz-publishing-tests-key-32").decode()
SETTINGS = Settings(
    language_detection=False,
    allow_private_targets=True,
    http_timeout=1.0,
    http_backoff_max=0.05,
    encryption_key=KEY,
)


@dataclass
class World:
    """A store's publishing tables and one workspace in it."""

    store: SqlStore
    pub: PublishingStore
    workspace: Workspace

    def channel(self, name: str, kind: str = "mastodon", **config: Any) -> PublishChannel:
        """A stored channel row (no platform involved: for outbox and compose tests)."""
        defaults: dict[str, Any] = (
            {"instance": "https://masto.example", "max_characters": 500, "url_chars": 23}
            if kind == "mastodon"
            else {"pds": "https://pds.example", "handle": "someone.test"}
        )
        return self.pub.add_channel(
            self.workspace.id, kind, name, {**defaults, **config}, None, at=datetime.now(UTC)
        )


@pytest.fixture
def world(store: SqlStore) -> World:
    """The publishing store on each backend, with workspace 'acme'."""
    return World(store, publishing_store(store), store.create_workspace("acme", "ACME"))


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The resonanz command line on a SQLite file in tmp_path (cli.db) with workspace
    'acme', the test key, and loopback peers allowed."""
    from resonanz.cli import app  # here: the other publishing tests need no CLI

    monkeypatch.setenv("RESONANZ_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESONANZ_WORKSPACE", "acme")
    monkeypatch.setenv("RESONANZ_LANGUAGE_DETECTION", "false")
    monkeypatch.setenv("RESONANZ_ALLOW_PRIVATE_TARGETS", "true")
    monkeypatch.setenv("RESONANZ_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()
    assert runner.invoke(app, ["workspace", "create", "acme", "--name", "ACME"]).exit_code == 0
    return runner


@pytest.fixture(scope="session")
def classes() -> dict[str, type]:
    """The channel kinds the built-in plugins register."""
    return channel_classes(create_plugin_manager(load_entry_points=False))


class Clock:
    """Now, moved by the test."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Mastodon:
    """mastodon-mock: its URL, faults on any method, and reading an account's statuses."""

    def __init__(self, url: str) -> None:
        self.url = url

    @classmethod
    def at(cls, url: str) -> Mastodon:
        """The same peer reached through another URL (a proxy in front of it)."""
        return cls(url)

    def fault(
        self,
        path: str,
        *,
        method: str = "POST",
        status: int = 500,
        kind: str = "status",
        count: int | None = 1,
        delay_ms: int = 0,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        effect: dict[str, Any] = {"type": kind, "status": status, "delay_ms": delay_ms}
        if body is not None:
            effect["body"] = body
        if headers:
            effect["headers"] = headers
        rule = {"match": {"methods": [method], "path": path}, "effect": effect, "count": count}
        httpx.post(f"{self.url}/api/v1/_mock/faults", json=rule).raise_for_status()

    def statuses(self, user: str = "alice") -> list[dict[str, Any]]:
        auth = {"Authorization": f"Bearer {user}_token"}
        me = httpx.get(f"{self.url}/api/v1/accounts/verify_credentials", headers=auth).json()
        got = httpx.get(
            f"{self.url}/api/v1/accounts/{me['id']}/statuses", params={"limit": 40}, headers=auth
        )
        got.raise_for_status()
        return list(got.json())


@pytest.fixture(scope="session")
def mastodon_server() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture
def mastodon(mastodon_server: MockServer) -> Mastodon:
    """mastodon-mock reset to its seed (alice, bob, carol with tokens <name>_token)."""
    httpx.post(f"{mastodon_server.base_url}/api/v1/_mock/reset").raise_for_status()
    return Mastodon(mastodon_server.base_url)


@pytest.fixture(scope="session")
def _platform_server() -> Iterator[ApiServer]:
    yield from serve()


@pytest.fixture
def platform(_platform_server: ApiServer) -> Iterator[ApiServer]:
    """A scripted loopback server answering the platforms' documented bodies (X,
    LinkedIn, Threads, Telegram, the Graph API), empty for each test."""
    _platform_server.reset()
    yield _platform_server
    _platform_server.reset()
