"""The options of a Mastodon source, checked at `resonanz source add mastodon INSTANCE`.

resonanz source add mastodon https://mastodon.social -o hashtag=bahn
resonanz source add mastodon https://mastodon.social -o mode=local
resonanz source add mastodon https://mastodon.social -o query=bahn -o access_token=...
resonanz source add mastodon https://mastodon.social -o mode=mentions -o access_token=...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from resonanz.config import Settings, parse_bool
from resonanz.errors import ConfigError
from resonanz.fetcher import validate_url
from resonanz.sources.options import check_known, int_option, keep_unmatched_option

__all__ = [
    "MAX_PAGE",
    "MODES",
    "NOTIFICATION_TYPES",
    "STREAMING",
    "hashtag_option",
    "mode_option",
    "source_name",
    "streaming_option",
    "types_option",
    "validate_mastodon_config",
]

MODES = ("hashtag", "public", "local", "search", "mentions")
# Notification types that carry a status (follows and the like carry none).
NOTIFICATION_TYPES = ("mention", "status", "quote", "reblog", "favourite", "poll", "update")
MAX_PAGE = 40  # Mastodon's largest page for timelines, notifications and search
_KEYS = (
    "instance",
    "mode",
    "hashtag",
    "local_only",
    "query",
    "notification_types",
    "include_private",
    "access_token",
    "page_size",
    "backfill_pages",
    "max_pages",
    "streaming",
    "stream_seconds",
    "keep_unmatched",
)
STREAMING = ("auto", "on", "off")
_PER_MODE = ("hashtag", "local_only", "query", "notification_types", "include_private")


def mode_option(config: Mapping[str, Any]) -> str:
    """The listening mode: as given, else "hashtag" with a hashtag, "search" with a query."""
    mode = str(config.get("mode") or "").strip().lower()
    if not mode and config.get("hashtag"):
        mode = "hashtag"
    if not mode and config.get("query"):
        mode = "search"
    if not mode:
        raise ConfigError(
            "a mastodon source needs a mode: -o mode=hashtag -o hashtag=NAME, "
            "-o mode=public, -o mode=local, -o mode=search -o query=TEXT, "
            "or -o mode=mentions -o access_token=TOKEN"
        )
    if mode not in MODES:
        raise ConfigError(f"mastodon option mode: {mode!r} is not one of {', '.join(MODES)}")
    return mode


def hashtag_option(value: Any) -> str:
    """A hashtag without its "#"; ConfigError for anything that is not one word."""
    tag = str(value or "").strip().lstrip("#").strip()
    if not tag or any(ch.isspace() or ch in "/?#&" for ch in tag):
        raise ConfigError(
            f"mastodon option hashtag: {value!r} is not a hashtag (one word, e.g. 'bahn')"
        )
    return tag


def types_option(value: Any) -> list[str]:
    """Notification types (a list or "mention,quote") that carry a status."""
    items = value if isinstance(value, list) else str(value).split(",")
    types = [str(t).strip().lower() for t in items if str(t).strip()]
    wrong = [t for t in types if t not in NOTIFICATION_TYPES]
    if not types or wrong:
        raise ConfigError(
            f"mastodon option notification_types: {', '.join(wrong) or 'none given'} "
            f"not known; use some of {', '.join(NOTIFICATION_TYPES)}"
        )
    return types


def validate_mastodon_config(config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """Check instance URL (no private targets unless allowed), mode and options; return
    the normalised config."""
    check_known("mastodon", config, _KEYS)
    instance = config.get("instance")
    if not isinstance(instance, str) or not instance.strip():
        raise ConfigError(
            "a mastodon source needs an 'instance': the address of the Mastodon "
            "server, e.g. https://mastodon.social"
        )
    mode = mode_option(config)
    result: dict[str, Any] = {
        "instance": validate_url(instance, settings).rstrip("/"),
        "mode": mode,
    }
    if mode == "hashtag":
        result["hashtag"] = hashtag_option(config.get("hashtag"))
        if "local_only" in config:
            result["local_only"] = parse_bool(config["local_only"], "local_only")
    if mode == "search":
        query = str(config.get("query") or "").strip()
        if not query:
            raise ConfigError("a mastodon search needs a 'query' (-o query=...)")
        result["query"] = query
    if mode == "mentions":
        result["notification_types"] = types_option(config.get("notification_types", "mention"))
        if "include_private" in config:
            result["include_private"] = parse_bool(config["include_private"], "include_private")
    wrong = [k for k in _PER_MODE if k in config and k not in result]
    if wrong:
        raise ConfigError(f"mastodon option(s) {', '.join(wrong)} do not apply to mode {mode}")
    token = config.get("access_token")
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise ConfigError("mastodon option access_token: give the token text")
    if token:
        result["access_token"] = str(token).strip()
    elif mode == "mentions":
        raise ConfigError(
            "mastodon mode mentions reads the notifications of the account that owns "
            "an access token: add -o access_token=... (scope read:notifications)"
        )
    result["page_size"] = int_option("mastodon", config, "page_size", MAX_PAGE, 1, MAX_PAGE)
    result["backfill_pages"] = int_option("mastodon", config, "backfill_pages", 1, 0, 100)
    result["max_pages"] = int_option("mastodon", config, "max_pages", 25, 1, 10_000)
    result["streaming"] = streaming_option(config, mode)
    result["stream_seconds"] = int_option("mastodon", config, "stream_seconds", 30, 1, 3600)
    keep_unmatched_option(config, result)
    return result


def streaming_option(config: Mapping[str, Any], mode: str) -> str:
    """auto (stream where the instance allows it), on (stream or fail) or off (poll)."""
    streaming = str(config.get("streaming", "auto")).strip().lower()
    if streaming not in STREAMING:
        raise ConfigError(
            f"mastodon option streaming: {streaming!r} is not one of {', '.join(STREAMING)}"
        )
    if streaming == "on" and mode == "search":
        raise ConfigError(
            "mastodon option streaming=on: Mastodon has no stream for searches; "
            "use streaming=auto or off with mode=search"
        )
    return streaming


def source_name(config: Mapping[str, Any]) -> str:
    """E.g. "mastodon.social #bahn", "chaos.social local", "mastodon.social mentions"."""
    try:
        host = httpx.URL(str(config.get("instance", ""))).host or "mastodon"
    except httpx.InvalidURL:
        host = "mastodon"
    mode = str(config.get("mode") or "")
    if mode == "hashtag":
        return f"{host} #{config.get('hashtag', '')}"
    if mode == "search":
        return f"{host} search {config.get('query', '')}"
    return f"{host} {mode}".strip()
