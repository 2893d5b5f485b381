"""A real HTTP server on 127.0.0.1 that answers scripted JSON replies, for connector tests.

Where no real peer of a platform can run here (Hacker News, YouTube, X, the Graph API,
Discourse), tests script the platform's documented response bodies, error bodies included,
and the connector talks real HTTP to this server. ``script(method, path, replies)`` answers
the replies in turn (the last one repeats); every request is recorded for assertions.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class JsonReply:
    """One scripted answer: JSON (``body``) or raw bytes (``raw``), status, headers, delay."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    delay: float = 0.0

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body).encode()


@dataclass(frozen=True)
class Recorded:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


Responder = Callable[[Recorded], JsonReply]


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        recorded = Recorded(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        reply = self.server.reply_for(recorded)
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.payload()
        self.send_response(reply.status)
        headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    do_GET = _answer
    do_POST = _answer
    do_PUT = _answer
    do_DELETE = _answer


class ApiServer(ThreadingHTTPServer):
    """The scripted server; use through the ``api_server`` fixture."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], list[JsonReply] | Responder] = {}
        self.requests: list[Recorded] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def script(
        self, method: str, path: str, replies: JsonReply | list[JsonReply] | Responder
    ) -> None:
        """Answer ``method path`` with these replies in turn (the last repeats), or call a
        responder with each request."""
        with self._lock:
            if isinstance(replies, JsonReply):
                replies = [replies]
            self._routes[(method.upper(), path)] = (
                list(replies) if isinstance(replies, list) else replies
            )

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self.requests.clear()

    def calls(self, path: str) -> list[Recorded]:
        """The requests received for ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def reply_for(self, recorded: Recorded) -> JsonReply:
        with self._lock:
            self.requests.append(recorded)
            route = self._routes.get((recorded.method, recorded.path))
            if route is None:
                return JsonReply(
                    {"error": f"no scripted reply for {recorded.method} {recorded.path}"},
                    status=404,
                )
            if callable(route):
                responder = route
            else:
                return route.pop(0) if len(route) > 1 else route[0]
        return responder(recorded)


def serve() -> Iterator[ApiServer]:
    """Run a server in a thread until the generator is closed (for fixtures)."""
    server = ApiServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
