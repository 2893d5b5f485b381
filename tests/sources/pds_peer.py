"""A real Bluesky PDS (``@atproto/pds``) with an in-memory PLC directory on 127.0.0.1.

``scripts/install_pds_peer.sh`` installs node 22 and the PDS into ``.peers/pds/``;
``start_pds`` runs ``pds_launch.mjs`` with it on a free loopback port and returns when the
PDS answers. ``peer_missing()`` says why the peer cannot run (None when it can), so tests
skip with that reason. Accounts are made through the Python ``atproto`` client; a bare PDS
has no AppView, so logins use ``fetch_bsky_profile=False``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from atproto import Client

ROOT = Path(__file__).resolve().parents[2]
PEER = ROOT / ".peers" / "pds"
LAUNCHER = Path(__file__).with_name("pds_launch.mjs")
PASSWORD = "resonanz-test-password"


def peer_missing() -> str | None:
    """Why the PDS peer cannot start here, or None."""
    failed = PEER / "FAILED"
    if failed.exists():
        return f"the Bluesky PDS peer failed to install: {failed.read_text().strip()}"
    if not (PEER / ".installed").exists() or not (PEER / "node_path").exists():
        return "the Bluesky PDS peer is not installed (run scripts/install_pds_peer.sh)"
    return None


@dataclass
class PdsPeer:
    """A running PDS: its URL, process and the accounts created on it."""

    url: str
    plc_url: str
    process: subprocess.Popen[str]
    workdir: tempfile.TemporaryDirectory[str]
    clients: dict[str, Client] = field(default_factory=dict)
    dids: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    @property
    def firehose_url(self) -> str:
        """The ws:// service URL the firehose mode reads."""
        return self.url.replace("http://", "ws://")

    def account(self, name: str) -> Client:
        """A logged-in client for ``<name>.test``, created on first use."""
        if name not in self.clients:
            client = Client(base_url=self.url)
            handle = f"{name}.test"
            created = client.com.atproto.server.create_account(
                {"handle": handle, "email": f"{name}@example.com", "password": PASSWORD}
            )
            self.dids[name] = created.did
            client.login(handle, PASSWORD, fetch_bsky_profile=False)
            self.clients[name] = client
        return self.clients[name]

    def stop(self) -> None:
        """Stop the node process, close the clients and remove the peer's data."""
        for client in self.clients.values():
            client.request.close()
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.workdir.cleanup()


def start_pds(timeout: float = 45.0) -> PdsPeer:
    """Start the PDS and its PLC directory; RuntimeError with the peer's output on failure."""
    node = (PEER / "node_path").read_text().strip()
    workdir = tempfile.TemporaryDirectory(prefix="resonanz-pds-")
    env = {
        **os.environ,
        "PDS_PEER_APP": str(PEER / "app"),
        "LOG_ENABLED": "false",
        "NODE_NO_WARNINGS": "1",
    }
    process = subprocess.Popen(
        [node, str(LAUNCHER), workdir.name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=workdir.name,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip())
            if line.startswith("{"):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.2) and time.monotonic() < deadline:
        pass
    started = [line for line in lines if line.startswith("{")]
    if not started:
        process.kill()
        process.wait(timeout=5)
        workdir.cleanup()
        output = "\n".join(lines[-20:])
        raise RuntimeError(f"the PDS did not start within {timeout:.0f} s:\n{output}")
    urls = json.loads(started[0])
    return PdsPeer(
        url=urls["pds"], plc_url=urls["plc"], process=process, workdir=workdir, log=lines
    )
