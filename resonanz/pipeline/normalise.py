"""Pure functions RawItem -> Mention, one per raw kind ("rss", "jsonl", "csv", "germeval").

Decisions: RSS/Atom items get platform "news"; a file row's platform is its platform
column, else the source's default, else the URL's host (``platform_from_url``), else
"file". A row without an id gets ``row:`` + the first 32 hex digits of the SHA-256 of its
canonical JSON (sorted keys), so re-importing the same row gives the same id.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from resonanz.errors import ConfigError, ParseError
from resonanz.hookspecs import hookimpl
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.sources.columns import lookup, resolve_mapping

__all__ = [
    "html_to_text",
    "normalise_germeval",
    "normalise_item",
    "normalise_row",
    "normalise_rss",
    "parse_count",
    "parse_date",
    "platform_from_url",
    "register_normalisers",
]

_PLATFORM_HOSTS = {
    "twitter.com": "twitter",
    "x.com": "twitter",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "plus.google.com": "googleplus",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "instagram.com": "instagram",
    "reddit.com": "reddit",
    "linkedin.com": "linkedin",
    "tiktok.com": "tiktok",
    "bsky.app": "bluesky",
    "threads.net": "threads",
    "news.ycombinator.com": "hackernews",
    "t.me": "telegram",
}
_TWITTER_STATUS = re.compile(r"^/(?:#!/)?([A-Za-z0-9_]{1,30})/status(?:es)?/(\d+)")
_TWITTER_EPOCH_MS = 1288834974657
_BLOCK_TAG = re.compile(
    r"address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|h[1-6]"
    r"|header|hr|li|main|nav|ol|p|pre|section|table|td|th|tr|ul"
)
_DATE_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")
_UNIX_TIME = re.compile(r"-?\d{9,}(\.\d+)?")
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")
_COUNT_SUFFIX = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


def platform_from_url(url: str | None) -> str:
    """The platform a URL belongs to ("twitter", "facebook", ...), "web" for other sites."""
    try:
        host = (urlsplit((url or "").strip()).hostname or "").rstrip(".")
    except ValueError:
        return "web"
    while host:
        if host in _PLATFORM_HOSTS:
            return _PLATFORM_HOSTS[host]
        _, dot, host = host.partition(".")
        if not dot:
            break
    return "web"


def _twitter_status(url: str | None) -> tuple[str, str] | None:
    if not url or platform_from_url(url) != "twitter":
        return None
    match = _TWITTER_STATUS.match(urlsplit(url).path)
    return (match.group(1), match.group(2)) if match else None


def _snowflake_time(native_id: str) -> datetime | None:
    """When a Twitter/X post was created, from its snowflake id (None for older ids)."""
    # Ids below this are sequential pre-2010 ids, not snowflakes.
    if not native_id.isdigit() or int(native_id) < 30_000_000_000:
        return None
    return datetime.fromtimestamp(((int(native_id) >> 22) + _TWITTER_EPOCH_MS) / 1000, UTC)


def _from_number(value: float) -> datetime | None:
    seconds = value / 1000 if abs(value) >= 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_date(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from ISO 8601, RFC 2822 or Unix s/ms; None if unparseable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, int | float):
        parsed = _from_number(float(value))
    elif isinstance(value, str):
        parsed = _parse_date_text(value.strip())
    else:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_date_text(text: str) -> datetime | None:
    if not text:
        return None
    # Nine or more digits: a Unix time; fewer ("2015", "20150702") are ISO dates.
    if _UNIX_TIME.fullmatch(text):
        return _from_number(float(text))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_count(value: Any) -> int | None:
    """A non-negative integer count, read leniently ("1,234", "1.2k", "12.0"); else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value >= 0 and value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = re.sub(r"[\s\u00a0\u202f'_]", "", value).lower()
    multiplier = 1
    if text[-1:] in _COUNT_SUFFIX:
        multiplier, text = _COUNT_SUFFIX[text[-1]], text[:-1].replace(",", ".")
    elif re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        text = re.sub(r"[.,]", "", text)
    try:
        number = float(text) * multiplier
    except ValueError:
        return None
    if number < 0 or number != number or number == float("inf"):
        return None
    return int(number) if multiplier > 1 or number.is_integer() else None


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; block elements become line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        elif _BLOCK_TAG.fullmatch(tag):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)
        elif _BLOCK_TAG.fullmatch(tag):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities unescaped, spaces tidied."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts).replace("\u00a0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _text(value: Any) -> str | None:
    """A scalar as stripped text; None for missing, empty or nested values."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _lang(value: Any) -> str | None:
    if value is None:
        return None
    match = _LANG.match(_text(value) or "")
    return match.group(1).lower() if match else None


def _require_text(text: str | None, item: RawItem) -> str:
    if not text or not text.strip():
        raise ParseError("no text", where=item.origin)
    return text.strip()


def _rss_text(entry: Mapping[str, Any]) -> str | None:
    bodies = [c for c in entry.get("content") or [] if isinstance(c, dict) and c.get("value")]
    detail = entry.get("summary_detail") or {}
    candidates = [(c["value"], c.get("type", "text/html")) for c in bodies]
    if entry.get("summary"):
        candidates.append((entry["summary"], detail.get("type", "text/html")))
    for value, kind in candidates:
        text = html_to_text(str(value)) if "html" in str(kind) else str(value).strip()
        if text:
            return text
    return _detail_text(entry, "title")


def _detail_text(entry: Mapping[str, Any], key: str) -> str | None:
    """An entry's text field, with markup removed when feedparser says it is HTML."""
    value = _text(entry.get(key))
    if value is None:
        return None
    kind = str((entry.get(f"{key}_detail") or {}).get("type", "text/plain"))
    return (html_to_text(value) if "html" in kind else value) or None


