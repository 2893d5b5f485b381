"""What a Mastodon source listens to, as a stream: its name in the cursor, a label for
messages, the Mastodon.py call that reads one page of it, and where the instance streams it
(Server-Sent Events under ``/api/v1/streaming/``, paths as documented at
docs.joinmastodon.org/methods/streaming/)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mastodon import Mastodon

from resonanz.config import parse_bool
from resonanz.sources.mastodon_config import hashtag_option, mode_option, types_option
from resonanz.sources.mastodon_normalise import NOTIFICATION_KIND, STATUS_KIND

__all__ = ["Page", "Stream", "id_order", "is_newer", "stream_for"]


def id_order(native_id: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: numeric strings (Mastodon) and fixed-width flake ids
    (Pleroma, Akkoma) both order by length, then text."""
    return (len(native_id), native_id)


def is_newer(a: str, b: str | None) -> bool:
    """True when id ``a`` is newer than ``b`` (or there is no ``b``)."""
    return b is None or id_order(a) > id_order(b)


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
    sse_path: str | None = None  # its streaming endpoint; None where there is none (search)
    sse_params: Mapping[str, str] = field(default_factory=dict)
    types: tuple[str, ...] = ()  # the notification types wanted (mentions only)

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
            sse_path="/api/v1/streaming/hashtag" + ("/local" if local else ""),
            sse_params={"tag": tag},
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
            sse_path="/api/v1/streaming/user/notification",
            types=tuple(types),
        )
    read = Mastodon.timeline_local if mode == "local" else Mastodon.timeline_public
    return Stream(
        mode,
        f"{mode} timeline",
        STATUS_KIND,
        lambda api, p: read(api, min_id=p.min_id, max_id=p.max_id, limit=p.limit),
        sse_path="/api/v1/streaming/public" + ("/local" if mode == "local" else ""),
    )
