"""A real Bluesky PDS on 127.0.0.1 for the tests (resonanz/bench/pds_peer.py starts it),
with logged-in Python ``atproto`` clients per account.

``scripts/install_pds_peer.sh`` installs node 22 and the PDS into ``.peers/pds/``;
``peer_missing()`` says why the peer cannot run (None when it can), so tests skip with
that reason. A bare PDS has no AppView, so logins use ``fetch_bsky_profile=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atproto import Client

from resonanz.bench.pds_peer import PASSWORD, PdsProcess, launch_pds, peer_missing

__all__ = ["PASSWORD", "PdsPeer", "peer_missing", "start_pds"]


@dataclass
class PdsPeer(PdsProcess):
    """A running PDS and the accounts created on it."""

    clients: dict[str, Client] = field(default_factory=dict)
    dids: dict[str, str] = field(default_factory=dict)

    @property
    def firehose_url(self) -> str:
        """The ws:// service URL the firehose mode reads."""
        return self.url.replace("http://", "ws://")

    def account(self, name: str) -> Client:
        """A logged-in client for ``<name>.test``, created on first use."""
        if name not in self.clients:
            self.dids[name] = self.create_account(name)
            client = Client(base_url=self.url)
            client.login(f"{name}.test", PASSWORD, fetch_bsky_profile=False)
            self.clients[name] = client
        return self.clients[name]

    def stop(self) -> None:
        """Close the clients, stop the node process and remove the peer's data."""
        for client in self.clients.values():
            client.request.close()
        super().stop()


def start_pds(timeout: float = 45.0) -> PdsPeer:
    """Start the PDS and its PLC directory; RuntimeError with the peer's output on failure."""
    p = launch_pds(timeout)
    return PdsPeer(url=p.url, plc_url=p.plc_url, process=p.process, workdir=p.workdir, log=p.log)
