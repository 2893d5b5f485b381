"""Text folding and tokenising shared by the query engine and the store's full-text index.

Both sides fold the same way, so a query term and a stored word meet in one form:
NFKC, Unicode casefold (ß -> ss), then ä/ö/ü -> ae/oe/ue. So ``Bahnhöfe``, ``BAHNHOEFE``
and ``bahnhöfe`` are the same word. Words are runs of letters and digits; everything else
(spaces, punctuation, hyphens, underscores, ``#``, ``@``) is a boundary. URLs are not words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# A hashtag needs a letter; "C#" and "&#39;" are not hashtags.
HASHTAG_RE = re.compile(r"(?<![\w&#/])#(\w*[^\W\d_]\w*)")
# "@handle" but not e-mail addresses ("a@b.de") or URLs.
MENTION_RE = re.compile(r"(?<![\w.@/])@(\w+(?:\.\w+)*)")
WORD_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case- and umlaut-fold text: NFKC, casefold, ä->ae, ö->oe, ü->ue (ß->ss via casefold)."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)


def words(text: str) -> list[str]:
    """The folded words of text, URLs removed, in order."""
    return WORD_RE.findall(fold(URL_RE.sub(" ", text)))


def search_text(parts: Iterable[str | None]) -> str:
    """The space-joined folded words of all parts: what the full-text index stores."""
    out: list[str] = []
    for part in parts:
        if part:
            out.extend(words(part))
    return " ".join(out)


def hashtags(text: str) -> frozenset[str]:
    """Folded hashtags without '#'."""
    return frozenset(fold(m) for m in HASHTAG_RE.findall(URL_RE.sub(" ", text)))


def mentions(text: str) -> frozenset[str]:
    """Folded @-handles without '@'."""
    return frozenset(fold(m) for m in MENTION_RE.findall(URL_RE.sub(" ", text)))


def urls(text: str) -> list[str]:
    """The URLs in text, in order."""
    return [u.rstrip(".,;:!?)") for u in URL_RE.findall(text)]


def host_of(url: str | None) -> str:
    """The lower-case host of a URL without a leading 'www.' ('' when there is none)."""
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host