def normalise_rss(item: RawItem) -> Mention:
    """An RSS/Atom entry -> Mention (platform "news"; text from content, summary or title)."""
    entry, context = item.payload, item.context
    link = _text(entry.get("link"))
    entry_id = _text(entry.get("id")) or link
    if not entry_id:
        raise ParseError("entry has neither id nor link", where=item.origin)
    feed_url = _text(context.get("feed_url")) or ""
    # A guid like "1234" is only unique inside its feed; URIs ("https:", "tag:") are global.
    native_id = entry_id if ":" in entry_id else f"{feed_url}#{entry_id}"
    detail = entry.get("author_detail") or {}
    author_name = _text(detail.get("name")) or _text(entry.get("author"))
    feed_link = _text(context.get("feed_link")) or feed_url
    author: Author | None
    if author_name:
        author = Author("news", author_name, name=author_name, url=_text(detail.get("href")))
    else:
        site = (urlsplit(feed_link).hostname or "").removeprefix("www.")
        title = _text(context.get("feed_title"))
        author = Author("news", site, name=title, url=feed_link) if site else None
    created = None
    for key in ("published_parsed", "updated_parsed", "created_parsed", "published", "updated"):
        created = parse_date(entry.get(key))
        if created is not None:
            break
    lang = None
    for detail_key in ("summary_detail", "title_detail"):
        lang = lang or _lang((entry.get(detail_key) or {}).get("language"))
    return Mention(
        platform="news",
        native_id=native_id,
        text=_require_text(_rss_text(entry), item),
        collected_at=item.fetched_at,
        url=link,
        title=_detail_text(entry, "title"),
        author=author,
        created_at=created,
        lang=lang or _lang(context.get("feed_language")),
        engagement=Engagement(replies=parse_count(entry.get("slash_comments"))),
        raw=item.payload,
        raw_kind=item.kind,
    )


def _row_hash(row: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return "row:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def normalise_row(item: RawItem) -> Mention:
    """A JSONL object or CSV row -> Mention, through the column mapping in its context."""
    mapping: Mapping[str, str] | None = item.context.get("mapping")
    if not mapping:
        try:
            mapping = resolve_mapping(item.payload, {}, where=item.origin)
        except ConfigError as exc:
            raise ParseError(str(exc), where=item.origin) from exc

    # Each mapped column is looked up once; unmapped fields read as None.
    payload = item.payload
    get = {field: lookup(payload, column) for field, column in mapping.items()}.get

    text = _require_text(_text(get("text")), item)
    url = _text(get("url"))
    platform = (
        (_text(get("platform")) or "").lower()
        or _text(item.context.get("platform"))
        or (platform_from_url(url) if url else "file")
    )
    native_id = _text(get("id")) or _row_hash(item.payload)
    status = _twitter_status(url)
    handle = _text(get("author")) or _text(get("author_name")) or (status[0] if status else None)
    author = None
    if handle:
        author = Author(
            platform,
            handle.removeprefix("@"),
            name=_text(get("author_name")),
            followers=parse_count(get("author_followers")),
        )
    created = parse_date(get("created_at"))
    if created is None and platform == "twitter":
        created = _snowflake_time(native_id) or (_snowflake_time(status[1]) if status else None)
    return Mention(
        platform=platform,
        native_id=native_id,
        text=text,
        collected_at=item.fetched_at,
        url=url,
        title=_text(get("title")),
        author=author,
        created_at=created,
        lang=_lang(get("lang")),
        reply_to=_text(get("reply_to")),
        repost_of=_text(get("repost_of")),
        quote_of=_text(get("quote_of")),
        engagement=Engagement(
            likes=parse_count(get("likes")),
            reposts=parse_count(get("reposts")),
            replies=parse_count(get("replies")),
            quotes=parse_count(get("quotes")),
            views=parse_count(get("views")),
        ),
        raw=item.payload,
        raw_kind=item.kind,
    )


def normalise_germeval(item: RawItem) -> Mention:
    """A GermEval 2017 row -> Mention: id and url from the URL, platform from its host."""
    raw_url = _text(item.payload.get("url"))
    if not raw_url:
        raise ParseError("row has no URL", where=item.origin)
    # The corpus escapes underscores in URLs Markdown-style ("comment\_id").
    url = raw_url.replace("\\_", "_")
    platform = platform_from_url(url)
    status = _twitter_status(url)
    return Mention(
        platform=platform,
        native_id=url,
        text=_require_text(_text(item.payload.get("text")), item),
        collected_at=item.fetched_at,
        url=url,
        author=Author(platform, status[0]) if status else None,
        created_at=_snowflake_time(status[1]) if status else None,
        raw=item.payload,
        raw_kind=item.kind,
    )


Normaliser = Callable[[RawItem], Mention]


def normalise_item(item: RawItem, normalisers: Mapping[str, Normaliser]) -> Mention:
    """Normalise one raw item with the function registered for its kind.

    Raises ParseError (where = the item's origin) for an unknown kind or an unusable item.
    """
    function = normalisers.get(item.kind)
    if function is None:
        known = ", ".join(sorted(normalisers)) or "none"
        raise ParseError(
            f"no normaliser for kind {item.kind!r} (known: {known})", where=item.origin
        )
    try:
        mention = function(item)
    except ParseError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ParseError(f"cannot read this {item.kind} item: {exc!r}", where=item.origin) from exc
    if not mention.text.strip():
        raise ParseError("no text", where=item.origin)
    return mention


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the built-in normalisers."""
    return {
        "rss": normalise_rss,
        "jsonl": normalise_row,
        "csv": normalise_row,
        "germeval": normalise_germeval,
    }
