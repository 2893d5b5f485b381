"""A real HTTP server for tests: feeds, conditional GET, redirects and failure cases."""

from __future__ import annotations

import gzip
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "rss"
ETAG = '"rss-v1"'
LAST_MODIFIED = "Tue, 02 Jul 2024 10:00:00 GMT"


@dataclass
class Reply:
    """What a route answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunked: bool = False


def _feed(name: str, content_type: str = "application/rss+xml; charset=utf-8") -> Reply:
    return Reply(body=(PAYLOADS / name).read_bytes(), headers={"Content-Type": content_type})


def _conditional(handler: BaseHTTPRequestHandler) -> Reply:
    if (
        handler.headers.get("If-None-Match") == ETAG
        or handler.headers.get("If-Modified-Since") == LAST_MODIFIED
    ):
        return Reply(status=304, headers={"ETag": ETAG})
    reply = _feed("rss20.xml")
    reply.headers.update({"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
    return reply


def _redirect(target: str, status: int = 302) -> Callable[[BaseHTTPRequestHandler], Reply]:
    return lambda handler: Reply(status=status, headers={"Location": target})


def _retry_date(handler: BaseHTTPRequestHandler) -> Reply:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    return Reply(status=429, headers={"Retry-After": when})


ROUTES: dict[str, Callable[[BaseHTTPRequestHandler], Reply]] = {
    "/rss.xml": _conditional,
    "/atom.xml": lambda h: _feed("atom.xml", "application/atom+xml"),
    "/latin1.xml": lambda h: _feed("latin1.xml", "application/rss+xml"),
    "/mislabelled.xml": lambda h: _feed("mislabelled.xml"),
    "/malformed.xml": lambda h: _feed("malformed.xml"),
    "/page.html": lambda h: _feed("page.html", "text/html; charset=utf-8"),
    "/garbage": lambda h: Reply(body=b"\x00\x01\xfe binary junk \xff" * 20),
    "/empty": lambda h: Reply(body=b"", headers={"Content-Type": "application/rss+xml"}),
    "/error": lambda h: Reply(status=500, body=b"boom"),
    "/missing": lambda h: Reply(status=404, body=b"not here"),
    "/busy": lambda h: Reply(status=429, headers={"Retry-After": "120"}),
    "/busy-date": _retry_date,
    "/redirect/3": _redirect("/redirect/2", 301),
    "/redirect/2": _redirect("/redirect/1", 307),
    "/redirect/1": _redirect("/rss.xml", 302),
    "/loop": _redirect("/loop"),
    "/to-private": _redirect("http://169.254.169.254/latest/meta-data/"),
    "/to-ftp": _redirect("ftp://files.example.org/feed.xml"),
    "/slow": lambda h: Reply(body=b"<rss/>", delay=1.5),
    "/big": lambda h: Reply(body=b"x" * 5000),
    "/big-chunked": lambda h: Reply(body=b"y" * 5000, chunked=True),
    "/bomb": lambda h: Reply(
        body=gzip.compress(b"\0" * 200_000), headers={"Content-Encoding": "gzip"}
    ),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, Server)
        server.requests.append((self.path, dict(self.headers.items())))
        route = ROUTES.get(self.path.split("?", 1)[0])
        reply = route(self) if route else Reply(status=404)
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(reply.body), 1000):
                    chunk = reply.body[start : start + 1000]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict[str, str]]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up early are expected here."""


@dataclass
class FeedServer:
    """The running server: ``url(path)`` builds addresses; ``requests`` records what came in."""

    server: Server

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self.server.requests


class RouteTo(httpx.BaseTransport):
    """A network where every (public) address routes to the loopback server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.seen: list[httpx.URL] = []
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url)
        request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def tls_server(certfile: str, keyfile: str) -> Server:
    """A Server speaking HTTPS with the given certificate (call serve_forever in a thread)."""
    server = Server()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server
