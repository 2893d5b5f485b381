"""German or English from function words, for texts whose language nobody stated (the
sentiment, emotion and aspect readers and the workspace classifiers choose their model by
it)."""

from __future__ import annotations

import re

_WORD_RE = re.compile(r"[^\W\d_]+")
_DE_HINTS = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "ein",
        "eine",
        "mit",
        "auf",
        "für",
        "von",
        "zu",
        "den",
        "sich",
        "auch",
        "wie",
        "bei",
        "noch",
        "nur",
        "mal",
        "schon",
        "aber",
        "wenn",
        "oder",
        "wir",
        "sie",
        "es",
        "im",
        "dem",
        "des",
    ]
)
_EN_HINTS = frozenset(
    [
        "the",
        "and",
        "is",
        "not",
        "to",
        "of",
        "a",
        "in",
        "that",
        "it",
        "for",
        "you",
        "with",
        "on",
        "this",
        "be",
        "are",
        "was",
        "have",
        "just",
        "my",
        "so",
        "but",
        "at",
        "what",
        "when",
        "or",
        "we",
        "they",
    ]
)


def guess_language(text: str) -> str:
    """``de`` or ``en`` from function words, for texts whose language nobody stated."""
    words = _WORD_RE.findall(text[:1000].lower())
    german = sum(w in _DE_HINTS for w in words)
    english = sum(w in _EN_HINTS for w in words)
    return "en" if english > german else "de"
