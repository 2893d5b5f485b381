"""Reddit listing children (``{"kind": "t3"|"t1", "data": {...}}``) -> Mention.

Field names as Reddit's API returns them with ``raw_json=1`` (markdown unescaped); see the
recorded responses in ``tests/payloads/reddit/``. Everything not mapped here (subreddit,
link_id, upvote_ratio, over_18, flair, ...) stays in ``Mention.raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, Mention, RawItem

__all__ = ["REDDIT", "normalise_reddit"]

REDDIT = "https://www.reddit.com"
_GONE = frozenset({"[deleted]", "[removed]"})


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return (value.strip() or None) if isinstance(value, str) else None


def _count(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _created(data: Mapping[str, Any]) -> datetime | None:
    value = data.get("created_utc")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


def _author(data: Mapping[str, Any]) -> Author | None:
    name = _str(data, "author")
    if name is None or name in _GONE:
        return None
    return Author("reddit", name, name=name, url=f"{REDDIT}/user/{name}")


def _submission_text(data: Mapping[str, Any]) -> str:
    """The self text; for a link post the linked URL; the title when neither is there."""
    selftext = _str(data, "selftext")
    if selftext and selftext not in _GONE:
        return selftext
    if not data.get("is_self"):
        link = _str(data, "url_overridden_by_dest") or _str(data, "url")
        if link:
            return link
    return _str(data, "title") or ""


def normalise_reddit(item: RawItem) -> Mention:
    """A submission (t3) or comment (t1) -> Mention (platform "reddit", native id the
    fullname, reply_to the parent's fullname, repost_of the crosspost parent)."""
    payload = item.payload
    kind = payload.get("kind")
    data = payload.get("data")
    if kind not in ("t1", "t3") or not isinstance(data, Mapping):
        raise ParseError(f"not a reddit submission or comment (kind {kind!r})", where=item.origin)
    native_id = _str(data, "name") or (f"{kind}_{data['id']}" if _str(data, "id") else None)
    if native_id is None:
        raise ParseError("reddit item without name or id", where=item.origin)
    permalink = _str(data, "permalink")
    if kind == "t1":
        body = _str(data, "body")
        if body is None or body in _GONE:
            raise ParseError(f"comment {native_id} was deleted or removed", where=item.origin)
        title, text, reply_to, repost_of = None, body, _str(data, "parent_id"), None
        engagement = Engagement(likes=_count(data, "score"))
    else:
        title, text = _str(data, "title"), _submission_text(data)
        reply_to, repost_of = None, _str(data, "crosspost_parent")
        engagement = Engagement(
            likes=_count(data, "score"),
            replies=_count(data, "num_comments"),
            reposts=_count(data, "num_crossposts"),
            views=_count(data, "view_count"),
        )
    return Mention(
        platform="reddit",
        native_id=native_id,
        text=text,
        collected_at=item.fetched_at,
        url=f"{REDDIT}{permalink}" if permalink and permalink.startswith("/") else permalink,
        title=title,
        author=_author(data),
        created_at=_created(data),
        reply_to=reply_to,
        repost_of=repost_of,
        engagement=engagement,
        raw=payload,
        raw_kind=item.kind,
    )
