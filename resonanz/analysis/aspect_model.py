"""A workspace-trained aspect classifier: which categories a text talks about, and in
what tone (trained by ``aspect_training.train_aspect_classifier``).

Two linear models over the features of the workspace's relevance classifier (words, word
pairs and character n-grams of the first 5,000 characters, @handles, link domains, the
default sentiment model's probabilities; ``training.document_features``) plus what the
term lists found (``x:a:<category>`` and ``x:ap:<category>:<polarity>`` for every
category of the category file the model was trained with; the file's text travels in the
model, so a later edit of the workspace's file does not shift the model's features):

- ``presence``: one logistic regression per category (one-vs-rest, a column each); a
  category is found where its probability reaches ``threshold`` (chosen by
  cross-validation in training);
- ``polarity``: one 3-class model over the text's features plus the category
  (``x:c:<category>``); since the model is linear, the polarity scores of a text for a
  category are its text scores plus the category's weights.

A model file is one ``.npz`` (both models' ``LinearModel`` bytes and the meta as JSON):
no pickle, so a model file cannot run code.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from resonanz.analysis.aspectfile import AspectCategory, parse_categories
from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.analysis.linear import FeatureDict, LinearModel
from resonanz.errors import ConfigError

__all__ = [
    "FORMAT",
    "AspectModel",
    "FoundAspect",
    "add_term_features",
    "category_feature",
]

FORMAT = "resonanz-trained-aspects"
FORMAT_VERSION = 1
CATEGORY_PREFIX = "x:c:"


@dataclass(frozen=True)
class FoundAspect:
    """A category the model finds in a text, its polarity and the category's probability."""

    category: str
    polarity: str
    probability: float


def category_feature(category: str) -> str:
    """The feature that names the category in the polarity model."""
    return CATEGORY_PREFIX + category


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(values, -50.0, 50.0))))


class AspectModel:
    """The trained presence and polarity models with the term lists they read."""

    def __init__(self, presence: LinearModel, polarity: LinearModel, meta: dict[str, Any]) -> None:
        self.presence = presence
        self.polarity = polarity
        self.meta = meta
        self.name: str = str(meta["name"])
        self.task = "aspects"
        self.categories: tuple[str, ...] = presence.labels
        self.threshold = float(meta["threshold"])
        self.quality: dict[str, Any] = dict(meta.get("quality") or {})
        self.params: dict[str, Any] = dict(meta.get("params") or {})
        terms = meta.get("term_categories")
        self.term_categories: tuple[AspectCategory, ...] = (
            parse_categories(str(terms["source"]), f"model {self.name}", fmt=str(terms["fmt"]))
            if isinstance(terms, dict)
            else ()
        )
        self._analyzer: Any = None
        self._category_rows = np.asarray(
            [polarity.vocab.get(category_feature(c), -1) for c in self.categories], dtype=np.intp
        )

    def __repr__(self) -> str:
        return f"AspectModel({self.name!r}, {len(self.categories)} categories)"

    def features(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[dict[str, float]]:
        """The feature dicts of texts (see the module docstring)."""
        from resonanz.analysis.training import FULL_TEXT_CHARS, document_features

        docs = document_features(
            texts, langs, stacked=True, full_text=True, head_chars=FULL_TEXT_CHARS
        )
        if self.term_categories:
            if self._analyzer is None:
                from resonanz.analysis.aspects import AspectAnalyzer

                self._analyzer = AspectAnalyzer(self.term_categories)
            add_term_features(self._analyzer, docs, texts, langs)
        return docs

    def probabilities(self, docs: Sequence[FeatureDict]) -> np.ndarray:
        """p(category named) per text and category, shape (len(docs), len(categories))."""
        return _sigmoid(self.presence.scores(docs) + self.presence.intercept)

    def polarities(self, docs: Sequence[FeatureDict]) -> np.ndarray:
        """The polarity label index per text and category, shape (len(docs), categories)."""
        text_scores = self.polarity.scores(docs) + self.polarity.intercept
        weights = np.where(
            self._category_rows[:, None] >= 0,
            self.polarity.coef[np.maximum(self._category_rows, 0)],
            0.0,
        )  # (categories, polarity labels)
        return np.asarray((text_scores[:, None, :] + weights[None, :, :]).argmax(axis=2))

    def decide(self, docs: Sequence[FeatureDict]) -> list[list[FoundAspect]]:
        """The categories found in each text, most probable first."""
        if not docs:
            return []
        probs = self.probabilities(docs)
        polarity = self.polarities(docs)
        out: list[list[FoundAspect]] = []
        for row in range(len(docs)):
            chosen = np.flatnonzero(probs[row] >= self.threshold)
            chosen = chosen[np.argsort(-probs[row][chosen], kind="stable")]
            out.append(
                [
                    FoundAspect(
                        self.categories[j],
                        self.polarity.labels[int(polarity[row, j])],
                        round(float(probs[row, j]), 4),
                    )
                    for j in chosen
                ]
            )
        return out

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[list[FoundAspect]]:
        """The categories of every text (``langs``: ISO 639-1 or None per text)."""
        resolved = list(langs) if langs is not None else [None] * len(texts)
        return self.decide(self.features(texts, resolved))

    def to_bytes(self) -> bytes:
        """The model file (``.npz``, no pickle)."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            presence=np.frombuffer(self.presence.to_bytes(), dtype=np.uint8),
            polarity=np.frombuffer(self.polarity.to_bytes(), dtype=np.uint8),
            meta=np.array(json.dumps(self.meta)),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes, where: str = "trained aspect model") -> AspectModel:
        """Load what ``to_bytes`` wrote; ConfigError for anything else."""
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
                presence = bytes(np.asarray(npz["presence"], dtype=np.uint8))
                polarity = bytes(np.asarray(npz["polarity"], dtype=np.uint8))
                meta = json.loads(str(npz["meta"]))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{where}: not a trained Resonanz aspect model ({exc})") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ConfigError(f"{where}: not a trained Resonanz aspect model")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ConfigError(
                f"{where}: aspect-model format {meta.get('format_version')!r}; this version "
                f"of Resonanz reads {FORMAT_VERSION} (train the model again)"
            )
        if not isinstance(meta.get("name"), str) or "threshold" not in meta:
            raise ConfigError(f"{where}: the model has no name or threshold")
        try:
            return cls(
                LinearModel.from_bytes(presence, where),
                LinearModel.from_bytes(polarity, where),
                meta,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: damaged aspect model ({exc})") from exc


def add_term_features(
    analyzer: Any, docs: Sequence[dict[str, float]], texts: Sequence[str], langs: Sequence[Any]
) -> None:
    """Add what the term lists found to every doc (``x:a:<category>``,
    ``x:ap:<category>:<polarity>``); the polarity of "document" categories is the default
    model's (its probabilities are in the docs as ``d:<label>``)."""
    labels = [_stacked_label(doc) for doc in docs]
    found = analyzer.analyze(list(texts), list(langs), document_labels=labels)
    for doc, aspects in zip(docs, found, strict=True):
        for aspect in aspects:
            doc["x:a:" + aspect.category] = 1.0
            doc[f"x:ap:{aspect.category}:{aspect.polarity}"] = 1.0


def _stacked_label(doc: FeatureDict) -> str | None:
    """The default model's label (``d:<label>`` features, document_features)."""
    probs = {label: doc[name] for label in SENTIMENT_LABELS if (name := "d:" + label) in doc}
    return max(probs, key=lambda k: probs[k]) if probs else None
