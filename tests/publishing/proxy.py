"""A loopback reverse proxy in front of a platform peer that can lose the answer to a
request the platform already accepted: it forwards the request, waits for the platform's
response, and then either holds it past the client's timeout ("timeout") or answers 502
instead ("502"). This is what a load balancer in front of a slow Mastodon does; the
peer's own fault injection can only fail a request before the platform handles it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class LossyProxy:
    """Forward everything to ``upstream``; lose the next ``count`` answers to ``path``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.mode: str | None = None
        self.path = ""
        self.count = 0
        self.after = 0
        self.hold_s = 2.0
        self.forwarded: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(size) if size else b""
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
                }
                proxy.forwarded.append((self.command, self.path, headers))
                answer = httpx.request(
                    self.command, proxy.upstream + self.path, content=body, headers=headers
                )
                lose = proxy._take(self.path.split("?", 1)[0])
                if lose == "timeout":
                    time.sleep(proxy.hold_s)
                if lose == "502":
                    payload, status = b'{"error": "Bad gateway"}', 502
                else:
                    payload, status = answer.content, answer.status_code
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as intended

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def lose(self, path: str, mode: str, *, count: int = 1, after: int = 0) -> None:
        """Lose the answers of ``count`` requests to ``path`` (``mode``: "timeout" or
        "502"), after letting ``after`` of them through."""
        with self._lock:
            self.path, self.mode, self.count, self.after = path, mode, count, after

    def _take(self, path: str) -> str | None:
        with self._lock:
            if self.mode and self.count > 0 and path == self.path:
                if self.after > 0:
                    self.after -= 1
                    return None
                self.count -= 1
                return self.mode
        return None


@contextmanager
def lossy_proxy(upstream: str) -> Iterator[LossyProxy]:
    proxy = LossyProxy(upstream)
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()
