"""X posts (API v2 post objects with their expanded author) -> Mention.

The payload is shaped like a single-post lookup: ``{"data": post, "includes": {"users":
[author]}}`` (https://docs.x.com/x-api/fundamentals/data-dictionary). Long posts carry
their full text in ``note_tweet.text``. ``lang`` ``und`` (undetermined), ``zxx`` (no
linguistic content) and X's ``q…`` codes (hashtags, media only, ...) mean no language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import parse_count, parse_date

__all__ = ["normalise_x"]

_REFERENCE_FIELDS = {"replied_to": "reply_to", "retweeted": "repost_of", "quoted": "quote_of"}


def _language(value: Any) -> str | None:
    if not isinstance(value, str) or not value or value in ("und", "zxx"):
        return None
    if len(value) == 3 and value.startswith("q"):
        return None
    return value.lower()


def _author(post: Mapping[str, Any], includes: Mapping[str, Any]) -> Author | None:
    for user in includes.get("users") or []:
        if isinstance(user, Mapping) and user.get("id") == post.get("author_id"):
            username = user.get("username")
            if not isinstance(username, str) or not username:
                return None
            metrics = user.get("public_metrics") or {}
            return Author(
                platform="twitter",
                handle=username,
                name=user.get("name"),
                followers=parse_count(metrics.get("followers_count")),
                url=f"https://x.com/{username}",
            )
    return None


def normalise_x(item: RawItem) -> Mention:
    """An X post -> Mention (platform twitter)."""
    post = item.payload.get("data")
    if not isinstance(post, Mapping) or not isinstance(post.get("id"), str):
        raise ParseError("not an X post (no data.id)", where=item.origin)
    native_id = post["id"]
    includes = item.payload.get("includes") or {}
    author = _author(post, includes)
    note = post.get("note_tweet") or {}
    text = note.get("text") if isinstance(note.get("text"), str) else post.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ParseError("post without text", where=item.origin)
    links: dict[str, str] = {}
    for ref in post.get("referenced_tweets") or []:
        field = _REFERENCE_FIELDS.get(str(ref.get("type"))) if isinstance(ref, Mapping) else None
        if field and isinstance(ref.get("id"), str):
            links[field] = ref["id"]
    metrics = post.get("public_metrics") or {}
    who = author.handle if author else "i"
    return Mention(
        platform="twitter",
        native_id=native_id,
        text=text.strip(),
        collected_at=item.fetched_at,
        url=f"https://x.com/{who}/status/{native_id}",
        author=author,
        created_at=parse_date(post.get("created_at")),
        lang=_language(post.get("lang")),
        engagement=Engagement(
            likes=parse_count(metrics.get("like_count")),
            reposts=parse_count(metrics.get("retweet_count")),
            replies=parse_count(metrics.get("reply_count")),
            quotes=parse_count(metrics.get("quote_count")),
            views=parse_count(metrics.get("impression_count")),
        ),
        raw=item.payload,
        raw_kind=item.kind,
        reply_to=links.get("reply_to"),
        repost_of=links.get("repost_of"),
        quote_of=links.get("quote_of"),
    )
