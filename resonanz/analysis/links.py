"""Links of a mention: the URLs in its text, the targets its payload states, their domains.

A link is kept in its best-known form: the expanded URL where the platform payload gives
one (Twitter-like ``entities.urls[].expanded_url``, Bluesky link facets, Mastodon's
``card.url``, Bluesky's external embed), else the URL as written. A domain is the
registrable part of a link's host (``news.bbc.co.uk`` -> ``bbc.co.uk``), lower-case,
without ``www.``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from resonanz.query.text import URL_RE, host_of

__all__ = ["MAX_LINKS", "domains_of", "link_domain", "links_of", "payload_links"]

MAX_LINKS = 10
# Characters that end a URL in running text rather than belong to it.
_TRAILING = ".,;:!?)]}'\"…>»«“”‘’"
# Control characters and lone surrogates (binary junk) cut a URL short.
_JUNK_RE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_NAME_RE = re.compile(r"[\w-]+(?:\.[\w-]+)*")
_BSKY_LINK = "app.bsky.richtext.facet#link"
# Public suffixes of two labels under which sites register (a small part of the Public
# Suffix List: the common country second levels, and hosting platforms whose subdomains
# are separate sites). Other hosts keep their last two labels.
_SUFFIX_LIST = """
    co.uk org.uk ac.uk gov.uk me.uk ltd.uk plc.uk net.uk sch.uk nhs.uk police.uk
    com.au net.au org.au edu.au gov.au co.nz org.nz govt.nz co.jp ne.jp or.jp ac.jp go.jp
    co.kr or.kr com.br net.br org.br gov.br com.cn net.cn org.cn gov.cn com.tw com.hk
    co.in net.in org.in gov.in co.za org.za gov.za com.mx org.mx gob.mx com.ar gob.ar
    com.tr org.tr gov.tr gv.at co.at or.at ac.at com.pl net.pl org.pl com.ua co.il org.il
    ac.il com.sg edu.sg com.my co.id or.id com.vn com.ph com.pk com.eg com.sa co.th
    github.io gitlab.io blogspot.com wordpress.com tumblr.com substack.com medium.com
    netlify.app vercel.app herokuapp.com pages.dev web.app firebaseapp.com
"""
_SUFFIXES = frozenset(_SUFFIX_LIST.split())
# Hosts that only ever point at one site; no request is needed to know where they go.
_ALIASES = {"youtu.be": "youtube.com", "redd.it": "reddit.com"}


def _clean(url: str) -> str:
    junk = _JUNK_RE.search(url)
    if junk is not None:
        url = url[: junk.start()]
    return url.rstrip(_TRAILING)


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _dicts(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, Mapping))


def _twitter_links(raw: Mapping[str, Any]) -> Iterator[tuple[str | None, str]]:
    places = (
        ("entities", "urls"),
        ("entities", "media"),  # a photo's t.co link points at the post's photo page
        ("extended_tweet", "entities", "urls"),
        ("extended_tweet", "entities", "media"),
    )
    for place in places:
        for entity in _dicts(_get(raw, *place)):
            target = entity.get("unwound_url") or entity.get("expanded_url")
            if isinstance(target, str):
                short = entity.get("url")
                yield (short if isinstance(short, str) else None), target


def _facet_display(text: Any, index: Any) -> str | None:
    """The text a Bluesky facet covers (its byte range of the UTF-8 text)."""
    if not isinstance(text, str) or not isinstance(index, Mapping):
        return None
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
        return None
    return text.encode("utf-8", "replace")[start:end].decode("utf-8", "replace")


def _bluesky_links(raw: Mapping[str, Any]) -> Iterator[tuple[str | None, str]]:
    # A post view nests the record; a bare record (or firehose event) has its fields on top.
    for record in (raw, _get(raw, "record")):
        if not isinstance(record, Mapping):
            continue
        for facet in _dicts(record.get("facets")):
            for feature in _dicts(facet.get("features")):
                uri = feature.get("uri")
                if feature.get("$type") == _BSKY_LINK and isinstance(uri, str):
                    yield _facet_display(record.get("text"), facet.get("index")), uri
        for embed in (_get(record, "embed"), _get(record, "embed", "media")):
            uri = _get(embed, "external", "uri")
            if isinstance(uri, str):
                yield None, uri


def payload_links(raw: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """(link as shown in the text or None, target URL) pairs the platform payload states."""
    found = [*_twitter_links(raw), *_bluesky_links(raw)]
    card_url = _get(raw, "card", "url")  # Mastodon's preview of the status's link
    if isinstance(card_url, str):
        found.append((None, card_url))
    return [(shown, target) for shown, target in found if target.startswith(("http", "www."))]


def links_of(text: str, raw: Mapping[str, Any] | None = None) -> list[str]:
    """The links of a mention in order of appearance: payload targets replace short links.

    Targets in the payload that the text does not show (a Bluesky link shown shortened, a
    Mastodon card) follow the text's links. At most ``MAX_LINKS``, without duplicates.
    """
    shown = [_clean(u) for u in URL_RE.findall(text)] if "://" in text or "www." in text else []
    stated = payload_links(raw) if raw else []
    targets = {_clean(s): _clean(t) for s, t in stated if s}
    found: dict[str, None] = {}
    for url in shown:
        if url:
            found.setdefault(targets.get(url, url), None)
    for _, target in stated:
        target = _clean(target)
        if target:
            found.setdefault(target, None)
    return list(found)[:MAX_LINKS]


def _is_ip(host: str) -> bool:
    if not host[-1].isdigit() and ":" not in host:  # skips the slow ValueError for names
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def link_domain(url: str) -> str:
    """The registrable domain of a link's host, lower-case, without ``www.`` ('' if none)."""
    host = host_of(url)
    if not host or _is_ip(host):
        return host
    if not _NAME_RE.fullmatch(host):
        return ""
    if host in _ALIASES:
        return _ALIASES[host]
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in _SUFFIXES else 2
    return ".".join(labels[-keep:])


def domains_of(links: Iterable[str]) -> list[str]:
    """The distinct domains of links, in order."""
    found: dict[str, None] = {}
    for link in links:
        domain = link_domain(link)
        if domain:
            found.setdefault(domain, None)
    return list(found)
