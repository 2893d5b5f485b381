"""Graph API objects -> Mention: Facebook Page posts and comments, Instagram media and
comments.

The item's context says what the payload is (``object``: post, comment, media, tagged)
and on what it was made (``parent_id``, ``parent_url``). A comment's ``reply_to`` is its
parent comment, else the post or media it is on. Shapes:
https://developers.facebook.com/docs/graph-api/reference/post,
.../reference/comment, .../instagram-platform/instagram-graph-api/reference/ig-media and
.../ig-comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import parse_count, parse_date

__all__ = ["normalise_facebook", "normalise_instagram"]


def _id(item: RawItem) -> str:
    value = item.payload.get("id")
    if not isinstance(value, str) or not value:
        raise ParseError("Graph object without an id", where=item.origin)
    return value


def _summary(payload: Mapping[str, Any], edge: str) -> int | None:
    return parse_count(((payload.get(edge) or {}).get("summary") or {}).get("total_count"))


def normalise_facebook(item: RawItem) -> Mention:
    """A Page post, a post tagging the Page, or a comment -> Mention (platform facebook)."""
    payload, context = item.payload, item.context
    native_id = _id(item)
    who = payload.get("from") or {}
    author = None
    if isinstance(who, Mapping) and (who.get("name") or who.get("id")):
        author = Author(
            platform="facebook",
            handle=str(who.get("name") or who.get("id")),
            name=who.get("name"),
            url=f"https://www.facebook.com/{who['id']}" if who.get("id") else None,
        )
    comment = context.get("object") == "comment"
    parent = payload.get("parent") or {}
    return Mention(
        platform="facebook",
        native_id=native_id,
        text=str(payload.get("message") or payload.get("story") or ""),
        collected_at=item.fetched_at,
        url=payload.get("permalink_url"),
        author=author,
        created_at=parse_date(payload.get("created_time")),
        reply_to=(parent.get("id") or context.get("parent_id")) if comment else None,
        engagement=Engagement(
            likes=parse_count(payload.get("like_count"))
            if comment
            else _summary(payload, "reactions"),
            reposts=None if comment else parse_count((payload.get("shares") or {}).get("count")),
            replies=parse_count(payload.get("comment_count"))
            if comment
            else _summary(payload, "comments"),
        ),
        raw=payload,
        raw_kind=item.kind,
    )


def normalise_instagram(item: RawItem) -> Mention:
    """A media object (own or tagging the account) or a comment -> Mention (instagram)."""
    payload, context = item.payload, item.context
    native_id = _id(item)
    comment = context.get("object") == "comment"
    who = payload.get("from") or {}
    username = payload.get("username") or (
        who.get("username") if isinstance(who, Mapping) else None
    )
    author = (
        Author(platform="instagram", handle=username, url=f"https://www.instagram.com/{username}/")
        if isinstance(username, str) and username
        else None
    )
    text = payload.get("text") if comment else payload.get("caption")
    return Mention(
        platform="instagram",
        native_id=native_id,
        text=str(text or ""),
        collected_at=item.fetched_at,
        # Comments have no permalink of their own: the media's.
        url=context.get("parent_url") if comment else payload.get("permalink"),
        author=author,
        created_at=parse_date(payload.get("timestamp")),
        reply_to=(payload.get("parent_id") or context.get("parent_id")) if comment else None,
        engagement=Engagement(
            likes=parse_count(payload.get("like_count")),
            replies=None if comment else parse_count(payload.get("comments_count")),
        ),
        raw=payload,
        raw_kind=item.kind,
    )
