"""The peers of ``bench publish``: mastodon-mock instances on 127.0.0.1, each behind a
loopback fault proxy.

The proxy forwards every request to its instance. For ``POST /api/v1/statuses`` it
injects the two faults of issue 8's crash-injection figure:

* **lost answers**: a share of the calls (5 % by default) is forwarded, the platform
  stores the status, and the answer is then held past the client's timeout, so the
  scheduler sees a timeout although the post is published (an attempt in doubt);
* **429 bursts**: during short windows every call is answered ``429 Too Many Requests``
  with a ``Retry-After`` header, without reaching the platform.

The statuses are read back from the instances directly (not through the proxy): the
platform's own record is what the benchmark checks.
"""

from __future__ import annotations

import html
import random
import re
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from resonanz.errors import ConfigError

STATUSES = "/api/v1/statuses"
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Faults:
    """What the proxy injects; ``bursts`` are (start, end) times on ``time.monotonic``."""

    lose_share: float = 0.05
    hold_s: float = 3.0
    bursts: Sequence[tuple[float, float]] = ()
    retry_after_s: int = 3
    seed: int = 0


@dataclass
class FaultCounts:
    forwarded: int = 0
    lost_answers: int = 0
    throttled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class _QuietServer(ThreadingHTTPServer):
    """A killed scheduler resets its connections mid-request: not an error here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FaultProxy:
    """A loopback reverse proxy in front of one instance (see the module docstring)."""

    def __init__(self, upstream: str, faults: Faults) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = faults
        self.counts = FaultCounts()
        self._rng = random.Random(faults.seed)
        self._client = httpx.Client(timeout=60.0)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _fault(self, method: str, path: str) -> str | None:
        if method != "POST" or path != STATUSES:
            return None
        now = time.monotonic()
        with self.counts.lock:
            if any(start <= now < end for start, end in self.faults.bursts):
                self.counts.throttled += 1
                return "429"
            if self._rng.random() < self.faults.lose_share:
                self.counts.lost_answers += 1
                return "lose"
            self.counts.forwarded += 1
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        size = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(size) if size else b""
        fault = self._fault(handler.command, handler.path.split("?", 1)[0])
        headers = {"Content-Type": "application/json"}
        if fault == "429":
            status, payload = 429, b'{"error": "Too many requests"}'
            headers["Retry-After"] = str(self.faults.retry_after_s)
        else:
            forward = {
                k: v
                for k, v in handler.headers.items()
                if k.lower() not in ("host", "connection", "content-length")
            }
            answer = self._client.request(
                handler.command, self.upstream + handler.path, content=body, headers=forward
            )
            status, payload = answer.status_code, answer.content
            if fault == "lose":
                time.sleep(self.faults.hold_s)  # the client has given up by now
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            handler.close_connection = True  # the client gave up, as intended

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()


@dataclass(frozen=True)
class Published:
    """One status as the platform stored it."""

    id: str
    text: str
    created_at: datetime


class Instance:
    """A running mastodon-mock instance and the proxy the scheduler reaches it through."""

    def __init__(self, url: str, proxy: FaultProxy) -> None:
        self.url = url
        self.proxy = proxy

    def statuses(self, user: str) -> list[Published]:
        """Every status of ``user`` (token ``<user>_token``), read page by page."""
        auth = {"Authorization": f"Bearer {user}_token"}
        with httpx.Client(base_url=self.url, headers=auth, timeout=60.0) as client:
            me = client.get("/api/v1/accounts/verify_credentials")
            me.raise_for_status()
            found: list[Published] = []
            params: dict[str, Any] = {"limit": 40}
            while True:
                page = client.get(f"/api/v1/accounts/{me.json()['id']}/statuses", params=params)
                page.raise_for_status()
                items = page.json()
                if not items:
                    return found
                found.extend(_published(item) for item in items)
                params["max_id"] = items[-1]["id"]


def _published(item: dict[str, Any]) -> Published:
    text = html.unescape(_TAG.sub("", str(item.get("content") or "")))
    stamp = str(item["created_at"]).replace("Z", "+00:00")
    return Published(
        id=str(item["id"]), text=text.strip(), created_at=datetime.fromisoformat(stamp)
    )


@contextmanager
def instances(count: int, faults: Faults) -> Iterator[list[Instance]]:
    """``count`` mastodon-mock instances (seeded with alice, bob and carol), each behind
    a fault proxy; all stopped on exit."""
    try:
        from mastodon_mock.testing import MockServer
    except ImportError as exc:
        raise ConfigError(
            "bench publish needs mastodon-mock, the local Mastodon peer "
            "(pip install 'resonanz[dev]' or pip install mastodon-mock)"
        ) from exc
    with ExitStack() as stack:
        started: list[Instance] = []
        for n in range(count):
            server = stack.enter_context(MockServer())
            own = Faults(
                lose_share=faults.lose_share,
                hold_s=faults.hold_s,
                bursts=faults.bursts,
                retry_after_s=faults.retry_after_s,
                seed=faults.seed * 100 + n,
            )
            proxy = FaultProxy(server.base_url, own)
            thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
            thread.start()
            stack.callback(proxy.close)
            started.append(Instance(server.base_url, proxy))
        yield started
