"""YouTube comment threads and replies (Data API v3 resources) -> Mention.

A ``youtube#commentThread`` becomes its top-level comment (with the thread's reply count);
a ``youtube#comment`` is a reply whose ``parentId`` is the thread's top-level comment.
Shapes: https://developers.google.com/youtube/v3/docs/commentThreads and /docs/comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import html_to_text, parse_count, parse_date

__all__ = ["normalise_youtube"]


def _comment(item: RawItem) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(the comment resource, the thread snippet or {}) of a thread or a reply."""
    payload = item.payload
    kind = payload.get("kind")
    if kind == "youtube#commentThread":
        thread = payload.get("snippet") or {}
        top = thread.get("topLevelComment")
        if not isinstance(top, Mapping):
            raise ParseError("comment thread without its top-level comment", where=item.origin)
        return top, thread
    if kind == "youtube#comment":
        return payload, {}
    raise ParseError(f"not a YouTube comment or thread (kind {kind!r})", where=item.origin)


def normalise_youtube(item: RawItem) -> Mention:
    """A comment thread (its top-level comment) or a reply -> Mention (platform youtube)."""
    comment, thread = _comment(item)
    native_id = comment.get("id")
    if not isinstance(native_id, str) or not native_id:
        raise ParseError("comment without an id", where=item.origin)
    snippet = comment.get("snippet") or {}
    text = snippet.get("textOriginal")
    if not isinstance(text, str) or not text.strip():
        display = snippet.get("textDisplay")
        text = html_to_text(display) if isinstance(display, str) else ""
    video = snippet.get("videoId") or thread.get("videoId") or item.context.get("video_id")
    display_name = snippet.get("authorDisplayName")
    channel = (snippet.get("authorChannelId") or {}).get("value")
    author = None
    if display_name or channel:
        author = Author(
            platform="youtube",
            handle=str(display_name or channel).removeprefix("@"),
            name=str(display_name) if display_name else None,
            url=snippet.get("authorChannelUrl")
            or (f"https://www.youtube.com/channel/{channel}" if channel else None),
        )
    return Mention(
        platform="youtube",
        native_id=native_id,
        text=text.strip(),
        collected_at=item.fetched_at,
        url=f"https://www.youtube.com/watch?v={video}&lc={native_id}" if video else None,
        author=author,
        created_at=parse_date(snippet.get("publishedAt")),
        reply_to=snippet.get("parentId") or None,
        engagement=Engagement(
            likes=parse_count(snippet.get("likeCount")),
            replies=parse_count(thread.get("totalReplyCount")) if thread else None,
        ),
        raw=item.payload,
        raw_kind=item.kind,
    )
