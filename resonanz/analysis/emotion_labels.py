"""The eight emotions of Plutchik's wheel, in its order, and how the UI names them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.errors import ValidationError

__all__ = ["EMOTIONS", "OPPOSITE", "parse_emotion", "top_emotion"]

EMOTIONS: tuple[str, ...] = (
    "joy",
    "trust",
    "fear",
    "surprise",
    "sadness",
    "disgust",
    "anger",
    "anticipation",
)

# Plutchik's pairs of opposites (each emotion faces the one four petals away).
OPPOSITE: dict[str, str] = {
    EMOTIONS[i]: EMOTIONS[(i + 4) % len(EMOTIONS)] for i in range(len(EMOTIONS))
}


def top_emotion(enrichments: Mapping[str, Any]) -> str | None:
    """``enrichments["emotion"]["top"]`` when it is one of the eight emotions, else None."""
    found = enrichments.get("emotion")
    top = found.get("top") if isinstance(found, Mapping) else None
    return top if isinstance(top, str) and top in EMOTIONS else None


def parse_emotion(value: str, name: str = "emotion") -> str | None:
    """An emotion as typed ("" is None); ValidationError naming ``name`` for an unknown one."""
    emotion = value.strip().lower()
    if not emotion:
        return None
    if emotion not in EMOTIONS:
        raise ValidationError(f"{name}: {value!r} is not one of {', '.join(EMOTIONS)}")
    return emotion
