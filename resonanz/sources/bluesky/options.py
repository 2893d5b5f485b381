"""The options of a Bluesky source, checked once at ``source add`` time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.config import Settings, parse_bool
from resonanz.errors import ConfigError
from resonanz.fetcher import validate_url
from resonanz.pipeline.normalise import parse_date
from resonanz.sources.options import check_known, int_option

__all__ = ["DEFAULT_URLS", "MODES", "check_options", "http_url", "stream_url"]

MODES = ("firehose", "jetstream", "search", "account")
STREAM_MODES = ("firehose", "jetstream")
DEFAULT_URLS = {
    "firehose": "wss://bsky.network",
    "jetstream": "wss://jetstream2.us-east.bsky.network",
    "search": "https://bsky.social",
    "account": "https://bsky.social",
}
_STREAM = frozenset({"mode", "url", "max_seconds", "max_events", "keep_unmatched"})
_PAGED = frozenset({"mode", "url", "max_pages", "keep_unmatched", "handle", "app_password"})
_ALLOWED = {
    "firehose": _STREAM,
    "jetstream": _STREAM,
    "search": _PAGED | {"query", "sort", "since", "lang"},
    "account": _PAGED | {"actor"},
}
_KEYS = tuple(sorted(frozenset().union(*_ALLOWED.values())))
_LIMITS = {"max_seconds": (1, 86_400), "max_events": (1, 10_000_000), "max_pages": (1, 1000)}
DEFAULTS: dict[str, Any] = {"max_seconds": 30, "max_events": 200_000, "max_pages": 10}


def http_url(url: str) -> str:
    """ws:// -> http://, wss:// -> https:// (the form the SSRF check reads)."""
    if url.startswith("wss://"):
        return "https://" + url[len("wss://") :]
    if url.startswith("ws://"):
        return "http://" + url[len("ws://") :]
    return url


def stream_url(url: str) -> str:
    """http:// -> ws://, https:// -> wss:// (the websocket form)."""
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


def _number(config: Mapping[str, Any], key: str) -> int:
    low, high = _LIMITS[key]
    return int_option("bluesky", config, key, DEFAULTS[key], low, high)


def _text(config: Mapping[str, Any], key: str, mode: str) -> str:
    value = config.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"a bluesky {mode} source needs the option {key}")
    return value.strip()


def check_options(config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The normalised config; ConfigError (or UnsafeURLError) naming what is wrong."""
    check_known("bluesky", config, _KEYS)
    mode = str(config.get("mode") or "firehose").strip().lower()
    if mode not in MODES:
        raise ConfigError(f"bluesky mode must be one of {', '.join(MODES)}, not {mode!r}")
    misplaced = sorted(set(config) - _ALLOWED[mode])
    if misplaced:
        raise ConfigError(f"bluesky {mode} mode does not take {', '.join(misplaced)}")
    url = str(config.get("url") or DEFAULT_URLS[mode]).strip().rstrip("/")
    result: dict[str, Any] = {"mode": mode}
    if mode in STREAM_MODES:
        result["url"] = stream_url(validate_url(http_url(url), settings).rstrip("/"))
        result["max_seconds"] = _number(config, "max_seconds")
        result["max_events"] = _number(config, "max_events")
    else:
        if url.startswith(("ws://", "wss://")):
            raise ConfigError(f"bluesky {mode} mode needs an https:// service URL, not {url!r}")
        result["url"] = validate_url(url, settings).rstrip("/")
        result["max_pages"] = _number(config, "max_pages")
        if mode == "search" or "app_password" in config:
            result["handle"] = _text(config, "handle", mode).removeprefix("@")
            result["app_password"] = _text(config, "app_password", mode)
    if mode == "search":
        result["query"] = _text(config, "query", mode)
        sort = str(config.get("sort") or "latest").strip().lower()
        if sort not in ("latest", "top"):
            raise ConfigError(f"bluesky search sort must be latest or top, not {sort!r}")
        result["sort"] = sort
        if config.get("since"):
            since = parse_date(config["since"])
            if since is None:
                raise ConfigError(f"bluesky option since is not a date: {config['since']!r}")
            result["since"] = since.isoformat().replace("+00:00", "Z")
        if config.get("lang"):
            result["lang"] = str(config["lang"]).strip().lower()
    if mode == "account":
        actor = config.get("actor") or config.get("handle")
        if not isinstance(actor, str) or not actor.strip():
            raise ConfigError("a bluesky account source needs the option actor (or handle)")
        result["actor"] = actor.strip().removeprefix("@")
    # The network-wide streams carry every post: keep only those matching a topic unless
    # the user asks for everything. Search and account sources are narrow already.
    default_keep = mode not in STREAM_MODES
    result["keep_unmatched"] = parse_bool(
        config.get("keep_unmatched", default_keep), "keep_unmatched"
    )
    return result
