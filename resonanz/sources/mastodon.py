"""Mastodon: a hashtag, the public or local timeline, a search, or an account's mentions,
on one instance, polled through Mastodon.py.

Timelines and notifications are read with ``min_id``: each call returns the page of items
*immediately newer* than the cursor, so paging forward from the cursor leaves no gap
between polls. The first run (no cursor) backfills ``backfill_pages`` pages of the newest
items with ``max_id`` and yields them oldest first. Search has no reliable id paging on
every server: it pages with ``offset`` (newest first, also sending ``min_id``) and keeps
what is newer than the cursor.

Cursor: ``{"stream": "tag:bahn", "newest_id": "1127..."}``; each batch's cursor is the
newest id *in that batch*, and batches go oldest first, so a run that stops after any
batch resumes exactly after it. A cursor of another stream (the hashtag was changed) is
ignored and the new stream starts with a backfill.

Streaming (option ``streaming``: ``auto`` default, ``on``, ``off``): for hashtags, the
public and local timelines and mentions, a run opens the instance's Server-Sent-Events
stream *first*, then catches up by polling from the cursor as above, then reads the stream
for ``stream_seconds`` (see :mod:`resonanz.sources.mastodon_live`). Opening before the
catch-up means nothing posted between the two is missed; stream items the poll already
brought are dropped. ``auto`` polls only where the instance does not stream (no streaming
server, streaming switched off, a public stream that wants a token); ``on`` fails then.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from resonanz.config import Settings, parse_bool
from resonanz.errors import AuthError, ConfigError, FetchError
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.mastodon_client import MastodonClient, items_of
from resonanz.sources.mastodon_config import MAX_PAGE, source_name, validate_mastodon_config
from resonanz.sources.mastodon_live import listen
from resonanz.sources.mastodon_normalise import NOTIFICATION_KIND
from resonanz.sources.mastodon_sse import SseListener
from resonanz.sources.mastodon_streams import Page, id_order, is_newer, stream_for
from resonanz.sources.retry import RetryPolicy

__all__ = ["MastodonSource", "register_sources"]

log = logging.getLogger(__name__)


class MastodonSource:
    """Statuses from one Mastodon instance: a hashtag, a timeline, a search or mentions."""

    kind: ClassVar[str] = "mastodon"
    target_key: ClassVar[str] = "instance"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        policy: RetryPolicy | None = None,
    ) -> None:
        instance = config.get("instance")
        if not isinstance(instance, str) or not instance.strip():
            raise ConfigError(
                "a mastodon source needs an 'instance' (e.g. https://mastodon.social)"
            )
        self.instance = instance.strip().rstrip("/")
        token = config.get("access_token")
        self._token = token if isinstance(token, str) and token else None
        self.page_size = int(config.get("page_size", MAX_PAGE))
        self.backfill_pages = int(config.get("backfill_pages", 1))
        self.max_pages = int(config.get("max_pages", 25))
        self.include_private = parse_bool(config.get("include_private", False), "include_private")
        self.stream = stream_for(config)
        self.streaming = str(config.get("streaming", "auto"))
        self.stream_seconds = float(config.get("stream_seconds", 30))
        self._settings = settings
        self._policy = policy

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check instance URL, mode and options; return the normalised config."""
        return validate_mastodon_config(config, settings)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """E.g. "mastodon.social #bahn", "chaos.social local", "mastodon.social mentions"."""
        return source_name(config)

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Yield new items oldest first, each batch with the cursor up to its newest item;
        then, where the instance streams, what the stream brings for ``stream_seconds``."""
        newest = cursor.get("newest_id") if cursor.get("stream") == self.stream.name else None
        client = MastodonClient(
            self.instance, self._settings, access_token=self._token, policy=self._policy
        )
        listener = None
        try:
            listener = self._open_stream()  # before the catch-up: no gap between the two
            for batch in self._catch_up(client, str(newest) if newest else None):
                newest = batch.cursor.get("newest_id", newest)
                yield batch
            if listener is not None:
                yield from listen(
                    self, listener, str(newest) if newest else None, self._settings.batch_size
                )
        finally:
            if listener is not None:
                listener.close()
            client.close()

    def _catch_up(self, client: MastodonClient, newest: str | None) -> Iterator[FetchedBatch]:
        """Everything newer than ``newest`` by polling (a backfill when there is no cursor)."""
        if newest is None and self.backfill_pages == 0:
            return self._start_now(client)
        if not self.stream.pages_by_id:
            return self._search(client, newest)
        return self._poll(client, newest)

    def _open_stream(self) -> SseListener | None:
        """The open stream, or None where streaming is off or (``auto``) not offered."""
        path = self.stream.sse_path
        if self.streaming == "off" or path is None:
            return None
        listener = SseListener(
            self.instance,
            self._settings,
            path=path,
            params=self.stream.sse_params,
            access_token=self._token,
            policy=self._policy,
        )
        try:
            listener.open()
        except (AuthError, FetchError) as exc:
            listener.close()
            if isinstance(exc, AuthError) and (self._token or self.streaming == "on"):
                raise  # a wrong token, or streaming=on needs one: the user must act
            if self.streaming == "on":
                raise FetchError(
                    f"{self.instance} does not stream the {self.stream.label} ({exc}); "
                    "use -o streaming=auto to poll where it does not stream",
                    url=self.instance,
                    status=exc.status if isinstance(exc, FetchError) else 401,
                ) from exc
            log.info("%s: polling only, no stream: %s", self.instance, exc)
            return None
        return listener

    def raw_item(self, entry: Mapping[str, Any], where: str, fetched_at: datetime) -> RawItem:
        """The raw item for one status or notification, exactly as the instance sent it."""
        return RawItem(
            kind=self.stream.raw_kind,
            payload=entry,
            fetched_at=fetched_at,
            origin=f"{where} id {entry['id']}",
            context={"instance": self.instance, "stream": self.stream.name},
        )

    def _read(self, client: MastodonClient, page: Page) -> _Read:
        """One page: raw items with an id (newest first, as sent) and what was skipped."""
        body = client.call(self.stream.label, lambda api: self.stream.read(api, page))
        where = f"{self.instance} {self.stream.label}"
        fetched_at = datetime.now(UTC)
        read = _Read()
        for number, entry in enumerate(items_of(body, self.stream.key, where), start=1):
            read.entries += 1
            native_id = entry.get("id") if isinstance(entry, Mapping) else None
            if not isinstance(native_id, str | int) or isinstance(native_id, bool):
                read.skipped.append(Skipped(f"{where} item {number}", "item has no id"))
                continue
            read.ids.append(str(native_id))
            private = self.private(entry)
            if private:
                reason = f"not public (visibility {private}); include_private=true keeps it"
                read.skipped.append(Skipped(f"{where} id {native_id}", reason))
                continue
            read.items.append(self.raw_item(entry, where, fetched_at))
        return read

    def _start_now(self, client: MastodonClient) -> Iterator[FetchedBatch]:
        """No backfill: only note the newest id, so the next run starts from there."""
        newest = max(self._read(client, Page(limit=1)).ids, key=id_order, default=None)
        if newest is not None:
            yield FetchedBatch(items=(), cursor=self.cursor_at(newest))

    def private(self, entry: Mapping[str, Any]) -> str | None:
        """The visibility of a mention's status when it is not public and not wanted."""
        if self.include_private or self.stream.raw_kind != NOTIFICATION_KIND:
            return None
        status = entry.get("status")
        visibility = status.get("visibility") if isinstance(status, Mapping) else None
        return str(visibility) if visibility in ("private", "direct") else None

    def _poll(self, client: MastodonClient, newest: str | None) -> Iterator[FetchedBatch]:
        """Timelines and notifications: backfill once, then page forward with min_id."""
        size = self.page_size
        if newest is None:
            found = _Found(None)
            page = Page(limit=size)
            for _ in range(self.backfill_pages):
                read = self._read(client, page)
                found.add(read)
                if read.entries < size or not read.ids:
                    break
                page = Page(limit=size, max_id=min(read.ids, key=id_order))
            yield from self._batches(found)
            newest = found.newest
            if newest is None:
                return
        for _ in range(self.max_pages):
            found = _Found(newest)
            read = self._read(client, Page(limit=size, min_id=newest))
            found.add(read)
            yield from self._batches(found)
            if found.newest == newest or read.entries < size:
                return
            newest = found.newest

    def _search(self, client: MastodonClient, newest: str | None) -> Iterator[FetchedBatch]:
        """Search: offset pages, newest first, until a page brings nothing newer."""
        size = self.page_size
        pages = self.backfill_pages if newest is None else self.max_pages
        found = _Found(newest)
        offset = 0
        for number in range(pages):
            read = self._read(client, Page(limit=size, min_id=newest, offset=offset))
            before = found.newest, len(found.items)
            found.add(read)
            if (found.newest, len(found.items)) == before or read.entries < size:
                break
            offset += read.entries
            if newest is not None and number == pages - 1:
                reason = (
                    f"more than {pages} pages of new results; older ones not read "
                    "(raise max_pages or poll more often)"
                )
                found.skipped.append(Skipped(f"{self.instance} {self.stream.label}", reason))
        yield from self._batches(found)

    def _batches(self, found: _Found) -> Iterator[FetchedBatch]:
        """Items oldest first in batches of ``batch_size``; each batch's cursor is its
        newest item, the last one's the newest id read (skipped entries count too)."""
        ordered = sorted(found.items.values(), key=lambda i: id_order(_id(i)))
        size = max(1, self._settings.batch_size)
        chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)]
        if not chunks and (found.skipped or found.newest != found.since):
            chunks = [[]]  # nothing kept, but skipped entries to report or pass over
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            newest = found.newest if last else _id(chunk[-1])
            yield FetchedBatch(
                items=tuple(chunk),
                cursor=self.cursor_at(newest) if newest is not None else {},
                skipped=tuple(found.skipped) if index == 0 else (),
            )

    def cursor_at(self, newest: str) -> dict[str, Any]:
        """The cursor that resumes after ``newest``."""
        return {"stream": self.stream.name, "newest_id": newest}


@dataclass
class _Read:
    """One page as read: kept items, skipped entries, every id seen, how many entries."""

    items: list[RawItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    entries: int = 0


@dataclass
class _Found:
    """What one or more pages brought that is newer than ``since`` (the cursor)."""

    since: str | None
    items: dict[str, RawItem] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    newest: str | None = None

    def __post_init__(self) -> None:
        self.newest = self.since

    def add(self, read: _Read) -> None:
        """Keep the page's items newer than ``since``; move ``newest`` past every id."""
        self.skipped.extend(read.skipped)
        for item in read.items:
            if is_newer(_id(item), self.since):
                self.items.setdefault(_id(item), item)
        for native_id in read.ids:
            if is_newer(native_id, self.since) and is_newer(native_id, self.newest):
                self.newest = native_id


def _id(item: RawItem) -> str:
    return str(item.payload["id"])


@hookimpl
def register_sources() -> list[Any]:
    """Register the Mastodon source."""
    return [MastodonSource]
