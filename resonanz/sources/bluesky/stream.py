"""Listening to a Bluesky event stream (repo firehose or Jetstream) for a bounded time.

One :class:`StreamListener` run connects (SSRF-checked, pinned to the checked address),
reads events until ``max_seconds`` or ``max_events``, and yields :class:`FetchedBatch` es
whose cursor is the position of the last event read before the batch was cut: the
firehose ``seq`` or Jetstream's ``time_us``. A dropped connection is resumed from the last
event read (with the shared retry policy); an unreadable frame is skipped with its reason.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from resonanz.config import Settings
from resonanz.errors import FetchError, SourceError
from resonanz.fetcher import checked_addresses
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.bluesky.frames import FrameError, FrameEvent, decode_frame
from resonanz.sources.bluesky.normalise import COMMIT_KIND, POST_COLLECTION
from resonanz.sources.bluesky.options import http_url
from resonanz.sources.retry import RetryPolicy, with_retries

__all__ = ["HandleCache", "StreamListener", "decode_jetstream"]

log = logging.getLogger(__name__)

# Firehose frames are small (a commit's new blocks); the relay caps them well below this.
MAX_FRAME_BYTES = 8 * 1024 * 1024
# Cut a batch after this many events even when few of them were posts, and after this
# long without one, so the cursor moves on through a quiet stream.
_EVENTS_PER_BATCH_FACTOR = 20
_FLUSH_SECONDS = 5.0
_HANDLES_KEPT = 50_000


class HandleCache:
    """DID -> handle from the stream's identity events; bounded, oldest dropped first."""

    def __init__(self, size: int = _HANDLES_KEPT) -> None:
        self._size = size
        self._handles: OrderedDict[str, str] = OrderedDict()

    def put(self, did: str, handle: str | None) -> None:
        """Remember (or forget, when the handle is gone) an account's handle."""
        self._handles.pop(did, None)
        if handle and handle != "handle.invalid":
            self._handles[did] = handle
            if len(self._handles) > self._size:
                self._handles.popitem(last=False)

    def get(self, did: str) -> str | None:
        """The handle last seen for a DID, or None."""
        return self._handles.get(did)

    def __len__(self) -> int:
        return len(self._handles)


def decode_jetstream(text: str | bytes) -> FrameEvent:
    """One Jetstream JSON event as a :class:`FrameEvent` (``seq`` is its ``time_us``).

    Shapes from the Jetstream README: ``{"did", "time_us", "kind": "commit", "commit":
    {"rev", "operation", "collection", "rkey", "record", "cid"}}``, ``kind: "identity"``
    with ``identity: {"did", "handle", "seq", "time"}`` and ``kind: "account"``.
    """
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("an event that is not a JSON object")
    time_us = data.get("time_us")
    kind = str(data.get("kind", ""))
    event = FrameEvent(seq=time_us if isinstance(time_us, int) else None, kind=kind)
    did = data.get("did")
    event.did = did if isinstance(did, str) else None
    if kind == "identity":
        identity = data.get("identity")
        handle = identity.get("handle") if isinstance(identity, dict) else None
        event.handle = handle if isinstance(handle, str) else None
        return event
    commit = data.get("commit")
    if kind != "commit" or not isinstance(commit, dict):
        return event
    if commit.get("collection") != POST_COLLECTION:
        event.ignored += 1
        return event
    uri = f"at://{did}/{POST_COLLECTION}/{commit.get('rkey')}"
    operation = commit.get("operation")
    if operation == "create":
        event.posts.append(data)
    elif operation == "delete":
        event.skipped.append((uri, "post deleted"))
    else:
        event.ignored += 1
    return event


