"""Post search (``app.bsky.feed.searchPosts``, newest first) as resumable sweeps.

A sweep reads pages from the newest post down to the last run's newest (``since``). Its
batches are cut newest-first, so until the sweep ends the cursor keeps the old ``since``
and records how far down the sweep got (``until``: the oldest post read, plus 1 ms since
the API's ``until`` excludes its bound). A run that stops mid-sweep (killed, page limit)
resumes it below ``until``; a finished sweep moves ``since`` up to the newest post it saw.
Overlaps are re-read (the store ignores duplicates); nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from resonanz.models import RawItem
from resonanz.pipeline.normalise import parse_date
from resonanz.sources import FetchedBatch
from resonanz.sources.bluesky.normalise import POST_KIND
from resonanz.sources.bluesky.xrpc import XrpcClient

__all__ = ["search_batches", "sort_time"]

_PAGE = 100


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sort_time(view: Mapping[str, Any]) -> datetime | None:
    """When a post counts as posted for search: the earlier of createdAt and indexedAt."""
    record = view.get("record")
    created = parse_date(record.get("createdAt")) if isinstance(record, Mapping) else None
    indexed = parse_date(view.get("indexedAt"))
    known = [t for t in (created, indexed) if t is not None]
    return min(known) if known else None


def search_batches(
    client: XrpcClient,
    config: Mapping[str, Any],
    cursor: Mapping[str, Any],
    batch_size: int,
) -> Iterator[FetchedBatch]:
    """Run (or resume) one sweep of the configured query and yield its batches."""
    since = cursor.get("since") or config.get("since")
    sweep = cursor.get("sweep") if isinstance(cursor.get("sweep"), Mapping) else None
    top = sweep.get("top") if sweep else None
    until = sweep.get("until") if sweep else None
    base: dict[str, Any] = {"q": config["query"], "sort": config.get("sort", "latest")}
    if config.get("lang"):
        base["lang"] = config["lang"]
    # Pages of one run share the query (the page cursor is an offset into its results);
    # ``until`` only tracks how far down this sweep got, for a later run.
    base["since"], base["until"] = since, until
    page_cursor: str | None = None
    pending: list[RawItem] = []
    finished = False
    for _ in range(int(config.get("max_pages", 10))):
        params = {**base, "limit": _PAGE, "cursor": page_cursor}
        data = client.get("app.bsky.feed.searchPosts", params)
        posts = [p for p in data.get("posts") or [] if isinstance(p, Mapping)]
        fetched = datetime.now(UTC)
        for view in posts:
            when = sort_time(view)
            if when is not None:
                top = top or _iso(when)
                if until is None or _iso(when + timedelta(milliseconds=1)) < until:
                    until = _iso(when + timedelta(milliseconds=1))
            pending.append(
                RawItem(
                    kind=POST_KIND,
                    payload=view,
                    fetched_at=fetched,
                    origin=str(view.get("uri") or "searchPosts"),
                    context={"query": config["query"]},
                )
            )
        next_cursor = data.get("cursor")
        if not posts or not isinstance(next_cursor, str) or not next_cursor:
            finished = True
            break
        page_cursor = next_cursor
        if len(pending) >= batch_size:
            yield FetchedBatch(items=tuple(pending), cursor=_state(since, top, until))
            pending = []
    if finished:
        done: dict[str, Any] = {"since": top or since} if (top or since) else {}
        yield FetchedBatch(items=tuple(pending), cursor=done)
    else:
        yield FetchedBatch(items=tuple(pending), cursor=_state(since, top, until))


def _state(since: Any, top: str | None, until: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {"sweep": {"top": top, "until": until}}
    if since:
        state["since"] = since
    return state
