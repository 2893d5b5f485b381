"""The eight emotions of Plutchik's wheel, in its order, and how the UI names them."""

from __future__ import annotations

__all__ = ["EMOTIONS", "EMOTION_NAMES_DE", "OPPOSITE"]

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

# German names, for places without a gettext catalogue (CLI tables, exports stay English).
EMOTION_NAMES_DE: dict[str, str] = {
    "joy": "Freude",
    "trust": "Vertrauen",
    "fear": "Angst",
    "surprise": "Überraschung",
    "sadness": "Traurigkeit",
    "disgust": "Ekel",
    "anger": "Wut",
    "anticipation": "Vorfreude",
}
