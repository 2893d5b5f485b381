"""Facebook Pages and Instagram business accounts through the Graph API, with a page
access token: comments on the account's own recent posts, and posts that tag it.

``facebook`` (target: the page id) reads ``/{page-id}/feed`` (the newest ``posts`` posts,
each with its comment count and newest comments, ``filter=stream`` so replies come too)
and ``/{page-id}/tagged``. ``instagram`` (target: the IG user id) reads
``/{ig-user-id}/media`` (the newest ``media``, each with ``comments_count`` and its first
comments and their replies) and ``/{ig-user-id}/tags``.

Cursor: per watched post/media the comment count read completely (and for Facebook the
newest comment time); a post whose count did not change costs no further request. A
changed Facebook post is read newest first down to its mark; an Instagram media (whose
comment order Meta does not document) is read in full. Tagged posts are read newest first
down to the newest one stored. Marks move only when a read is complete, so an interrupted
run leaves no gap. Errors, usage headers and paging: see ``graph_client``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings, parse_bool
from resonanz.errors import ConfigError, SourceError
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem
from resonanz.pipeline.normalise import parse_date
from resonanz.sources import FetchedBatch
from resonanz.sources.graph_client import GraphReader, Page
from resonanz.sources.graph_normalise import normalise_facebook, normalise_instagram
from resonanz.sources.options import check_known, int_option
from resonanz.sources.platform_options import api_options, text_option
from resonanz.sources.retry import RetryPolicy

__all__ = ["FacebookPageSource", "InstagramSource", "register_normalisers", "register_sources"]

API_URL = "https://graph.facebook.com/v21.0"
_ID = re.compile(r"\d{5,25}")
FB_COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},like_count,comment_count,parent{id},permalink_url"
)
FB_POST_FIELDS = (
    "id,message,story,created_time,updated_time,permalink_url,from{id,name},shares,"
    "reactions.summary(total_count).limit(0),comments.summary(true).filter(stream)"
    f".order(reverse_chronological).limit(50){{{FB_COMMENT_FIELDS}}}"
)
FB_TAGGED_FIELDS = "id,message,created_time,from{id,name},permalink_url"
_IG_COMMENT = "id,text,timestamp,username,like_count,from{id,username},parent_id"
IG_COMMENT_FIELDS = f"{_IG_COMMENT},replies{{{_IG_COMMENT}}}"
IG_TAG_FIELDS = "id,caption,media_type,permalink,timestamp,username,like_count,comments_count"
IG_MEDIA_FIELDS = f"{IG_TAG_FIELDS},media_product_type,comments.limit(50){{{IG_COMMENT_FIELDS}}}"


class _GraphSource:
    """What both Graph sources share: options, the reader, the cursor, the run."""

    kind: ClassVar[str]
    target_key: ClassVar[str]
    count_key: ClassVar[str]  # how many recent posts / media to watch
    mentions_key: ClassVar[str]  # read the posts that tag the account

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.target = text_option(self.kind, config, self.target_key, "the account's numeric id")
        self._token = text_option(self.kind, config, "access_token", "a page access token")
        self.count = int(config.get(self.count_key, 25))
        self.mentions = parse_bool(config.get(self.mentions_key, True), self.mentions_key)
        self.api_url = str(config.get("api_url") or API_URL)
        self._settings = settings
        self._transport = transport
        self._policy = policy

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """The account id, the page access token, what to watch."""
        known = (cls.target_key, "access_token", cls.count_key, cls.mentions_key, "api_url")
        check_known(cls.kind, config, (*known, "keep_unmatched"))
        target = text_option(cls.kind, config, cls.target_key, "the account's numeric id")
        if not _ID.fullmatch(target):
            raise ConfigError(f"{cls.target_key} {target!r} is not a numeric Graph API id")
        result: dict[str, Any] = {
            cls.target_key: target,
            "access_token": text_option(cls.kind, config, "access_token", "a page access token"),
            cls.count_key: int_option(cls.kind, config, cls.count_key, 25, 1, 100),
            cls.mentions_key: parse_bool(config.get(cls.mentions_key, True), cls.mentions_key),
        }
        return api_options(config, result, API_URL, settings)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """``facebook-<page id>`` / ``instagram-<ig user id>``."""
        return f"{cls.kind}-{config.get(cls.target_key)}"

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """New comments on the watched posts, then new posts tagging the account."""
        state = _State(cursor)
        reader = GraphReader(
            self._settings,
            base_url=self.api_url,
            access_token=self._token,
            transport=self._transport,
            policy=self._policy,
        )
        try:
            yield from self._comments(reader, state)
            if self.mentions:
                yield from self._tagged(reader, state)
        except SourceError:
            yield FetchedBatch(items=(), cursor=state.cursor())
            raise
        finally:
            reader.close()

    def _comments(self, reader: GraphReader, state: _State) -> Iterator[FetchedBatch]:
        raise NotImplementedError

    def _tagged(self, reader: GraphReader, state: _State) -> Iterator[FetchedBatch]:
        edge = "tagged" if self.kind == "facebook" else "tags"
        fields = FB_TAGGED_FIELDS if self.kind == "facebook" else IG_TAG_FIELDS
        time_field = "created_time" if self.kind == "facebook" else "timestamp"
        pages = reader.newest_first(
            f"/{self.target}/{edge}",
            {"fields": fields, "limit": 25},
            mark=parse_date(state.tagged),
            time_field=time_field,
        )
        for posts, done, newest in pages:
            if done and newest is not None:
                state.tagged = newest.isoformat()
            items = [self._item(p, "tagged", p) for p in posts]
            yield FetchedBatch(items=tuple(items), cursor=state.cursor())

    def _item(self, payload: Mapping[str, Any], what: str, parent: Mapping[str, Any]) -> RawItem:
        context = {
            "object": what,
            "parent_id": parent.get("id"),
            "parent_url": parent.get("permalink_url") or parent.get("permalink"),
        }
        origin = f"{self.kind} {self.target} {what} {payload.get('id')}"
        return RawItem(self.kind, payload, datetime.now(UTC), origin, context)


def _without_comments(post: Mapping[str, Any]) -> dict[str, Any]:
    """The post as Meta sent it, minus the comments (each is an item of its own), but with
    their summary (the count)."""
    result = {k: v for k, v in post.items() if k != "comments"}
    summary = (post.get("comments") or {}).get("summary")
    if summary is not None:
        result["comments"] = {"summary": summary}
    return result


class FacebookPageSource(_GraphSource):
    """Comments on a Facebook Page's recent posts and posts tagging the Page."""

    kind: ClassVar[str] = "facebook"
    target_key: ClassVar[str] = "page_id"
    count_key: ClassVar[str] = "posts"
    mentions_key: ClassVar[str] = "tagged"

    def _comments(self, reader: GraphReader, state: _State) -> Iterator[FetchedBatch]:
        feed = Page(reader.get(f"/{self.target}/feed", fields=FB_POST_FIELDS, limit=self.count))
        state.keep_only(str(p.get("id")) for p in feed.items)
        for post in feed.items:
            pid = str(post.get("id"))
            comments = post.get("comments") or {}
            count = (comments.get("summary") or {}).get("total_count")
            before = state.watched.get(pid)
            if before is not None and before.get("count") == count:
                continue
            items = [self._item(_without_comments(post), "post", post)]
            params = {
                "fields": FB_COMMENT_FIELDS,
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": 100,
            }
            pages = reader.newest_first(
                f"/{pid}/comments",
                params,
                mark=parse_date((before or {}).get("newest")),
                time_field="created_time",
                first=Page(comments),
            )
            for page, done, newest in pages:
                items.extend(self._item(c, "comment", post) for c in page)
                if done:
                    state.watched[pid] = {"count": count, "newest": _iso(newest)}
                yield FetchedBatch(items=tuple(items), cursor=state.cursor())
                items = []


