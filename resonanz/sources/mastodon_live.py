"""The listening phase of a Mastodon run: events from the open stream become batches.

Events (docs.joinmastodon.org/methods/streaming/#events): ``update`` carries a status as
JSON (timelines), ``notification`` a notification (mentions), ``delete`` the bare id of a
deleted status, which is reported as skipped; every other event is ignored. A batch is
yielded when it holds ``batch_size`` items or the stream has been quiet for a second; its
cursor is the newest id read so far, so the next run's catch-up poll continues after it.
The phase ends after ``stream_seconds`` or when the stream ends (the instance closed it or
the connection broke): the cursor stays where the last batch put it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.mastodon_normalise import NOTIFICATION_KIND
from resonanz.sources.mastodon_sse import Ended, SseEvent, SseListener
from resonanz.sources.mastodon_streams import is_newer

if TYPE_CHECKING:
    from resonanz.sources.mastodon import MastodonSource

__all__ = ["QUIET_SECONDS", "listen"]

log = logging.getLogger(__name__)
QUIET_SECONDS = 1.0  # a stream quiet this long flushes what it brought


def listen(
    source: MastodonSource, listener: SseListener, newest: str | None, batch_size: int
) -> Iterator[FetchedBatch]:
    """Batches from ``listener`` for ``source.stream_seconds``; ids up to ``newest`` are
    already stored (the catch-up poll brought them) and are dropped."""
    pending = _Pending(source, newest)
    deadline = time.monotonic() + source.stream_seconds
    while (left := deadline - time.monotonic()) > 0:
        got = listener.next(min(left, QUIET_SECONDS))
        if got is None:
            yield from pending.flush()
            continue
        if isinstance(got, Ended):
            log.info("%s: stream ended early: %s", source.instance, got.reason)
            break
        pending.take(got)
        if len(pending.items) >= max(1, batch_size):
            yield from pending.flush()
    yield from pending.flush()


class _Pending:
    """What the stream brought since the last batch, and the newest id read."""

    def __init__(self, source: MastodonSource, newest: str | None) -> None:
        self.source = source
        self.where = f"{source.instance} {source.stream.label} stream"
        self.wanted = "notification" if source.stream.raw_kind == NOTIFICATION_KIND else "update"
        self.items: list[RawItem] = []
        self.skipped: list[Skipped] = []
        self.newest = self.flushed = newest

    def take(self, event: SseEvent) -> None:
        """Keep an item, note a skip, or ignore the event."""
        if event.name == "delete":
            reason = "deleted on the instance (stream event 'delete'); a stored copy is kept"
            self.skipped.append(Skipped(f"{self.where} id {event.data.strip()}", reason))
            return
        if event.name != self.wanted:
            return
        entry = _entry(event.data)
        if entry is None:
            reason = f"the {event.name!r} event is not a JSON object with an id"
            self.skipped.append(Skipped(self.where, reason))
            return
        native_id = str(entry["id"])
        if not is_newer(native_id, self.newest):
            return  # the catch-up poll brought it already
        self.newest = native_id
        stream = self.source.stream
        if stream.types and entry.get("type") not in stream.types:
            return
        private = self.source.private(entry)
        if private:
            reason = f"not public (visibility {private}); include_private=true keeps it"
            self.skipped.append(Skipped(f"{self.where} id {native_id}", reason))
            return
        self.items.append(self.source.raw_item(entry, self.where, datetime.now(UTC)))

    def flush(self) -> Iterator[FetchedBatch]:
        """One batch of what is pending, if anything is (a moved cursor counts)."""
        if not self.items and not self.skipped and self.newest == self.flushed:
            return
        cursor = self.source.cursor_at(self.newest) if self.newest is not None else {}
        yield FetchedBatch(items=tuple(self.items), cursor=cursor, skipped=tuple(self.skipped))
        self.items, self.skipped, self.flushed = [], [], self.newest


def _entry(data: str) -> Mapping[str, Any] | None:
    """The JSON object an event carries, if it is one with an id."""
    try:
        entry = json.loads(data)
    except ValueError:
        return None
    if not isinstance(entry, Mapping):
        return None
    native_id = entry.get("id")
    if not isinstance(native_id, str | int) or isinstance(native_id, bool):
        return None
    return entry
