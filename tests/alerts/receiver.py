"""A real HTTP receiver on 127.0.0.1 for webhook and Slack-compatible notifier tests.

Each path answers as ``Receiver.routes`` says (default 200); every request is recorded.
Webhook requests are checked with ``verify_signature`` before they count as delivered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from resonanz.alerts.notifiers.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

SECRET = "a-shared-webhook-secret-0123456789"


@dataclass
class Route:
    """What a path answers."""

    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Hit:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class Receiver:
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            signature_ok = verify_signature(
                SECRET,
                headers.get(TIMESTAMP_HEADER.lower(), ""),
                body,
                headers.get(SIGNATURE_HEADER.lower(), ""),
            )
            receiver.hits.append(Hit("POST", self.path, headers, body, signature_ok))
            route = receiver.routes.get(self.path, Route())
            if route.delay:
                time.sleep(route.delay)
            try:
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            except OSError:
                pass  # the client gave up (timeout tests)

    return Handler


@contextmanager
def receiver() -> Iterator[Receiver]:
    """Run a receiver on an ephemeral port for the duration of the block."""
    peer = Receiver(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(peer))
    peer.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