class InstagramSource(_GraphSource):
    """Comments on an Instagram business account's recent media and media tagging it."""

    kind: ClassVar[str] = "instagram"
    target_key: ClassVar[str] = "ig_user_id"
    count_key: ClassVar[str] = "media"
    mentions_key: ClassVar[str] = "tags"

    def _comments(self, reader: GraphReader, state: _State) -> Iterator[FetchedBatch]:
        media = Page(reader.get(f"/{self.target}/media", fields=IG_MEDIA_FIELDS, limit=self.count))
        state.keep_only(str(m.get("id")) for m in media.items)
        for medium in media.items:
            mid = str(medium.get("id"))
            count = medium.get("comments_count")
            if (state.watched.get(mid) or {}).get("count") == count and mid in state.watched:
                continue
            items = [self._item(_without_comments(medium), "media", medium)]
            pages = reader.every_page(
                f"/{mid}/comments",
                {"fields": IG_COMMENT_FIELDS, "limit": 50},
                first=Page(medium.get("comments") or {}),
            )
            for page in pages:
                for comment in page:
                    items.append(self._item(comment, "comment", medium))
                    replies = Page(comment.get("replies") or {}).items
                    items.extend(self._item(r, "comment", medium) for r in replies)
                yield FetchedBatch(items=tuple(items), cursor=state.cursor())
                items = []
            state.watched[mid] = {"count": count}
            yield FetchedBatch(items=(), cursor=state.cursor())


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


class _State:
    """The cursor: per watched post/media what was read, and the newest tagged post."""

    def __init__(self, cursor: Mapping[str, Any]) -> None:
        watched = cursor.get("watched")
        self.watched: dict[str, dict[str, Any]] = (
            {str(k): dict(v) for k, v in watched.items() if isinstance(v, Mapping)}
            if isinstance(watched, Mapping)
            else {}
        )
        self.tagged: str | None = cursor.get("tagged") or None

    def keep_only(self, ids: Iterator[str] | Any) -> None:
        """Forget posts that left the watched window (keeps the cursor small)."""
        wanted = set(ids)
        self.watched = {k: v for k, v in self.watched.items() if k in wanted}

    def cursor(self) -> dict[str, Any]:
        result: dict[str, Any] = {"watched": {k: dict(v) for k, v in self.watched.items()}}
        if self.tagged:
            result["tagged"] = self.tagged
        return result


@hookimpl
def register_sources() -> list[Any]:
    """Register the Facebook Page and Instagram account sources."""
    return [FacebookPageSource, InstagramSource]


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the Facebook and Instagram normalisers."""
    return {"facebook": normalise_facebook, "instagram": normalise_instagram}
