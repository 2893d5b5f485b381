"""RSS and Atom feeds: conditional GET through the safe fetcher, parsed by feedparser."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import feedparser
import httpx

from resonanz.config import Settings, parse_bool
from resonanz.errors import ConfigError, ParseError
from resonanz.fetcher import FetchResult, SafeFetcher, validate_url
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch

__all__ = ["RssSource", "register_sources"]

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_CONFIG_KEYS = ("url", "keep_unmatched")


def _jsonable(value: Any) -> Any:
    """Turn feedparser's structures into plain JSON: dicts, lists, strings, numbers."""
    if isinstance(value, time.struct_time):
        try:
            return datetime(*value[:6], tzinfo=UTC).isoformat()
        except (ValueError, OverflowError):
            return None
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class RssSource:
    """An RSS or Atom feed, fetched with ETag / Last-Modified so unchanged feeds cost little."""

    kind: ClassVar[str] = "rss"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        fetcher: SafeFetcher | None = None,
    ) -> None:
        url = config.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ConfigError("an rss source needs a 'url'")
        self.url = url.strip()
        self._settings = settings
        self._fetcher = fetcher

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check the feed URL (scheme, private targets) and return the normalised config."""
        unknown = sorted(set(config) - set(_CONFIG_KEYS))
        if unknown:
            raise ConfigError(
                f"unknown rss option(s) {', '.join(unknown)}; known: {', '.join(_CONFIG_KEYS)}"
            )
        url = config.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ConfigError("an rss source needs a 'url' (the feed address)")
        result: dict[str, Any] = {"url": validate_url(url, settings)}
        if "keep_unmatched" in config:
            result["keep_unmatched"] = parse_bool(config["keep_unmatched"], "keep_unmatched")
        return result

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """The feed's host without "www." (e.g. "spiegel.de")."""
        try:
            host = httpx.URL(str(config.get("url", ""))).host
        except httpx.InvalidURL:
            host = ""
        return host.removeprefix("www.") or "feed"

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Fetch the feed once; one batch per ``batch_size`` entries, the new cursor last."""
        headers = {"Accept": _ACCEPT}
        if cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = str(cursor["last_modified"])
        if self._fetcher is not None:
            result = self._fetcher.get(self.url, headers)
        else:
            with SafeFetcher(self._settings) as fetcher:
                result = fetcher.get(self.url, headers)
        if result.status == 304:
            yield FetchedBatch(items=(), cursor=dict(cursor))
            return
        yield from self._batches(result, dict(cursor), datetime.now(UTC))

    def _batches(
        self, result: FetchResult, old_cursor: dict[str, Any], fetched_at: datetime
    ) -> Iterator[FetchedBatch]:
        parsed = self._parse(result)
        feed = parsed.get("feed", {})
        context = {
            "feed_url": self.url,
            "feed_title": feed.get("title"),
            "feed_link": feed.get("link"),
            "feed_language": feed.get("language"),
        }
        items: list[RawItem] = []
        skipped: list[Skipped] = []
        if parsed.get("bozo"):
            skipped.append(
                Skipped(
                    where=self.url,
                    reason=f"the feed is not well-formed ({parsed.get('bozo_exception')}); "
                    f"read {len(parsed.entries)} entries anyway",
                )
            )
        for number, entry in enumerate(parsed.entries, start=1):
            origin = f"feed {self.url} entry {number}"
            if not (entry.get("id") or entry.get("link")):
                title = entry.get("title")
                named = f" ({title!r})" if title else ""
                skipped.append(
                    Skipped(where=origin, reason=f"entry{named} has neither id nor link")
                )
                continue
            items.append(
                RawItem(
                    kind=self.kind,
                    payload=_jsonable(entry),
                    fetched_at=fetched_at,
                    origin=origin,
                    context=context,
                )
            )
        new_cursor = {
            key: value
            for key, value in {
                "etag": result.headers.get("etag"),
                "last_modified": result.headers.get("last-modified"),
                "last_status": result.status,
                "url": result.url,
            }.items()
            if value is not None
        }
        size = max(1, self._settings.batch_size)
        chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            # Only the last batch moves the cursor: an ETag saved early would hide the
            # remaining entries if the run stopped between batches.
            yield FetchedBatch(
                items=tuple(chunk),
                cursor=new_cursor if last else old_cursor,
                skipped=tuple(skipped) if index == 0 else (),
            )

    def _parse(self, result: FetchResult) -> Any:
        content_type = result.headers.get("content-type", "")
        if not result.content.strip():
            raise ParseError("the server sent an empty response, not a feed", where=self.url)
        parsed = feedparser.parse(
            io.BytesIO(result.content),
            response_headers={"content-type": content_type, "content-location": result.url},
        )
        if parsed.entries or parsed.get("version"):
            if parsed.get("bozo") and not parsed.entries:
                raise ParseError(
                    f"malformed feed, no entry could be read: {parsed.get('bozo_exception')}",
                    where=self.url,
                )
            return parsed
        if "html" in content_type.lower() or result.content.lstrip()[:15].lower().startswith(
            (b"<!doctype html", b"<html")
        ):
            reason = "this is a web page (HTML), not an RSS or Atom feed"
        else:
            problem = parsed.get("bozo_exception")
            reason = "not an RSS or Atom feed" + (f" ({problem})" if problem else "")
        raise ParseError(reason, where=self.url)


@hookimpl
def register_sources() -> list[Any]:
    """Register the RSS/Atom source."""
    return [RssSource]
