"""Aspect labels: which categories a text talks about and in what tone, as one string.

A label names ``Category:polarity`` items (polarity negative, neutral or positive), the
way GermEval 2017 writes them (``Zugfahrt#Haupt:negative Allgemein#Haupt:neutral``:
separated by blanks, a ``#Sub`` part dropped) or separated by ``;`` (then category names
may hold blanks: ``Pünktlichkeit und Zugfahrt:negative; Preis:positive``). ``none``, ``-``
or an empty cell label a text that names no category. The stored (canonical) form is the
sorted items joined by ``;`` (a category named twice keeps its first polarity), or
``none``.
"""

from __future__ import annotations

import re

from resonanz.analysis.base import SENTIMENT_LABELS

__all__ = [
    "NO_ASPECTS",
    "canonical_aspect_label",
    "format_aspect_label",
    "parse_aspect_label",
]

NO_ASPECTS = "none"
MAX_ITEMS = 50
MAX_CATEGORY_CHARS = 100
_EMPTY = {"", "none", "-"}
_ITEM = re.compile(r"\s*([^:;]+?)\s*:\s*(negative|neutral|positive)\s*(?:;|\s+|$)", re.IGNORECASE)

Item = tuple[str, str]


def parse_aspect_label(value: str) -> tuple[Item, ...]:
    """The (category, polarity) items of a label, in order, a category once.

    ValueError says what is wrong (an item without a known polarity, a category name
    that is empty or too long, too many items)."""
    text = value.strip()
    if text.lower() in _EMPTY:
        return ()
    items: dict[str, str] = {}
    at = 0
    while at < len(text):
        match = _ITEM.match(text, at)
        if match is None:
            rest = text[at:].strip()
            raise ValueError(
                f"cannot read {rest[:40]!r}: write Category:polarity items (polarity "
                f"{', '.join(SENTIMENT_LABELS)}) separated by blanks or ';', or 'none'"
            )
        category = match.group(1).split("#", 1)[0].strip()
        if not category:
            raise ValueError(f"an item has no category name: {match.group(0).strip()!r}")
        if len(category) > MAX_CATEGORY_CHARS:
            raise ValueError(f"category name longer than {MAX_CATEGORY_CHARS} characters")
        items.setdefault(category, match.group(2).lower())
        at = match.end()
    if len(items) > MAX_ITEMS:
        raise ValueError(f"{len(items)} categories in one label; at most {MAX_ITEMS}")
    return tuple(items.items())


def format_aspect_label(items: tuple[Item, ...] | list[Item]) -> str:
    """The canonical label of items: sorted ``Category:polarity`` joined by ``;``."""
    if not items:
        return NO_ASPECTS
    return ";".join(f"{c}:{p}" for c, p in sorted(dict(items).items()))


def canonical_aspect_label(value: str) -> str:
    """The stored form of a label cell (ValueError as ``parse_aspect_label``)."""
    return format_aspect_label(parse_aspect_label(value))
