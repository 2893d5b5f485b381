"""The peers of ``bench publish`` on 127.0.0.1, each behind a loopback fault proxy:
mastodon-mock instances, and a real Bluesky PDS (pds_peer.py) where it is installed.

The proxy forwards every request to its peer and injects the two faults of issue 8's
crash-injection figure into the calls that publish:

* **lost answers**: a share of the writes (5 % by default; Mastodon ``POST
  /api/v1/statuses``, Bluesky ``com.atproto.repo.createRecord`` and ``putRecord``) is
  forwarded, the platform stores the post, and the answer is then held past the
  client's timeout, so the scheduler sees a timeout although the post is published (an
  attempt in doubt);
* **429 bursts**: during short windows every such call (on Bluesky also
  ``createSession`` and ``uploadBlob``) is answered ``429`` without reaching the
  platform, as each platform answers it: Mastodon with ``Retry-After``, Bluesky with
  ``{"error": "RateLimitExceeded"}`` and ``RateLimit-*`` headers (reset as a Unix time).

The posts are read back from the peers directly (not through the proxy): the platform's
own record is what the benchmark checks.
"""

from __future__ import annotations

import html
import math
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

import httpx

from resonanz.bench import pds_peer
from resonanz.errors import ConfigError

STATUSES = "/api/v1/statuses"
XRPC = "/xrpc/com.atproto."
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Calls:
    """Which calls of a platform the proxy faults (POST paths), and its 429 answer
    (headers and body for a Retry-After in seconds)."""

    writes: frozenset[str]
    throttled: frozenset[str]
    too_many: Callable[[int], tuple[dict[str, str], bytes]]


def _mastodon_429(retry_after: int) -> tuple[dict[str, str], bytes]:
    return {"Retry-After": str(retry_after)}, b'{"error": "Too many requests"}'


def _bluesky_429(retry_after: int) -> tuple[dict[str, str], bytes]:
    """What the PDS answers over a rate limit: the XRPC error and the IETF-draft headers
    with the reset as a Unix time."""
    headers = {
        "RateLimit-Limit": "3000",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(math.ceil(time.time() + retry_after)),
        "RateLimit-Policy": "3000;w=300",
    }
    return headers, b'{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}'


MASTODON_CALLS = Calls(frozenset({STATUSES}), frozenset({STATUSES}), _mastodon_429)
_BLUESKY_WRITES = frozenset({f"{XRPC}repo.createRecord", f"{XRPC}repo.putRecord"})
BLUESKY_CALLS = Calls(
    _BLUESKY_WRITES,
    _BLUESKY_WRITES | {f"{XRPC}server.createSession", f"{XRPC}repo.uploadBlob"},
    _bluesky_429,
)


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

    def __init__(self, upstream: str, faults: Faults, calls: Calls = MASTODON_CALLS) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = faults
        self.calls = calls
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
        if method != "POST" or path not in self.calls.throttled:
            return None
        now = time.monotonic()
        with self.counts.lock:
            if any(start <= now < end for start, end in self.faults.bursts):
                self.counts.throttled += 1
                return "429"
            if path not in self.calls.writes:
                return None
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
            extra, payload = self.calls.too_many(self.faults.retry_after_s)
            status, headers = 429, {**headers, **extra}
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
    """One post as the platform stored it."""

    id: str
    text: str
    created_at: datetime
    images: int = 0


class Peer(Protocol):
    """A platform the bench publishes to: the proxy in front of it, and its accounts'
    posts read back."""

    kind: str
    proxy: FaultProxy

    def statuses(self, user: str) -> list[Published]: ...


class Instance:
    """A running mastodon-mock instance and the proxy the scheduler reaches it through."""

    kind = "mastodon"

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
        id=str(item["id"]),
        text=text.strip(),
        created_at=datetime.fromisoformat(stamp),
        images=len(item.get("media_attachments") or ()),
    )


class Pds:
    """A running Bluesky PDS, its accounts (``<user>.test``) and the proxy in front."""

    kind = "bluesky"

    def __init__(self, process: pds_peer.PdsProcess, proxy: FaultProxy) -> None:
        self.process = process
        self.url = process.url
        self.proxy = proxy
        self.dids: dict[str, str] = {}

    def account(self, user: str) -> str:
        """``<user>.test`` (created on first use); returns its handle."""
        if user not in self.dids:
            self.dids[user] = self.process.create_account(user)
        return f"{user}.test"

    def statuses(self, user: str) -> list[Published]:
        """Every ``app.bsky.feed.post`` record in ``user``'s repo
        (``com.atproto.repo.listRecords``, page by page). Its time is the record's
        ``createdAt``, which the sender sets right before ``createRecord`` (a bare PDS
        has no AppView, so no ``indexedAt``)."""
        found: list[Published] = []
        params: dict[str, Any] = {
            "repo": self.dids[user],
            "collection": "app.bsky.feed.post",
            "limit": 100,
        }
        with httpx.Client(base_url=self.url, timeout=60.0) as client:
            while True:
                page = client.get(f"{XRPC}repo.listRecords", params=params)
                page.raise_for_status()
                data = page.json()
                for record in data.get("records") or []:
                    value = record["value"]
                    stamp = str(value["createdAt"]).replace("Z", "+00:00")
                    embed = value.get("embed") or {}
                    found.append(
                        Published(
                            id=str(record["uri"]),
                            text=str(value.get("text") or "").strip(),
                            created_at=datetime.fromisoformat(stamp),
                            images=len(embed.get("images") or ()),
                        )
                    )
                if not data.get("records") or not data.get("cursor"):
                    return found
                params["cursor"] = data["cursor"]


def _serve(stack: ExitStack, upstream: str, faults: Faults, calls: Calls) -> FaultProxy:
    proxy = FaultProxy(upstream, faults, calls)
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    stack.callback(proxy.close)
    return proxy


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
            own = replace(faults, seed=faults.seed * 100 + n)
            proxy = _serve(stack, server.base_url, own, MASTODON_CALLS)
            started.append(Instance(server.base_url, proxy))
        yield started


@contextmanager
def bluesky(faults: Faults) -> Iterator[Pds]:
    """A Bluesky PDS (pds_peer.py) behind a fault proxy; stopped on exit. ConfigError
    when the peer is not installed or does not start."""
    missing = pds_peer.peer_missing()
    if missing is not None:
        raise ConfigError(f"bench publish cannot reach Bluesky: {missing}")
    try:
        process = pds_peer.launch_pds(timeout=90.0)
    except RuntimeError as exc:
        raise ConfigError(f"bench publish cannot reach Bluesky: {exc}") from exc
    with ExitStack() as stack:
        stack.callback(process.stop)
        proxy = _serve(
            stack, process.url, replace(faults, seed=faults.seed * 100 + 50), BLUESKY_CALLS
        )
        yield Pds(process, proxy)
