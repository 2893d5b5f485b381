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
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from resonanz.config import Settings, parse_bool
from resonanz.errors import ConfigError
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.mastodon_client import MastodonClient, items_of
from resonanz.sources.mastodon_config import MAX_PAGE, source_name, validate_mastodon_config
from resonanz.sources.mastodon_normalise import NOTIFICATION_KIND
from resonanz.sources.mastodon_streams import Page, stream_for
from resonanz.sources.retry import RetryPolicy

__all__ = ["MastodonSource", "register_sources"]


def _id_order(native_id: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: numeric strings (Mastodon) and fixed-width flake ids
    (Pleroma, Akkoma) both order by length, then text."""
    return (len(native_id), native_id)


def _newer(a: str, b: str | None) -> bool:
    return b is None or _id_order(a) > _id_order(b)


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
        """Yield new items oldest first, each batch with the cursor up to its newest item."""
        newest = cursor.get("newest_id") if cursor.get("stream") == self.stream.name else None
        client = MastodonClient(
            self.instance, self._settings, access_token=self._token, policy=self._policy
        )
        try:
            if newest is None and self.backfill_pages == 0:
                yield from self._start_now(client)
            elif not self.stream.pages_by_id:
                yield from self._search(client, str(newest) if newest else None)
            else:
                yield from self._poll(client, str(newest) if newest else None)
        finally:
            client.close()

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
            private = self._private(entry)
            if private:
                reason = f"not public (visibility {private}); include_private=true keeps it"
                read.skipped.append(Skipped(f"{where} id {native_id}", reason))
                continue
            read.items.append(
                RawItem(
                    kind=self.stream.raw_kind,
                    payload=entry,
                    fetched_at=fetched_at,
                    origin=f"{where} id {native_id}",
                    context={"instance": self.instance, "stream": self.stream.name},
                )
            )
        return read

    def _start_now(self, client: MastodonClient) -> Iterator[FetchedBatch]:
        """No backfill: only note the newest id, so the next run starts from there."""
        newest = max(self._read(client, Page(limit=1)).ids, key=_id_order, default=None)
        if newest is not None:
            yield FetchedBatch(items=(), cursor=self._cursor(newest))

    def _private(self, entry: Mapping[str, Any]) -> str | None:
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
                page = Page(limit=size, max_id=min(read.ids, key=_id_order))
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
        ordered = sorted(found.items.values(), key=lambda i: _id_order(_id(i)))
        size = max(1, self._settings.batch_size)
        chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)]
        if not chunks and (found.skipped or found.newest != found.since):
            chunks = [[]]  # nothing kept, but skipped entries to report or pass over
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            newest = found.newest if last else _id(chunk[-1])
            yield FetchedBatch(
                items=tuple(chunk),
                cursor=self._cursor(newest) if newest is not None else {},
                skipped=tuple(found.skipped) if index == 0 else (),
            )

    def _cursor(self, newest: str) -> dict[str, Any]:
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
            if _newer(_id(item), self.since):
                self.items.setdefault(_id(item), item)
        for native_id in read.ids:
            if _newer(native_id, self.since) and _newer(native_id, self.newest):
                self.newest = native_id


def _id(item: RawItem) -> str:
    return str(item.payload["id"])


@hookimpl
def register_sources() -> list[Any]:
    """Register the Mastodon source."""
    return [MastodonSource]
