"""A real Bluesky PDS (``@atproto/pds``) with an in-memory PLC directory on 127.0.0.1,
for ``bench publish`` and the Bluesky tests (tests/sources/pds_peer.py builds on it).

``scripts/install_pds_peer.sh`` (``make .peers/pds/.installed``) installs node 22 and the
PDS into ``.peers/pds/`` of the source checkout; ``launch_pds`` runs ``pds_launch.mjs``
with it on a free loopback port and returns when the PDS answers. ``peer_missing()`` says
why the peer cannot run (None when it can). Accounts are created with
``com.atproto.server.createAccount`` (a bare PDS needs no invite).
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

import httpx

LAUNCHER = Path(__file__).with_name("pds_launch.mjs")
PASSWORD = "resonanz-test-password"


def peer_dir() -> Path:
    """Where the peer is installed: ``.peers/pds`` of the source checkout Resonanz runs
    from, else of the current directory."""
    checkout = Path(__file__).resolve().parents[2] / ".peers" / "pds"
    if checkout.exists():
        return checkout
    return Path.cwd() / ".peers" / "pds"


def peer_missing() -> str | None:
    """Why the PDS peer cannot start here, or None."""
    peer = peer_dir()
    failed = peer / "FAILED"
    if failed.exists():
        return f"the Bluesky PDS peer failed to install: {failed.read_text().strip()}"
    if not (peer / ".installed").exists() or not (peer / "node_path").exists():
        return (
            "the Bluesky PDS peer is not installed (run 'make .peers/pds/.installed' or "
            "scripts/install_pds_peer.sh in the source checkout)"
        )
    return None


@dataclass
class PdsProcess:
    """A running PDS: its URL, the PLC directory's, the node process and its output."""

    url: str
    plc_url: str
    process: subprocess.Popen[str]
    workdir: tempfile.TemporaryDirectory[str]
    log: list[str] = field(default_factory=list)

    def create_account(self, name: str, password: str = PASSWORD) -> str:
        """Create ``<name>.test``; returns its DID."""
        created = httpx.post(
            f"{self.url}/xrpc/com.atproto.server.createAccount",
            json={"handle": f"{name}.test", "email": f"{name}@example.com", "password": password},
            timeout=60.0,
        )
        created.raise_for_status()
        return str(created.json()["did"])

    def stop(self) -> None:
        """Stop the node process and remove the peer's data."""
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


def launch_pds(timeout: float = 45.0) -> PdsProcess:
    """Start the PDS and its PLC directory; RuntimeError with the peer's output on failure."""
    peer = peer_dir()
    node = (peer / "node_path").read_text().strip()
    workdir = tempfile.TemporaryDirectory(prefix="resonanz-pds-")
    env = {
        **os.environ,
        "PDS_PEER_APP": str(peer / "app"),
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
    return PdsProcess(
        url=urls["pds"], plc_url=urls["plc"], process=process, workdir=workdir, log=lines
    )
