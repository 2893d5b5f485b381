"""A real Matrix homeserver (matrix-synapse from PyPI) on 127.0.0.1, SQLite, client API only.

The config is written directly (JSON is YAML) instead of ``--generate-config`` then edited:
that saves a 3-second interpreter start; only the signing key is generated, in-process.
Registration is closed; users are made through the shared-secret admin API. Rate limits
are relaxed so tests can post quickly. No federation listener, no key servers: nothing
leaves 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

SHARED_SECRET = "synapse-test-registration-secret"
SERVER_NAME = "localhost"
_RELAXED = {"per_second": 1000, "burst_count": 1000}


@dataclass
class Synapse:
    """A running homeserver: its client URL and the log file for failures."""

    url: str
    log: Path

    def register(self, user: str, password: str = "a-long-password-123") -> str:
        """Create ``user`` and return its access token."""
        nonce = httpx.get(f"{self.url}/_synapse/admin/v1/register").json()["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(), b"notadmin"]))
        answer = httpx.post(
            f"{self.url}/_synapse/admin/v1/register",
            json={
                "nonce": nonce,
                "username": user,
                "password": password,
                "admin": False,
                "mac": mac.hexdigest(),
            },
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        """A client-server API call as the user of ``token``; the JSON answer."""
        answer = httpx.request(
            method,
            f"{self.url}/_matrix/client/v3{path}",
            headers={"Authorization": f"Bearer {token}"},
            **kwargs,
        )
        answer.raise_for_status()
        return answer.json()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(folder: Path, port: int) -> dict[str, Any]:
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": SHARED_SECRET,
        "macaroon_secret_key": "test-macaroon-secret",
        "form_secret": "test-form-secret",
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "enable_metrics": False,
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "rc_message": _RELAXED,
        "rc_registration": _RELAXED,
        "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
        "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
        "rc_room_creation": _RELAXED,
    }


def _write_signing_key(path: Path) -> None:
    from signedjson.key import generate_signing_key, write_signing_keys

    with path.open("w") as out:
        write_signing_keys(out, [generate_signing_key("a_test")])


@contextmanager
def synapse(folder: Path) -> Iterator[Synapse]:
    """Start a homeserver in ``folder``; skip the test with the reason when it cannot start."""
    if importlib.util.find_spec("synapse") is None:
        pytest.skip("matrix-synapse is not installed (pip install -e '.[dev]')")
    port = _free_port()
    config = folder / "homeserver.yaml"
    config.write_text(json.dumps(_config(folder, port), indent=1))
    _write_signing_key(folder / "signing.key")
    log = folder / "synapse.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                pytest.skip(f"synapse exited with code {process.returncode}:\n{tail}")
            try:
                if httpx.get(f"{url}/_matrix/client/versions", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.skip(f"synapse did not answer within 60 s; see {log}")
            time.sleep(0.1)
        yield Synapse(url=url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
