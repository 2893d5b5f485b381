"""Hacker News search hits (Algolia HN Search API) -> Mention.

A hit is a story or a comment as ``search_by_date`` returns it: ``objectID``, ``author``,
``created_at``/``created_at_i``, ``_tags``; stories carry ``title``, ``url``,
``story_text`` (Ask HN), ``points``, ``num_comments``; comments carry ``comment_text``,
``parent_id`` and ``story_id`` (shape: https://hn.algolia.com/api and the HN Search
OpenAPI description refined on real responses of 2024-02-21).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import html_to_text, parse_count, parse_date

__all__ = ["HN_ITEM_URL", "HN_USER_URL", "hit_kind", "normalise_hackernews"]

HN_ITEM_URL = "https://news.ycombinator.com/item?id={}"
HN_USER_URL = "https://news.ycombinator.com/user?id={}"


def hit_kind(hit: Mapping[str, Any]) -> str:
    """ "story", "comment", "poll", ... from the hit's ``_tags`` (its first tag)."""
    tags = hit.get("_tags")
    if isinstance(tags, list):
        for tag in tags:
            if tag in ("story", "comment", "poll", "pollopt", "job"):
                return str(tag)
    return "comment" if hit.get("comment_text") else "story"


def _native_id(value: Any) -> str | None:
    text = str(value).strip() if isinstance(value, str | int) else ""
    return text if text.isdigit() else None


def _html(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return html_to_text(value) or None


def normalise_hackernews(item: RawItem) -> Mention:
    """A story or comment hit -> Mention (platform "hackernews")."""
    hit = item.payload
    native_id = _native_id(hit.get("objectID"))
    if native_id is None:
        raise ParseError(
            f"hit has no numeric objectID ({hit.get('objectID')!r})", where=item.origin
        )
    kind = hit_kind(hit)
    raw_title = hit.get("title")
    title = (raw_title.strip() or None) if isinstance(raw_title, str) else None
    if kind == "comment":
        text = _html(hit.get("comment_text"))
        title = None
    else:
        text = _html(hit.get("story_text")) or title
    if not text:
        raise ParseError(f"{kind} {native_id} has no text", where=item.origin)
    handle = hit.get("author")
    author = None
    if isinstance(handle, str) and handle.strip():
        author = Author("hackernews", handle.strip(), url=HN_USER_URL.format(handle.strip()))
    parent = _native_id(hit.get("parent_id")) if kind == "comment" else None
    return Mention(
        platform="hackernews",
        native_id=native_id,
        text=text,
        collected_at=item.fetched_at,
        url=HN_ITEM_URL.format(native_id),
        title=title,
        author=author,
        created_at=parse_date(hit.get("created_at_i")) or parse_date(hit.get("created_at")),
        reply_to=parent,
        engagement=Engagement(
            likes=parse_count(hit.get("points")),
            replies=parse_count(hit.get("num_comments")),
        ),
        raw=hit,
        raw_kind=item.kind,
    )
