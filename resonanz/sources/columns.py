"""Column mapping for file imports: which file column fills which mention field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from resonanz.errors import ConfigError

__all__ = [
    "DEFAULT_COLUMNS",
    "MENTION_FIELDS",
    "check_fields",
    "column_key",
    "lookup",
    "resolve_mapping",
]

MENTION_FIELDS: tuple[str, ...] = (
    "text",
    "id",
    "url",
    "author",
    "author_name",
    "author_followers",
    "created_at",
    "lang",
    "title",
    "platform",
    "reply_to",
    "repost_of",
    "quote_of",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "views",
)

# Column names recognised without a mapping, best first, compared by ``column_key`` (lower
# case, runs of other characters as "_"), so "Tweet Id", "tweet-id" and nested JSON
# "user.screen_name" (flattened) all match.
DEFAULT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "text": ("text", "full_text", "tweet", "tweet_text", "content", "body", "message", "post"),
    "id": ("id_str", "id", "tweet_id", "native_id", "post_id", "status_id", "message_id", "guid"),
    "url": ("url", "link", "permalink", "tweet_url", "post_url", "uri"),
    "author": (
        "author",
        "author_handle",
        "user_screen_name",
        "screen_name",
        "handle",
        "username",
        "user_name",
        "user",
        "account_acct",
    ),
    "author_name": ("author_name", "user_display_name", "display_name", "name"),
    "author_followers": (
        "author_followers",
        "followers",
        "followers_count",
        "user_followers_count",
    ),
    "created_at": (
        "created_at",
        "date",
        "datetime",
        "timestamp",
        "time",
        "published",
        "published_at",
        "posted_at",
        "created",
        "created_utc",
    ),
    "lang": ("lang", "language"),
    "title": ("title", "headline", "subject"),
    "platform": ("platform", "network"),
    "reply_to": ("reply_to", "in_reply_to", "in_reply_to_status_id_str", "in_reply_to_status_id"),
    "repost_of": ("repost_of", "retweet_of", "retweeted_status_id", "reblog_of"),
    "quote_of": ("quote_of", "quoted_status_id_str", "quoted_status_id"),
    "likes": ("likes", "like_count", "favorite_count", "favourites_count", "favorites"),
    "reposts": ("reposts", "retweets", "retweet_count", "shares", "share_count", "reblogs_count"),
    "replies": ("replies", "reply_count", "replies_count", "comments", "comment_count"),
    "quotes": ("quotes", "quote_count"),
    "views": ("views", "view_count", "impressions", "impression_count"),
}


def lookup(row: Mapping[str, Any], column: str | None) -> Any:
    """A row's value for ``column``: the key itself, else a dotted path into nested objects."""
    if not column:
        return None
    if column in row:
        return row[column]
    value: Any = row
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def column_key(name: str) -> str:
    """The comparison form of a column name: "Tweet Id" -> "tweet_id"."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def check_fields(mapping: Mapping[str, Any]) -> dict[str, str]:
    """Validate a user mapping {mention field: column}; unknown fields are a ConfigError."""
    result: dict[str, str] = {}
    for field_name, column in mapping.items():
        if field_name not in MENTION_FIELDS:
            raise ConfigError(
                f"mapping names an unknown mention field {field_name!r}; "
                f"known fields: {', '.join(MENTION_FIELDS)}"
            )
        if not isinstance(column, str) or not column.strip():
            raise ConfigError(f"mapping {field_name}= needs a column name")
        result[field_name] = column.strip()
    return result


def _listing(columns: Iterable[str]) -> str:
    names = list(columns)
    shown = ", ".join(repr(c) for c in names[:40])
    return shown + (f" and {len(names) - 40} more" if len(names) > 40 else "") or "(none)"


def resolve_mapping(
    columns: Iterable[str], mapping: Mapping[str, str], *, where: str
) -> dict[str, str]:
    """Complete a user mapping with recognised column names; check every named column exists.

    A column fills at most one field on its own (an explicit mapping may reuse one).
    Returns {mention field: column} for every field that has a column. Raises ConfigError
    when a mapped column is missing or no text column can be found.
    """
    available = list(dict.fromkeys(columns))
    by_key: dict[str, str] = {}
    for column in available:
        by_key.setdefault(column_key(column), column)
    resolved: dict[str, str] = {}
    for field_name, column in mapping.items():
        if column in available:
            resolved[field_name] = column
        elif column_key(column) in by_key:
            resolved[field_name] = by_key[column_key(column)]
        else:
            raise ConfigError(
                f"{where}: mapping {field_name}={column!r} names a column the file does not "
                f"have; available columns: {_listing(available)}"
            )
    for field_name, aliases in DEFAULT_COLUMNS.items():
        if field_name in resolved:
            continue
        used = set(resolved.values())
        found = next((by_key[a] for a in aliases if a in by_key and by_key[a] not in used), None)
        if found is not None:
            resolved[field_name] = found
    if "text" not in resolved:
        raise ConfigError(
            f"{where}: no text column found (tried {', '.join(DEFAULT_COLUMNS['text'])}); "
            f"map one with text=COLUMN; available columns: {_listing(available)}"
        )
    return resolved