class StreamListener:
    """One bounded listening run on the firehose (``mode="firehose"``) or Jetstream."""

    def __init__(
        self,
        settings: Settings,
        *,
        mode: str,
        url: str,
        max_seconds: float,
        max_events: int,
        policy: RetryPolicy | None = None,
        handles: HandleCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.mode = mode
        self.url = url.rstrip("/")
        self.max_seconds = max_seconds
        self.max_events = max_events
        self.policy = policy or RetryPolicy.from_settings(settings)
        self.handles = handles if handles is not None else HandleCache()
        self._clock = clock
        self.service = "Bluesky firehose" if mode == "firehose" else "Jetstream"
        self.events_read = 0

    def endpoint(self, position: int | None) -> str:
        """The websocket URL to read from, resuming after ``position`` when given."""
        params: dict[str, Any] = {}
        if self.mode == "firehose":
            path = "/xrpc/com.atproto.sync.subscribeRepos"
            if position is not None:
                params["cursor"] = position
        else:
            path = "/subscribe"
            params["wantedCollections"] = POST_COLLECTION
            if position is not None:
                params["cursor"] = position
        base = self.url if urlsplit(self.url).path.endswith(path) else self.url + path
        return base + ("?" + urlencode(params) if params else "")

    def _open(self, position: int | None) -> ClientConnection:
        url = self.endpoint(position)
        parts = urlsplit(http_url(url))
        address = checked_addresses(http_url(url), self.settings)[0]
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            sock = socket.create_connection((address, port), timeout=self.settings.http_timeout)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise FetchError(
                f"{self.service} at {self.url} could not be reached: {reason}"
            ) from exc
        try:
            return connect(
                url,
                sock=sock,
                ssl=ssl.create_default_context() if parts.scheme == "https" else None,
                server_hostname=parts.hostname if parts.scheme == "https" else None,
                proxy=None,
                open_timeout=self.settings.http_timeout,
                max_size=MAX_FRAME_BYTES,
                legacy=True,
                compression=None,
                user_agent_header=self.settings.user_agent,
            )
        except InvalidStatus as exc:
            sock.close()
            status = exc.response.status_code
            raise FetchError(
                f"{self.service} at {self.url} answered HTTP {status} instead of an event "
                "stream; check the URL",
                url=self.url,
                status=status,
            ) from exc
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            sock.close()
            raise FetchError(
                f"{self.service} at {self.url} did not open an event stream ({exc}); check the URL"
            ) from exc

    def _connect(self, position: int | None) -> ClientConnection:
        return with_retries(
            lambda: self._open(position),
            policy=self.policy,
            transient=lambda exc: isinstance(exc, FetchError) and exc.status is None,
            what=f"connecting to {self.service}",
        )

    def decode(self, message: str | bytes) -> FrameEvent | FrameError:
        """Decode one message of this stream."""
        if self.mode == "firehose":
            if not isinstance(message, bytes):
                raise ValueError("a text message where a binary frame was expected")
            return decode_frame(message)
        return decode_jetstream(message)

    def run(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Listen from ``cursor`` and yield batches until a limit is reached."""
        key = "seq" if self.mode == "firehose" else "time_us"
        start = cursor.get(key)
        position: int | None = start if isinstance(start, int) else None
        batch = _Batch(self, key, position)
        deadline = self._clock() + self.max_seconds
        drops = 0
        connection = self._connect(position)
        try:
            while self.events_read < self.max_events:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    break
                try:
                    message = connection.recv(timeout=min(remaining, _FLUSH_SECONDS))
                except TimeoutError:
                    if batch.due():
                        yield batch.cut()
                    continue
                except ConnectionClosed as exc:
                    connection.close()
                    drops += 1
                    if drops >= self.policy.attempts:
                        raise FetchError(
                            f"{self.service} at {self.url} closed the connection {drops} "
                            f"times (last: {exc})"
                        ) from exc
                    log.info("%s closed the connection (%s); resuming", self.service, exc)
                    self.policy.sleep(self.policy.delay(drops - 1))
                    connection = self._connect(batch.position)
                    continue
                self.events_read += 1
                batch.add(message)
                if batch.full():
                    yield batch.cut()
        finally:
            connection.close()
        if batch.due(at_end=True):
            yield batch.cut()


class _Batch:
    """Items and skips gathered since the last cut, and the stream position they reach."""

    def __init__(self, listener: StreamListener, key: str, position: int | None) -> None:
        self.listener = listener
        self.key = key
        self.position = position
        self.saved = position
        self.items: list[RawItem] = []
        self.skipped: list[Skipped] = []
        self.events = 0
        self.ignored = 0
        self.deleted: list[str] = []
        self.cut_at = listener._clock()

    def add(self, message: str | bytes) -> None:
        listener = self.listener
        self.events += 1
        where = f"{listener.service} {listener.url} after {self.key} {self.position}"
        try:
            event = listener.decode(message)
        except ValueError as exc:
            self.skipped.append(Skipped(where=where, reason=f"unreadable event: {exc}"))
            return
        if isinstance(event, FrameError):
            self._server_error(event)
            return
        if event.seq is not None:
            self.position = event.seq
        if event.did and event.kind in ("#identity", "identity"):
            listener.handles.put(event.did, event.handle)
        if event.info:
            self.skipped.append(Skipped(where=where, reason=f"the server said {event.info}"))
        self.ignored += event.ignored
        for uri, reason in event.skipped:
            if reason == "post deleted":
                self.deleted.append(uri)
            else:
                self.skipped.append(Skipped(where=uri, reason=reason))
        if event.posts:
            fetched = datetime.now(UTC)
            for post in event.posts:
                did = str(post.get("did"))
                rkey = (post.get("commit") or {}).get("rkey")
                handle = listener.handles.get(did)
                self.items.append(
                    RawItem(
                        kind=COMMIT_KIND,
                        payload=post,
                        fetched_at=fetched,
                        origin=f"at://{did}/{POST_COLLECTION}/{rkey}",
                        context={"handle": handle} if handle else {},
                    )
                )

    def _server_error(self, error: FrameError) -> None:
        text = f"{error.error}: {error.message}".strip(": ")
        if error.error == "FutureCursor":
            raise SourceError(
                f"{self.listener.service} at {self.listener.url} says the saved cursor "
                f"{self.key}={self.position} lies in its future ({text}); this source was "
                "probably pointed at another server: reset its cursor"
            )
        raise FetchError(f"{self.listener.service} at {self.listener.url} sent an error: {text}")

    def full(self) -> bool:
        size = max(1, self.listener.settings.batch_size)
        return len(self.items) >= size or self.events >= size * _EVENTS_PER_BATCH_FACTOR

    def due(self, *, at_end: bool = False) -> bool:
        moved = self.position != self.saved or bool(self.skipped) or bool(self.items)
        if at_end:
            return moved
        return moved and self.listener._clock() - self.cut_at >= _FLUSH_SECONDS

    def cut(self) -> FetchedBatch:
        skipped = list(self.skipped)
        if self.deleted:
            shown = ", ".join(self.deleted[:3]) + (" ..." if len(self.deleted) > 3 else "")
            skipped.append(
                Skipped(
                    where=f"{self.listener.service} {self.listener.url}",
                    reason=f"{len(self.deleted)} post deletion(s) seen and not applied "
                    f"(stored mentions are kept): {shown}",
                )
            )
        cursor: dict[str, Any] = {} if self.position is None else {self.key: self.position}
        batch = FetchedBatch(items=tuple(self.items), cursor=cursor, skipped=tuple(skipped))
        self.saved = self.position
        self.items, self.skipped, self.deleted = [], [], []
        self.events = 0
        self.cut_at = self.listener._clock()
        return batch
