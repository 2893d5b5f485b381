"""Mastodon statuses and notifications -> Mention (platform "mastodon").

Field names follow the Status, Account, Notification and Quote entities documented at
https://docs.joinmastodon.org/entities/ (as served by Mastodon 4.x and mastodon-mock).

Decisions:

- native id: the status ``uri`` (its ActivityPub id, the same on every instance that
  knows the status, so one post seen through two instances is stored once), else ``url``;
- text: ``content`` (HTML) as plain text; a post with no text (media only) reads as its
  media descriptions, then its poll options; the content warning (``spoiler_text``) is
  the title;
- author: ``acct`` made global: the instance's own accounts ("alice") get the host of
  their profile URL ("alice@mastodon.social");
- a boost (``reblog``) keeps the booster as author, the boosted text, and
  ``repost_of`` = the boosted status' uri; a quote's ``quote_of`` is the quoted status'
  uri (or its id on the instance when the instance sends only ``quoted_status_id``);
- ``reply_to`` is ``in_reply_to_id``: Mastodon names the parent only by its id on the
  instance that was asked, not by its uri;
- tags, mentions, media, poll and card stay in ``raw``, untouched;
- a notification maps through its ``status``; one without a status cannot be a mention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from resonanz.errors import ParseError
from resonanz.hookspecs import hookimpl
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import html_to_text, parse_count, parse_date

__all__ = [
    "NOTIFICATION_KIND",
    "STATUS_KIND",
    "normalise_mastodon",
    "normalise_mastodon_notification",
    "register_normalisers",
]

PLATFORM = "mastodon"
STATUS_KIND = "mastodon"
NOTIFICATION_KIND = "mastodon_notification"


def _str(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _host(url: Any) -> str:
    try:
        return (urlsplit(str(url or "")).hostname or "").lower()
    except ValueError:
        return ""


def _author(account: Mapping[str, Any], instance: str) -> Author | None:
    """The account as an Author; a local ``acct`` ("alice") gets its profile's host."""
    acct = (_str(account.get("acct")) or _str(account.get("username")) or "").lstrip("@")
    if not acct:
        return None
    if "@" not in acct:
        host = _host(account.get("url")) or _host(instance)
        acct = f"{acct}@{host}" if host else acct
    return Author(
        platform=PLATFORM,
        handle=acct,
        name=_str(account.get("display_name")) or _str(account.get("username")),
        followers=parse_count(account.get("followers_count")),
        url=_str(account.get("url")),
    )


def _language(value: Any) -> str | None:
    """ISO 639 code in lower case, without a region ("de-DE" -> "de")."""
    code = (_str(value) or "").replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _global_id(status: Mapping[str, Any]) -> str | None:
    return _str(status.get("uri")) or _str(status.get("url"))


def _quote_of(status: Mapping[str, Any]) -> str | None:
    """The quoted status: Quote {state, quoted_status} or ShallowQuote {quoted_status_id}."""
    quote = _map(status.get("quote"))
    quoted = _map(quote.get("quoted_status"))
    return _global_id(quoted) or _str(quote.get("quoted_status_id"))


def _text(status: Mapping[str, Any]) -> str:
    """Plain text of the content; else media descriptions; else poll options."""
    text = html_to_text(str(status.get("content") or ""))
    if text:
        return text
    media = status.get("media_attachments")
    described = (
        [_str(m.get("description")) for m in media if isinstance(m, Mapping)]
        if isinstance(media, list)
        else []
    )
    text = "\n".join(d for d in described if d)
    if text:
        return text
    options = _map(status.get("poll")).get("options")
    if isinstance(options, list):
        return "\n".join(t for o in options if (t := _str(_map(o).get("title"))))
    return ""


def status_mention(status: Mapping[str, Any], item: RawItem) -> Mention:
    """One status JSON (timeline, search or notification) -> Mention."""
    native_id = _global_id(status)
    if not native_id:
        raise ParseError("status has neither uri nor url", where=item.origin)
    instance = str(item.context.get("instance") or "")
    boosted = _map(status.get("reblog"))
    shown = boosted or status  # a boost carries no text of its own
    text = _text(shown)
    if not text:
        raise ParseError("status has no text, media description or poll", where=item.origin)
    return Mention(
        platform=PLATFORM,
        native_id=native_id,
        text=text,
        collected_at=item.fetched_at,
        url=_str(status.get("url")) or _str(boosted.get("url")) or native_id,
        title=_str(shown.get("spoiler_text")),
        author=_author(_map(status.get("account")), instance),
        created_at=parse_date(status.get("created_at")),
        lang=_language(shown.get("language")),
        reply_to=_str(status.get("in_reply_to_id")),
        repost_of=(_global_id(boosted) or _str(boosted.get("id"))) if boosted else None,
        quote_of=_quote_of(status),
        # A boost's own counts (favourites go to the boosted status, stored on its own).
        engagement=Engagement(
            likes=parse_count(status.get("favourites_count")),
            reposts=parse_count(status.get("reblogs_count")),
            replies=parse_count(status.get("replies_count")),
            quotes=parse_count(status.get("quotes_count")),
        ),
        raw=item.payload,
        raw_kind=item.kind,
    )


def normalise_mastodon(item: RawItem) -> Mention:
    """A Mastodon status -> Mention."""
    return status_mention(item.payload, item)


def normalise_mastodon_notification(item: RawItem) -> Mention:
    """A Mastodon notification -> Mention of its status (the raw notification is kept)."""
    status = item.payload.get("status")
    if not isinstance(status, Mapping):
        kind = _str(item.payload.get("type")) or "unknown"
        raise ParseError(f"notification of type {kind} carries no status", where=item.origin)
    return status_mention(status, item)


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the Mastodon normalisers."""
    return {
        STATUS_KIND: normalise_mastodon,
        NOTIFICATION_KIND: normalise_mastodon_notification,
    }
