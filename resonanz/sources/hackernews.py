"""Hacker News stories and comments matching a query, from the Algolia HN Search API.

Each run asks ``/search_by_date`` for hits with ``created_at_i >= since - overlap`` and
pages through all of them. Algolia returns newest first and at most ``nbPages *
hitsPerPage`` (1,000) hits per query, so a time span with more hits is halved
(``created_at_i <= hi``) until it fits; each span is then yielded oldest first in
batches, and each batch's cursor describes only the hits up to it.

Cursor: ``{"since": newest created_at_i stored, "recent": {objectID: created_at_i}}``.
The next run starts at ``since - overlap_seconds`` (``>=``: a hit in the same second as
the last one stored is not lost) and drops the ids in ``recent`` (every stored hit of that
overlap), so nothing is yielded twice. The overlap also picks up hits that Algolia
indexed late.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError, ParseError
from resonanz.fetcher import validate_url
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.api import ApiClient
from resonanz.sources.hackernews_normalise import normalise_hackernews
from resonanz.sources.options import (
    check_known,
    choices_option,
    int_option,
    keep_unmatched_option,
)
from resonanz.sources.retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "HackerNewsSource", "register_normalisers", "register_sources"]

DEFAULT_BASE_URL = "https://hn.algolia.com/api/v1"
_KEYS = (
    "query",
    "types",
    "backfill_hours",
    "overlap_seconds",
    "hits_per_page",
    "base_url",
    "keep_unmatched",
)
_TYPES = ("story", "comment")
_MAX_RECENT = 10_000  # ids kept in the cursor; far above an overlap's worth of hits
_PAGE_RETRIES = 3  # a span re-read when new hits shift its pages while paging


@dataclass
class _Cursor:
    """The persisted position: newest stored second and the ids stored near it."""

    since: int | None = None
    recent: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, cursor: Mapping[str, Any]) -> _Cursor:
        since = cursor.get("since")
        recent = cursor.get("recent")
        return cls(
            since=since if isinstance(since, int) else None,
            recent=(
                {str(k): int(v) for k, v in recent.items() if isinstance(v, int)}
                if isinstance(recent, Mapping)
                else {}
            ),
        )

    def advance(self, stored: list[tuple[int, str]], overlap: int) -> dict[str, Any]:
        """Record stored (created_at_i, id) pairs; return the cursor to persist."""
        for created, native_id in stored:
            self.recent[native_id] = created
            self.since = created if self.since is None else max(self.since, created)
        floor = (self.since or 0) - overlap
        kept = sorted(((t, i) for i, t in self.recent.items() if t >= floor), reverse=True)
        self.recent = {i: t for t, i in kept[:_MAX_RECENT]}
        return {"since": self.since, "recent": dict(self.recent)}


@dataclass
class _Span:
    """The hits of one time span, or how many there are when they do not fit in one query."""

    hits: list[Any]
    total: int
    complete: bool
    newest: int | None


def _created(hit: Any) -> int | None:
    value = hit.get("created_at_i") if isinstance(hit, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _object_id(hit: Any) -> str | None:
    value = hit.get("objectID") if isinstance(hit, Mapping) else None
    text = str(value).strip() if isinstance(value, str | int) else ""
    return text if text.isdigit() else None


class HackerNewsSource:
    """Stories and comments matching a query, polled from the Algolia HN Search API."""

    kind: ClassVar[str] = "hackernews"
    target_key: ClassVar[str] = "query"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        query = config.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ConfigError("a hackernews source needs a 'query'")
        self.query = query.strip()
        types = config.get("types", list(_TYPES))
        self.types = list(types) if isinstance(types, list) else list(_TYPES)
        self.backfill_hours = int(config.get("backfill_hours", 24))
        self.overlap = int(config.get("overlap_seconds", 600))
        self.hits_per_page = int(config.get("hits_per_page", 100))
        self.base_url = str(config.get("base_url") or DEFAULT_BASE_URL)
        self._settings = settings
        self._transport = transport
        self._policy = policy
        self._clock = clock

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check the query and options; return the normalised config."""
        check_known("hackernews", config, _KEYS)
        query = config.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ConfigError("a hackernews source needs a 'query' (the words to search for)")
        result: dict[str, Any] = {"query": query.strip()}
        result["types"] = choices_option("hackernews", config, "types", _TYPES)
        result["backfill_hours"] = int_option("hackernews", config, "backfill_hours", 24, 0, 8760)
        result["overlap_seconds"] = int_option(
            "hackernews", config, "overlap_seconds", 600, 0, 86_400
        )
        result["hits_per_page"] = int_option("hackernews", config, "hits_per_page", 100, 1, 1000)
        if config.get("base_url"):
            result["base_url"] = validate_url(str(config["base_url"]), settings).rstrip("/")
        keep_unmatched_option(config, result)
        return result

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """ "hn: " and the query (e.g. "hn: deutsche bahn")."""
        return f"hn: {str(config.get('query', '')).strip()}"[:80]

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Yield the hits newer than the cursor, oldest first, span by span."""
        state = _Cursor.load(cursor)
        if state.since is None:
            start = int(self._clock()) - self.backfill_hours * 3600
        else:
            start = state.since - self.overlap
        hi: int | None = None
        reported: set[Skipped] = set()  # a broken hit is reported once, not once a span
        with ApiClient(
            self._settings,
            service="Hacker News search (Algolia)",
            base_url=self.base_url,
            transport=self._transport,
            policy=self._policy,
        ) as api:
            while True:
                span = self._span(api, start, hi)
                top = hi if hi is not None else span.newest
                if not span.complete and top is not None and top > start:
                    hi = start + (top - start) // 2  # too many hits: halve the span
                    continue
                yield from self._batches(span, state, start, reported)
                if hi is None:
                    return
                start, hi = hi + 1, None

    def _search(self, api: ApiClient, start: int, hi: int | None, page: int) -> Mapping[str, Any]:
        numeric = f"created_at_i>={start}" + (f",created_at_i<={hi}" if hi is not None else "")
        tags = self.types[0] if len(self.types) == 1 else f"({','.join(self.types)})"
        response = api.get(
            "/search_by_date",
            {
                "query": self.query,
                "tags": tags,
                "numericFilters": numeric,
                "hitsPerPage": self.hits_per_page,
                "page": page,
            },
        )
        data = response.data
        if not isinstance(data, Mapping) or not isinstance(data.get("hits"), list):
            raise ParseError(
                "the answer has no 'hits' list; is base_url an HN Search API?", where=response.url
            )
        return data

    def _span(self, api: ApiClient, start: int, hi: int | None) -> _Span:
        """All hits with start <= created_at_i (<= hi), or complete=False when too many."""
        hits: list[Any] = []
        total = 0
        for attempt in range(1, _PAGE_RETRIES + 1):
            first = self._search(api, start, hi, 0)
            total = _count(first.get("nbHits"), 0)
            pages = _count(first.get("nbPages"), 1)
            per_page = _count(first.get("hitsPerPage"), self.hits_per_page) or 1
            hits = list(first["hits"])
            times = [t for t in map(_created, hits) if t is not None]
            newest = max(times) if times else None
            if total > pages * per_page:
                return _Span(hits, total, complete=False, newest=newest)
            stable, page = True, 1
            while page < pages:
                data = self._search(api, start, hi, page)
                hits.extend(data["hits"])
                if _count(data.get("nbHits"), total) != total:
                    # New hits arrived and shifted the pages (newest first): read the span
                    # again; on the last try follow the pages as they are now.
                    stable = False
                    if attempt < _PAGE_RETRIES:
                        break
                    pages = max(pages, _count(data.get("nbPages"), pages))
                page += 1
            if stable or attempt == _PAGE_RETRIES:
                break
        return _Span(hits, total, complete=True, newest=None)

    def _batches(
        self, span: _Span, state: _Cursor, start: int, reported: set[Skipped]
    ) -> Iterator[FetchedBatch]:
        where = f"Hacker News search {self.query!r}"
        skipped: list[Skipped] = []
        if not span.complete:
            skipped.append(
                Skipped(
                    where=where,
                    reason=f"{span.total} hits in the second {start}: only the "
                    f"{len(span.hits)} Algolia lets a query page through were read",
                )
            )
        fresh: dict[str, tuple[int, Any]] = {}
        for hit in span.hits:
            native_id, created = _object_id(hit), _created(hit)
            if native_id is None or created is None:
                shown = repr(hit)[:120]
                reason = (
                    "without a numeric objectID" if native_id is None else "without created_at_i"
                )
                skipped.append(Skipped(where=where, reason=f"a hit {reason}: {shown}"))
            elif native_id not in state.recent:
                fresh[native_id] = (created, hit)
        skipped = [s for s in skipped if s not in reported]
        reported.update(skipped)
        ordered = sorted(fresh.items(), key=lambda kv: (kv[1][0], int(kv[0])))
        if not ordered and not skipped:
            return
        fetched_at = datetime.now(UTC)
        size = max(1, self._settings.batch_size)
        chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)] or [[]]
        for index, chunk in enumerate(chunks):
            items = tuple(
                RawItem(
                    kind=self.kind,
                    payload=hit,
                    fetched_at=fetched_at,
                    origin=f"hackernews item {native_id}",
                    context={"query": self.query},
                )
                for native_id, (_, hit) in chunk
            )
            cursor = state.advance([(t, i) for i, (t, _) in chunk], self.overlap)
            yield FetchedBatch(
                items=items, cursor=cursor, skipped=tuple(skipped) if index == 0 else ()
            )


def _count(value: Any, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default
    )


@hookimpl
def register_sources() -> list[Any]:
    """Register the Hacker News source."""
    return [HackerNewsSource]


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the Hacker News hit normaliser."""
    return {"hackernews": normalise_hackernews}
