"""Discourse posts (``/posts.json`` ``latest_posts``) -> Mention.

Post fields as Discourse's own API schema lists them
(discourse/discourse ``spec/requests/api/schemas/json/latest_posts_response.json``):
``id``, ``username``, ``name``, ``created_at``, ``cooked`` (HTML), ``post_number``,
``reply_to_post_number``, ``topic_id``, ``topic_slug``, ``topic_title``, ``category_id``,
``reply_count``, ``quote_count``, ``reads``, ``actions_summary`` (id 2: likes).

The native id is ``<forum>/t/<topic_id>/<post_number>`` (forum: host and path, no
scheme): post ids are only unique inside one forum, and a reply names the post it answers
by its number in the topic, so ``reply_to`` can be the same kind of id. A reply to the
topic itself (no ``reply_to_post_number``) points at the topic's first post.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import html_to_text, parse_count, parse_date

__all__ = ["forum_key", "normalise_discourse", "post_native_id"]

_LIKE = 2  # PostActionType id of "like"


def forum_key(forum_url: str) -> str:
    """The forum's host and path without scheme or trailing slash ("forum.example.org")."""
    parts = urlsplit(forum_url)
    return f"{parts.netloc.rpartition('@')[2]}{parts.path}".rstrip("/").lower()


def post_native_id(forum_url: str, topic_id: int, post_number: int) -> str:
    """The native id of post ``post_number`` of topic ``topic_id`` on a forum."""
    return f"{forum_key(forum_url)}/t/{topic_id}/{post_number}"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _likes(post: Mapping[str, Any]) -> int | None:
    count = parse_count(post.get("like_count"))
    if count is not None:
        return count
    summary = post.get("actions_summary")
    if isinstance(summary, list):
        for action in summary:
            if isinstance(action, Mapping) and action.get("id") == _LIKE:
                return parse_count(action.get("count")) or 0
        return 0  # listed actions without a like entry: nobody liked it
    return None


def normalise_discourse(item: RawItem) -> Mention:
    """A post of ``/posts.json`` -> Mention (platform "discourse")."""
    post, forum = item.payload, str(item.context.get("forum_url") or "").rstrip("/")
    if not forum:
        raise ParseError("the item does not say which forum it is from", where=item.origin)
    topic_id, number = _int(post.get("topic_id")), _int(post.get("post_number"))
    if topic_id is None or number is None:
        raise ParseError("post has no topic_id or post_number", where=item.origin)
    cooked = _text(post.get("cooked"))
    text = (html_to_text(cooked) if cooked else None) or _text(post.get("raw"))
    if not text:
        raise ParseError(f"post {post.get('id')} has no text", where=item.origin)
    reply_number = _int(post.get("reply_to_post_number"))
    if reply_number is None and number > 1:
        reply_number = 1
    username = _text(post.get("username"))
    author = None
    if username:
        author = Author(
            "discourse",
            username,
            name=_text(post.get("name")) or _text(post.get("display_username")),
            url=f"{forum}/u/{username}",
        )
    slug = _text(post.get("topic_slug")) or "-"
    locale = _text(post.get("locale"))
    return Mention(
        platform="discourse",
        native_id=post_native_id(forum, topic_id, number),
        text=text,
        collected_at=item.fetched_at,
        url=f"{forum}/t/{slug}/{topic_id}/{number}",
        title=_text(post.get("topic_title")) if number == 1 else None,
        author=author,
        created_at=parse_date(post.get("created_at")),
        lang=locale.split("_")[0].split("-")[0].lower() if locale else None,
        reply_to=post_native_id(forum, topic_id, reply_number) if reply_number else None,
        engagement=Engagement(
            likes=_likes(post),
            replies=parse_count(post.get("reply_count")),
            quotes=parse_count(post.get("quote_count")),
            views=parse_count(post.get("reads")),
        ),
        raw=post,
        raw_kind=item.kind,
    )
