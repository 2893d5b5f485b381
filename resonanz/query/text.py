"""Text folding and tokenising shared by the query engine and the store's full-text index.

Both sides fold the same way, so a query term and a stored word meet in one form:
NFKC, Unicode casefold (ß -> ss), then ä/ö/ü -> ae/oe/ue. So ``Bahnhöfe``, ``BAHNHOEFE``
and ``bahnhöfe`` are the same word. Words are runs of letters and digits; everything else
(spaces, punctuation, hyphens, underscores, ``#``, ``@``) is a boundary. URLs are not words.

Text is NFKC-normalised before URLs, hashtags and mentions are found, so decomposed
umlauts (``Zu\\u0308ge``, common in text from macOS) and full-width characters behave like
their composed forms everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# The same on folded (lower-case) text, where case-sensitive matching is ~3x faster.
_FOLDED_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+")
# A hashtag needs a letter; "C#" and "&#39;" are not hashtags. The look-behind sits after
# the literal "#" so the regex engine can jump from "#" to "#" instead of trying every
# position (same matches as "(?<![\w&#/])#...", ~20x faster).
HASHTAG_RE = re.compile(r"#(?<![\w&#/]#)(\w*[^\W\d_]\w*)")
# "@handle" but not e-mail addresses ("a@b.de") or URLs.
MENTION_RE = re.compile(r"@(?<![\w.@/]@)(\w+(?:\.\w+)*)")
WORD_RE = re.compile(r"[^\W_]+")
# In ASCII text the words are the runs of [a-z0-9] (folded text is lower case): mapping
# every other byte to a space and splitting finds them ~3x faster than the regex.
_ASCII_SPACES = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256))
# Otherwise the same on the UTF-8 bytes (multi-byte sequences are left alone), then the
# few non-ASCII characters that are not letters or digits become spaces: ~2x faster than
# the regex on German text, where folding leaves mostly quotes and dashes outside ASCII.
_UTF8_SPACES = bytes(c if c >= 128 or chr(c).isalnum() else 32 for c in range(256))
_NON_ASCII_NON_WORD_RE = re.compile(r"[^\x00-\x7f\w]")
# A URL whose host urlsplit would take as it is: scheme, "://", then only letters, digits,
# dots and hyphens up to the path, query, fragment or end (no user, port, IPv6, tab/CR/LF).
_SIMPLE_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9.-]*)(?:[/?#]|\Z)")
# What may follow "#" / "@" in a query for it to be a hashtag / handle the regexes find.
HASHTAG_VALUE_RE = re.compile(r"\w*[^\W\d_]\w*")
MENTION_VALUE_RE = re.compile(r"\w+(?:\.\w+)*")


def fold(text: str) -> str:
    """Case- and umlaut-fold text: NFKC, casefold, ä->ae, ö->oe, ü->ue (ß->ss via casefold)."""
    if text.isascii():  # NFKC changes nothing there and casefold is lower
        return text.lower()
    if native_fold_simple is not None:
        # Latin-1 and common punctuation in one C pass (_fastmatch.c says why it is exact).
        folded = native_fold_simple(text)
        if folded is not None:
            return folded
    return python_fold(text)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, in one C pass where ``fold`` has one."""
    if native_nfkc_simple is not None and (normal := native_nfkc_simple(text)) is not None:
        return normal
    return unicodedata.normalize("NFKC", text)


def python_fold(text: str) -> str:
    """``fold`` with the Python string methods only."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # str.replace is ~15x faster than str.translate with a dict on typical posts.
    return folded.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")


def _strip_urls(text: str, *, folded: bool = False) -> str:
    # Every URL contains "://" or "www." in some case; checking first skips the slow sub.
    if folded:
        return _FOLDED_URL_RE.sub(" ", text) if "://" in text or "www." in text else text
    if native_strip_urls is not None:  # one C pass, ~10x faster than the regex
        return native_strip_urls(text)
    return python_strip_urls(text)


def python_strip_urls(text: str) -> str:
    """Every URL (``URL_RE``, any case) replaced by a space."""
    if "://" in text or "www." in text.lower():
        return URL_RE.sub(" ", text)
    return text


def _split_folded(folded: str) -> list[str]:
    """The words of folded text without URLs: runs of letters and digits."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SPACES).decode("ascii").split()
    # No character is both alphanumeric and whitespace, so splitting at whitespace after
    # turning every other non-word character into a space gives WORD_RE's runs exactly.
    spaced = (
        folded.encode("utf-8", "surrogatepass")
        .translate(_UTF8_SPACES)
        .decode("utf-8", "surrogatepass")
    )
    return _NON_ASCII_NON_WORD_RE.sub(" ", spaced).split()


def python_padded_of_folded(folded: str) -> str:
    """``" " + " ".join(words) + " "`` of folded text, URLs left out (see ``padded_words``)."""
    return " " + " ".join(_words_of_folded(folded)) + " "


def _native(name: str) -> Callable[[str], Any] | None:
    """A function of the C extension, or None where it was not built (no C compiler at
    install time): then the Python versions here are used."""
    try:
        from resonanz.query import _fastmatch
    except ImportError:
        return None
    function: Callable[[str], Any] = getattr(_fastmatch, name)
    return function


# The same in C (resonanz/query/_fastmatch.c, one pass, ~4x faster) where it was built.
native_padded_of_folded: Callable[[str], str] | None = _native("padded_of_folded")
padded_of_folded = native_padded_of_folded or python_padded_of_folded
native_fold_simple: Callable[[str], str | None] | None = _native("fold_simple")
native_strip_urls: Callable[[str], str] | None = _native("strip_urls")
native_nfkc_simple: Callable[[str], str | None] | None = _native("nfkc_simple")
native_padded_simple: Callable[[str], str | None] | None = _native("padded_simple")


def _words_of_folded(folded: str) -> list[str]:
    return _split_folded(_strip_urls(folded, folded=True))


def words(text: str) -> list[str]:
    """The folded words of text, URLs removed, in order."""
    return _words_of_folded(fold(text))


def padded_words(text: str) -> str:
    """``" " + " ".join(words(text)) + " "``: every word between spaces ("  " for none)."""
    if native_padded_simple is not None and (padded := native_padded_simple(text)) is not None:
        return padded  # fold and word string in one C pass
    return padded_of_folded(fold(text))


def search_text(parts: Iterable[str | None]) -> str:
    """The space-joined folded words of all parts: what the full-text index stores."""
    out: list[str] = []
    for part in parts:
        if part:
            out.extend(words(part))
    return " ".join(out)


def hashtags(text: str) -> frozenset[str]:
    """Folded hashtags without '#'."""
    if "#" not in text:
        return frozenset()
    clean = _strip_urls(nfkc(text))
    return frozenset(fold(m) for m in HASHTAG_RE.findall(clean))


def mentions(text: str) -> frozenset[str]:
    """Folded @-handles without '@'."""
    if "@" not in text:
        return frozenset()
    clean = _strip_urls(nfkc(text))
    return frozenset(fold(m) for m in MENTION_RE.findall(clean))


def urls(text: str) -> list[str]:
    """The URLs in text, in order."""
    return [u.rstrip(".,;:!?)") for u in URL_RE.findall(text)]


def host_of(url: str | None) -> str:
    """The lower-case host of a URL without a leading 'www.' ('' when there is none)."""
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    simple = _SIMPLE_URL_RE.match(url)  # the common case, ~5x faster than urlsplit
    if simple is not None:
        host = simple.group(1)
    else:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return ""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host
