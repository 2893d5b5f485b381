"""What the explorer, the API and the exports show of a mention's enrichments.

The enrichments are JSON written by whichever enrichers ran (plugins too), so each part
is checked here: a sentiment with an unknown label, an emotion that is not one of the
eight, a keyword list holding something other than strings or an aspect without a
category is left out, never shown half.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import isfinite
from typing import Any

from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.analysis.emotion_labels import EMOTIONS, parse_emotion, top_emotion
from resonanz.errors import ValidationError
from resonanz.web.i18n import gettext as _

__all__ = [
    "AspectView",
    "EmotionView",
    "SentimentView",
    "aspects_of",
    "emotion_names",
    "emotion_of",
    "keywords_of",
    "parse_emotion",
    "parse_sentiment",
    "sentiment_names",
    "sentiment_of",
]

KEYWORD_KINDS = ("hashtags", "domains")
MAX_SHOWN = 10  # keywords of a kind, aspects of a mention


@dataclass(frozen=True)
class SentimentView:
    """A mention's sentiment: label, score (p(positive) - p(negative)) and model."""

    label: str
    score: float | None
    model: str | None


@dataclass(frozen=True)
class EmotionView:
    """A mention's emotions: the top one, each emotion's score (0..1) and the cues read."""

    top: str
    scores: dict[str, float]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class AspectView:
    """An aspect category named in a mention, its polarity and the words that named it."""

    category: str
    polarity: str | None
    terms: tuple[str, ...]


def sentiment_names() -> dict[str, str]:
    """The sentiment labels in the request's language."""
    return {"negative": _("Negative"), "neutral": _("Neutral"), "positive": _("Positive")}


def parse_sentiment(value: str) -> str | None:
    """A sentiment label as typed ("" is None); ValidationError for an unknown one."""
    label = value.strip().lower()
    if not label:
        return None
    if label not in SENTIMENT_LABELS:
        known = ", ".join(SENTIMENT_LABELS)
        raise ValidationError(f"sentiment: {value!r} is not one of {known}")
    return label


def emotion_names() -> dict[str, str]:
    """The eight emotions in the request's language, in the wheel's order."""
    return {
        "joy": _("Joy"),
        "trust": _("Trust"),
        "fear": _("Fear"),
        "surprise": _("Surprise"),
        "sadness": _("Sadness"),
        "disgust": _("Disgust"),
        "anger": _("Anger"),
        "anticipation": _("Anticipation"),
    }


def emotion_of(enrichments: Mapping[str, Any]) -> EmotionView | None:
    """The mention's emotions, or None when it has none (or its top is not an emotion)."""
    top = top_emotion(enrichments)
    if top is None:
        return None
    found = enrichments["emotion"]
    raw = found.get("scores")
    scores: dict[str, float] = {}
    for emotion in EMOTIONS:
        value = raw.get(emotion) if isinstance(raw, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value):
            scores[emotion] = round(min(1.0, max(0.0, float(value))), 3)
    return EmotionView(top=top, scores=scores, terms=tuple(_strings(found.get("terms"))))


def sentiment_of(enrichments: Mapping[str, Any]) -> SentimentView | None:
    """The mention's sentiment, or None when it has none (or not one of the labels)."""
    found = enrichments.get("sentiment")
    if not isinstance(found, Mapping) or found.get("label") not in SENTIMENT_LABELS:
        return None
    score = found.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not isfinite(score):
        score = None
    model = found.get("model")
    return SentimentView(
        label=str(found["label"]),
        score=None if score is None else round(float(score), 3),
        model=model if isinstance(model, str) else None,
    )


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str) and item][:MAX_SHOWN]


def keywords_of(enrichments: Mapping[str, Any]) -> dict[str, list[str]]:
    """The mention's hashtags and domains (kinds without any are left out)."""
    found = enrichments.get("keywords")
    if not isinstance(found, Mapping):
        return {}
    kinds = {kind: _strings(found.get(kind)) for kind in KEYWORD_KINDS}
    return {kind: items for kind, items in kinds.items() if items}


def aspects_of(enrichments: Mapping[str, Any]) -> list[AspectView]:
    """The aspect categories of the mention, in the enricher's order."""
    found = enrichments.get("aspects")
    if not isinstance(found, list):
        return []
    out = []
    for item in found:
        if not isinstance(item, Mapping) or not isinstance(item.get("category"), str):
            continue
        polarity = item.get("polarity")
        out.append(
            AspectView(
                category=item["category"],
                polarity=polarity if isinstance(polarity, str) else None,
                terms=tuple(_strings(item.get("terms"))),
            )
        )
    return out[:MAX_SHOWN]
