"""The contract every text classifier keeps: the default models, trained ones, plugins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
RELEVANCE_LABELS: tuple[str, ...] = ("false", "true")


@dataclass(frozen=True)
class Prediction:
    """One text's label, a score and the probability of every label.

    ``score`` is, for sentiment, p(positive) - p(negative) in [-1, 1]; for other tasks the
    probability of the chosen label.
    """

    label: str
    score: float
    probs: Mapping[str, float]


class TextClassifier(Protocol):
    """Labels texts; ``langs`` (ISO 639-1 or None per text) lets a model pick its language."""

    task: str
    labels: tuple[str, ...]
    name: str

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]: ...
