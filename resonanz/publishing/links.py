"""Tracked links: the UTM builder, target checks, short codes, and who counts as a click.

A tracked link is a short code (``/r/<code>``) that redirects to its target with the UTM
parameters merged into the target's query string. A click is counted once per visitor
and window: the visitor is a salted hash of the address and user agent, the salt is random
per UTC day and dropped afterwards, so neither the address nor a way back to it is stored.
Crawlers and link-preview fetchers (and HEAD requests) are redirected but not counted.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from resonanz.config import Settings
from resonanz.errors import ValidationError

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
MAX_URL = 2048
MAX_UTM = 200
CODE_LENGTH = 7
# A second click of one visitor on one link within this time is a repeat, not a click.
REPEAT_WINDOW = timedelta(minutes=30)
_CODE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_RE = re.compile(r"^[A-Za-z0-9]{4,20}$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?)+$", re.I)

# utm_source per channel kind; utm_medium is "social" for all of them.
SOURCE_OF_KIND = {
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "x": "x",
    "linkedin": "linkedin",
    "threads": "threads",
    "telegram": "telegram",
    "facebook": "facebook",
    "instagram": "instagram",
}
SOCIAL_MEDIUM = "social"

# User agents that are not people: crawlers, link-preview fetchers of the platforms
# (Mastodon instances fetch every link of a post: "Mastodon/4.3 (...)"; Bluesky's card
# service "Bluesky Cardyb"), chat apps' previews and command-line and library clients.
_BOT_RE = re.compile(
    r"bot\b|bot/|crawler|spider|slurp|preview|facebookexternalhit|facebookcatalog|"
    r"twitterbot|slackbot|slack-imgproxy|discordbot|telegrambot|linkedinbot|whatsapp|"
    r"skypeuripreview|embedly|iframely|\bmastodon/|pleroma|akkoma|misskey|"
    r"bluesky cardyb|cardyb|\bcurl/|\bwget/|python-requests|python-httpx|python-urllib|"
    r"aiohttp|go-http-client|okhttp|java/|libwww-perl|headlesschrome|lighthouse|"
    r"applebot|googlebot|bingbot|yandex|baiduspider|duckduckbot|petalbot|ahrefs|semrush",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TrackedLink:
    """A short link of a workspace and where it leads."""

    id: int
    workspace_id: int
    code: str
    target: str
    utm: Mapping[str, str]
    destination: str
    channel_id: int | None
    post_id: int | None
    created_by: int | None
    created_at: datetime

    @property
    def source(self) -> str:
        """The utm_source (the channel a click came through), or ''."""
        return self.utm.get("utm_source", "")


@dataclass(frozen=True)
class DayCount:
    """One link's counts of one UTC day."""

    day: date
    clicks: int
    bots: int
    repeats: int


def check_target(url: str) -> str:
    """The URL, stripped, if it is an absolute http(s) URL with a host; else a
    ValidationError saying what is wrong with it."""
    text = url.strip()
    if not text:
        raise ValidationError("the link's target URL is empty")
    if len(text) > MAX_URL:
        raise ValidationError(f"the target URL is {len(text)} characters long; at most {MAX_URL}")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValidationError(f"the target URL {text!r} contains spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"{text!r} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        hint = f"; did you mean https://{text} ?" if not parts.scheme else ""
        raise ValidationError(
            f"a tracked link must lead to an http or https URL, not {shown} ({text!r}){hint}"
        )
    host = parts.hostname or ""
    if not host:
        raise ValidationError(f"the target URL {text!r} has no host name")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(f"the target URL {text!r} contains a user name or password")
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise ValidationError(f"the target URL {text!r} has an invalid host name") from None
    if ":" not in ascii_host and not _HOST_RE.match(ascii_host):
        raise ValidationError(f"the target URL {text!r} has an invalid host name {host!r}")
    if port is not None and port == 0:
        raise ValidationError(f"the target URL {text!r} has an invalid port")
    return text


def build_utm(
    *,
    source: str | None = None,
    medium: str | None = None,
    campaign: str | None = None,
    content: str | None = None,
    term: str | None = None,
    channel_kind: str | None = None,
) -> dict[str, str]:
    """The UTM parameters of a link: those given, and for a channel its defaults
    (utm_source = the platform, utm_medium = social)."""
    values = {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "utm_content": content,
        "utm_term": term,
    }
    if channel_kind is not None:
        if values["utm_source"] is None:
            values["utm_source"] = SOURCE_OF_KIND.get(channel_kind, channel_kind)
        if values["utm_medium"] is None:
            values["utm_medium"] = SOCIAL_MEDIUM
    utm: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        value = value.strip()
        if not value:
            raise ValidationError(f"{key} is empty; leave it out or give a value")
        if len(value) > MAX_UTM:
            raise ValidationError(f"{key} is {len(value)} characters long; at most {MAX_UTM}")
        utm[key] = value
    return utm


def merge_utm(target: str, utm: Mapping[str, str]) -> str:
    """``target`` with the UTM parameters in its query string: the target's own
    parameters stay as written and in their order, a UTM parameter the target already
    has is replaced, the fragment stays last."""
    added = [(k, utm[k]) for k in UTM_KEYS if k in utm]
    if not added:
        return target
    parts = urlsplit(target)
    kept = [
        segment
        for segment in parts.query.split("&")
        if segment and unquote_plus(segment.partition("=")[0]) not in utm
    ]
    query = "&".join([*kept, urlencode(added)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def new_code() -> str:
    """A random short code (7 characters of 56: about 1.7 * 10^12 codes; no 0/O, 1/l/I)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def links_base_url(settings: Settings) -> str:
    """Where short links point: the ``base_url`` setting, else the web app's address."""
    return settings.base_url.rstrip("/") or f"http://{settings.web_host}:{settings.web_port}"


def short_url(base_url: str, code: str) -> str:
    """The public short link of ``code``."""
    return f"{base_url.rstrip('/')}/r/{code}"


def is_bot(user_agent: str | None, method: str = "GET") -> bool:
    """True for requests that are not a person following the link: HEAD requests, no
    user agent, crawlers and link-preview fetchers."""
    if method.upper() != "GET":
        return True
    agent = (user_agent or "").strip()
    return not agent or _BOT_RE.search(agent) is not None


def new_salt() -> str:
    """A random salt for one day's visitor hashes."""
    return secrets.token_hex(32)


def visitor_hash(salt: str, link_id: int, address: str, user_agent: str) -> str:
    """The visitor of a click: salted SHA-256 of link, address and user agent (hex).
    Without the day's salt (dropped after the next day) it cannot be traced back."""
    material = f"{salt}\x00{link_id}\x00{address}\x00{user_agent}".encode()
    return hashlib.sha256(material).hexdigest()


def link_summary(link: TrackedLink, base_url: str) -> dict[str, Any]:
    """What the CLI and API show of a link."""
    return {
        "id": link.id,
        "code": link.code,
        "short_url": short_url(base_url, link.code),
        "target": link.target,
        "destination": link.destination,
        "utm": dict(link.utm),
        "channel_id": link.channel_id,
        "post_id": link.post_id,
        "created_at": link.created_at,
    }
