"""What a Mastodon source listens to, as a stream: its name in the cursor, a label for
messages, and the Mastodon.py call that reads one page of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mastodon import Mastodon

from resonanz.config import parse_bool
from resonanz.sources.mastodon_config import hashtag_option, mode_option, types_option
from resonanz.sources.mastodon_normalise import NOTIFICATION_KIND, STATUS_KIND

__all__ = ["Page", "Stream", "stream_for"]


@dataclass(frozen=True)
class Page:
    """Where one request starts: ``min_id`` (forward), ``max_id`` (backfill) or ``offset``."""

    limit: int
    min_id: str | None = None
    max_id: str | None = None
    offset: int | None = None


@dataclass(frozen=True)
class Stream:
    """One thing to listen to: its cursor name, a label and how to read one page."""

    name: str
    label: str
    raw_kind: str
    read: Callable[[Mastodon, Page], object]
    key: str | None = None  # the list's key in the body (search answers an object)

    @property
    def pages_by_id(self) -> bool:
        """True where min_id/max_id page (timelines, notifications), False for search."""
        return self.key is None


def stream_for(config: Mapping[str, Any]) -> Stream:
    """The stream a (validated) config describes."""
    mode = mode_option(config)
    if mode == "hashtag":
        tag = hashtag_option(config.get("hashtag"))
        local = parse_bool(config.get("local_only", False), "local_only")
        return Stream(
            f"tag:{tag.lower()}" + (":local" if local else ""),
            f"hashtag timeline #{tag}",
            STATUS_KIND,
            lambda api, p: api.timeline_hashtag(
                tag, local=local, min_id=p.min_id, max_id=p.max_id, limit=p.limit
            ),
        )
    if mode == "search":
        query = str(config.get("query") or "").strip()
        return Stream(
            f"search:{query}",
            f"search for {query!r}",
            STATUS_KIND,
            lambda api, p: api.search_v2(
                query,
                resolve=False,
                result_type="statuses",
                min_id=p.min_id,
                offset=p.offset,
                limit=p.limit,
            ),
            key="statuses",
        )
    if mode == "mentions":
        types = types_option(config.get("notification_types", "mention"))
        return Stream(
            "notifications:" + ",".join(sorted(types)),
            "notifications (" + ", ".join(types) + ")",
            NOTIFICATION_KIND,
            lambda api, p: api.notifications(
                types=types, min_id=p.min_id, max_id=p.max_id, limit=p.limit
            ),
        )
    read = Mastodon.timeline_local if mode == "local" else Mastodon.timeline_public
    return Stream(
        mode,
        f"{mode} timeline",
        STATUS_KIND,
        lambda api, p: read(api, min_id=p.min_id, max_id=p.max_id, limit=p.limit),
    )
