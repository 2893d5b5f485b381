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
    "aspect_items",
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


def _matches(value: str) -> list[Item]:
    """The (category as written, with a ``#Sub`` part, polarity) items of a label."""
    text = value.strip()
    if text.lower() in _EMPTY:
        return []
    found: list[Item] = []
    at = 0
    while at < len(text):
        match = _ITEM.match(text, at)
        if match is None:
            rest = text[at:].strip()
            raise ValueError(
                f"cannot read {rest[:40]!r}: write Category:polarity items (polarity "
                f"{', '.join(SENTIMENT_LABELS)}) separated by blanks or ';', or 'none'"
            )
        category = match.group(1).strip()
        if not category.split("#", 1)[0].strip():
            raise ValueError(f"an item has no category name: {match.group(0).strip()!r}")
        if len(category) > MAX_CATEGORY_CHARS:
            raise ValueError(f"category name longer than {MAX_CATEGORY_CHARS} characters")
        found.append((category, match.group(2).lower()))
        at = match.end()
    if len(found) > MAX_ITEMS:
        raise ValueError(f"{len(found)} items in one label; at most {MAX_ITEMS}")
    return found


def parse_aspect_label(value: str) -> tuple[Item, ...]:
    """The (category, polarity) items of a label, in order, a category once (its first
    polarity; a ``#Sub`` part dropped).

    ValueError says what is wrong (an item without a known polarity, a category name
    that is empty or too long, too many items)."""
    items: dict[str, str] = {}
    for category, polarity in _matches(value):
        items.setdefault(category.split("#", 1)[0].strip(), polarity)
    return tuple(items.items())


def aspect_items(value: str) -> tuple[str, ...]:
    """The items of a label as written (``Category#Sub:polarity``), each distinct one
    once: GermEval names a category once per sub-category, maybe with two polarities.
    ValueError as ``parse_aspect_label``."""
    return tuple(dict.fromkeys(f"{c}:{p}" for c, p in _matches(value)))


def format_aspect_label(items: tuple[Item, ...] | list[Item]) -> str:
    """The canonical label of items: sorted ``Category:polarity`` joined by ``;``."""
    if not items:
        return NO_ASPECTS
    return ";".join(f"{c}:{p}" for c, p in sorted(dict(items).items()))


def canonical_aspect_label(value: str) -> str:
    """The stored form of a label cell (ValueError as ``parse_aspect_label``)."""
    return format_aspect_label(parse_aspect_label(value))
