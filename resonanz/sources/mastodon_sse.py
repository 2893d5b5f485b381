"""Listening to one Mastodon stream: Server-Sent Events over one pinned httpx connection.

Mastodon streams timelines and notifications as SSE under ``/api/v1/streaming/`` (see
docs.joinmastodon.org/methods/streaming/): ``event: update`` with a status as JSON,
``event: notification`` with a notification, ``event: delete`` with a bare status id, and
``:thump``-style comment lines as heartbeats. ``GET /api/v1/streaming/health`` answers
``OK`` where the streaming server runs.

:class:`SseListener` checks the target address (no private targets unless allowed), pins
the connection to it, sends the token as ``Authorization: Bearer``, and reads the stream in
a background thread into a queue, so the caller can wait for the next event with a timeout
(a quiet stream) and stop at a deadline. ``close()`` shuts the socket down, which wakes the
reader, and joins it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import socket
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from resonanz.config import Settings
from resonanz.errors import AuthError, FetchError
from resonanz.fetcher import checked_addresses, pinned_client, pinned_request
from resonanz.sources.api import describe_error, redact_url
from resonanz.sources.mastodon_client import is_transient
from resonanz.sources.retry import RetryPolicy, with_retries

__all__ = ["Ended", "SseEvent", "SseListener", "parse_sse"]

log = logging.getLogger(__name__)
HEALTH_PATH = "/api/v1/streaming/health"
# Mastodon's streaming server sends a heartbeat comment every 15 s or so: a read that
# waits much longer than that means the connection is dead.
_MIN_READ_TIMEOUT = 45.0
_ERROR_BYTES = 4096


@dataclass(frozen=True)
class SseEvent:
    """One Server-Sent Event: its ``event:`` name and its ``data:`` lines joined."""

    name: str
    data: str


@dataclass(frozen=True)
class Ended:
    """The stream is over: the instance closed it, it broke off, or it was stopped."""

    reason: str


def parse_sse(lines: Iterable[str]) -> Iterator[SseEvent]:
    """Events from SSE lines (WHATWG "event stream" rules: ``field: value``, a blank line
    dispatches, ``:`` starts a comment, several ``data:`` lines join with newlines)."""
    name, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield SseEvent(name, "\n".join(data))
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if key == "event":
            name = value
        elif key == "data":
            data.append(value)


class SseListener:
    """One open stream of one Mastodon instance, read in a background thread."""

    def __init__(
        self,
        instance: str,
        settings: Settings,
        *,
        path: str,
        params: Mapping[str, str] | None = None,
        access_token: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.instance = instance.rstrip("/")
        query = f"?{urlencode(dict(params))}" if params else ""
        self.url = f"{self.instance}{path}{query}"
        self._settings = settings
        self._policy = policy or RetryPolicy.from_settings(settings)
        self._headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if access_token:
            self._headers["Authorization"] = f"Bearer {access_token}"
        self._has_token = bool(access_token)
        read = max(settings.http_timeout, _MIN_READ_TIMEOUT)
        self._client = pinned_client(
            settings, timeout=httpx.Timeout(settings.http_timeout, read=read)
        )
        self._events: queue.Queue[SseEvent | Ended] = queue.Queue()
        self._stopping = threading.Event()
        self._response: httpx.Response | None = None
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        """Check the health endpoint, connect (5xx and timeouts retried) and start reading.

        FetchError with status 404 when the instance does not stream; AuthError for a
        refused token (or a stream that needs one when none was given)."""
        with_retries(
            self._check_health,
            policy=self._policy,
            transient=is_transient,
            what=f"mastodon streaming health at {self.instance}",
        )
        self._response = with_retries(
            self._connect,
            policy=self._policy,
            transient=is_transient,
            what=f"mastodon stream {redact_url(self.url)}",
        )
        self._thread = threading.Thread(
            target=self._read, args=(self._response,), name="mastodon-sse", daemon=True
        )
        self._thread.start()

    def next(self, timeout: float) -> SseEvent | Ended | None:
        """The next event, :class:`Ended` when the stream is over, None after ``timeout``
        seconds without an event."""
        try:
            return self._events.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def close(self) -> None:
        """Stop reading: shut the socket down (wakes the reader), join it, close."""
        self._stopping.set()
        response = self._response
        if response is not None:
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        if response is not None:
            response.close()
        self._client.close()

    def _send(self, url: str, accept: str) -> httpx.Response:
        """One pinned GET of ``url`` (status not checked); FetchError on network failures."""
        address = checked_addresses(url, self._settings)[0]
        headers = {**self._headers, "Accept": accept}
        request = pinned_request(self._client, "GET", url, address, headers=headers)
        try:
            return self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise FetchError(
                f"{self.instance} did not answer within {self._settings.http_timeout:g} s",
                url=redact_url(url),
            ) from exc
        except httpx.TransportError as exc:
            raise FetchError(
                f"could not reach {self.instance} for streaming: {exc}", url=redact_url(url)
            ) from exc

    def _check_health(self) -> None:
        url = f"{self.instance}{HEALTH_PATH}"
        response = self._send(url, "text/plain")
        try:
            body = response.read()[:_ERROR_BYTES].decode("utf-8", "replace").strip()
        finally:
            response.close()
        if response.status_code != 200 or body != "OK":
            status = 404 if response.status_code < 500 else response.status_code
            raise FetchError(
                f"{self.instance} has no streaming server ({HEALTH_PATH} answered "
                f"HTTP {response.status_code} {body[:80]!r})",
                url=url,
                status=status,
            )

    def _connect(self) -> httpx.Response:
        response = self._send(self.url, "text/event-stream")
        status = response.status_code
        kind = response.headers.get("content-type", "")
        if status == 200 and kind.startswith("text/event-stream"):
            return response
        try:
            body = response.read()[:_ERROR_BYTES]
        finally:
            response.close()
        said = _error_text(body)
        shown = redact_url(self.url)
        if status in (401, 403):
            hint = (
                "the access token is invalid, revoked or lacks the read scope"
                if self._has_token
                else "this stream needs an access token: add one with -o access_token=..."
            )
            raise AuthError(f"{self.instance} refused the stream with HTTP {status}{said}: {hint}")
        if status == 200:
            raise FetchError(
                f"{self.instance} answered the stream with {kind or 'no content type'}, "
                "not text/event-stream",
                url=shown,
                status=status,
            )
        raise FetchError(
            f"{self.instance} did not open the stream {shown}: HTTP {status}{said}",
            url=shown,
            status=status,
        )

    def _read(self, response: httpx.Response) -> None:
        """The reader thread: queue every event, then :class:`Ended` with the reason."""
        reason = "the instance closed the stream"
        try:
            for event in parse_sse(response.iter_lines()):
                if self._stopping.is_set():
                    break
                self._events.put(event)
        except Exception as exc:  # a thread boundary: every failure ends the stream
            reason = f"the stream broke off ({type(exc).__name__}: {exc})"[:200]
        if self._stopping.is_set():
            reason = "stopped"
        self._events.put(Ended(reason))


def _error_text(body: bytes) -> str:
    """`` (text)`` from a Mastodon error body ({"error": "..."}), or ``""``."""
    try:
        text = describe_error(json.loads(body))
    except ValueError:
        text = body.decode("utf-8", "replace").strip()[:200] or None
    return f" ({text[:200]})" if text else ""
