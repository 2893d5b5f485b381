"""Mention text as safe HTML with the matched query terms in ``<mark>``, and safe links."""

from __future__ import annotations

from urllib.parse import urlsplit

from markupsafe import Markup, escape

from resonanz.query.text import WORD_RE, fold, words


def _patterns(terms: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Whole folded words and folded prefixes (from ``bahn*``) to mark."""
    exact: set[str] = set()
    prefixes: list[str] = []
    for term in terms:
        found = words(term)
        if not found:
            continue
        if term.endswith("*"):
            exact.update(found[:-1])
            prefixes.append(found[-1])
        else:
            exact.update(found)
    return frozenset(exact), tuple(prefixes)


def highlight(text: str, terms: tuple[str, ...]) -> Markup:
    """The text, every segment escaped, with each word of the matched terms in <mark>."""
    exact, prefixes = _patterns(terms)
    if not exact and not prefixes:
        return Markup(escape(text))
    parts: list[str] = []
    last = 0
    for match in WORD_RE.finditer(text):
        word = fold(match.group())
        if word in exact or word.startswith(prefixes):
            parts.append(escape(text[last : match.start()]))
            parts.append(Markup("<mark>%s</mark>") % match.group())
            last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL with a host, else None (never a link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()
