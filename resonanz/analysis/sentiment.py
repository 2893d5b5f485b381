"""Sentiment: the shipped German and English default models, and the enricher that uses them.

The defaults are linear models over ``textfeatures`` (words, bigrams, negation scope,
lexicon polarity, emoji, elongation, intensifiers), trained by
``scripts/train_sentiment.py`` on licence-clean data only; see
``resonanz/data/models/MODEL_CARD.md`` for what they were trained on and how good they are.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from resonanz.analysis.base import SENTIMENT_LABELS, Prediction
from resonanz.analysis.batch import each_or_skip
from resonanz.analysis.langguess import guess_language
from resonanz.analysis.linear import LinearModel
from resonanz.analysis.textfeatures import MAX_CHARS, features
from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.hookspecs import hookimpl
from resonanz.models import Mention, titled_text

MODEL_LANGUAGES: tuple[str, ...] = ("de", "en")
# Texts longer than a tweet get LONG_TEXT_PRIOR * ln(1 + (len - 140) / 140) added to the
# neutral score (chosen on GermEval 2017 dev as a single prior, see MODEL_CARD.md).
TWEET_LENGTH = 140
LONG_TEXT_PRIOR = 1.0
# The boolean options of textfeatures.features a model's meta may switch on.
# Predictions the shared default model keeps (LanguageModels.remember): more than a batch.
SHARED_PREDICTIONS = 4_096
FEATURE_OPTIONS: tuple[str, ...] = ("char_ngrams", "stems", "symbols", "lexicons", "emotions")


def probabilities_to_prediction(labels: Sequence[str], probs: Sequence[float]) -> Prediction:
    """The label with the highest probability; for sentiment the score is p(pos) - p(neg)."""
    table = {label: round(float(p), 4) for label, p in zip(labels, probs, strict=True)}
    best = max(table, key=lambda label: table[label])
    if set(labels) == set(SENTIMENT_LABELS):
        score = table["positive"] - table["negative"]
    else:
        score = table[best]
    return Prediction(label=best, score=round(score, 4), probs=table)


# What a prediction depends on: the model's language, the text the features read, and
# the length the long-text prior reads (so a remembered long text costs MAX_CHARS).
_Key = tuple[str, str, int]


def _key(lang: str, text: str) -> _Key:
    return (lang, text[:MAX_CHARS], len(text))


class LanguageModels:
    """One linear model per language behind the TextClassifier contract."""

    def __init__(
        self,
        task: str,
        name: str,
        models: Mapping[str, LinearModel],
        fallback: str,
        *,
        remember: int = 0,
    ) -> None:
        self.task = task
        self.name = name
        self.models = dict(models)
        self.fallback = fallback
        self.labels = next(iter(self.models.values())).labels
        # The last ``remember`` predictions by (model language, text): the default model
        # is asked about one batch by the sentiment enricher and again for the stacked
        # features of a workspace's trained classifiers.
        self._remember = remember
        self._recent: OrderedDict[_Key, Prediction] = OrderedDict()
        self._lock = threading.Lock()

    def model_for(self, lang: str | None, text: str) -> str:
        """The language whose model reads this text."""
        if lang in self.models:
            return lang
        if lang is None and len(self.models) > 1:
            return guess_language(text)
        return self.fallback

    def _long_text_prior(self, model: LinearModel, lengths: Sequence[int]) -> np.ndarray | None:
        """Lean to neutral beyond tweet length: the defaults learnt from tweets, and longer
        texts (articles, press releases, long comments) carry many polar words while being
        neutral about the brand far more often."""
        if self.task != "sentiment" or "neutral" not in model.labels:
            return None
        bias = np.zeros((len(lengths), len(model.labels)))
        over = np.maximum(np.asarray(lengths, dtype=float) - TWEET_LENGTH, 0.0)
        bias[:, model.labels.index("neutral")] = LONG_TEXT_PRIOR * np.log1p(over / TWEET_LENGTH)
        return bias

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]:
        """Predict every text with the model of its language (batched per language)."""
        chosen = [
            self.model_for(langs[i] if langs is not None else None, text)
            for i, text in enumerate(texts)
        ]
        out: list[Prediction | None] = [None] * len(texts)
        if self._remember:
            with self._lock:
                for i, text in enumerate(texts):
                    out[i] = self._recent.get(_key(chosen[i], text))
        for lang, model in self.models.items():
            rows = [i for i, c in enumerate(chosen) if c == lang and out[i] is None]
            if not rows:
                continue
            # The feature options the model was trained with (absent: off).
            options = {name: bool(model.meta.get(name, False)) for name in FEATURE_OPTIONS}
            probs = model.predict_proba(
                [features(texts[i], lang, **options) for i in rows],
                bias=self._long_text_prior(model, [len(texts[i]) for i in rows]),
            )
            for i, row in zip(rows, probs, strict=True):
                out[i] = probabilities_to_prediction(model.labels, row)
            if self._remember:
                self._keep([(_key(lang, texts[i]), out[i]) for i in rows])
        return [p for p in out if p is not None]

    def _keep(self, predictions: Sequence[tuple[_Key, Prediction | None]]) -> None:
        with self._lock:
            for key, prediction in predictions:
                if prediction is not None:
                    self._recent[key] = prediction
            while len(self._recent) > self._remember:
                self._recent.popitem(last=False)


def _shipped(lang: str) -> LinearModel:
    path = resources.files("resonanz").joinpath("data", "models", f"sentiment-{lang}.npz")
    return LinearModel.from_bytes(path.read_bytes(), f"shipped model sentiment-{lang}.npz")


@lru_cache(maxsize=1)
def default_sentiment() -> LanguageModels:
    """The shipped German and English sentiment models (loaded once per process)."""
    models = {lang: _shipped(lang) for lang in MODEL_LANGUAGES}
    version = models["de"].meta.get("version", "1")
    return LanguageModels(
        "sentiment",
        f"resonanz-sentiment-{version}",
        models,
        fallback="de",
        remember=SHARED_PREDICTIONS,
    )


class SentimentEnricher:
    """Sets ``enrichments["sentiment"] = {label, score, model}`` on German and English
    mentions (other languages are left without sentiment rather than guessed)."""

    name = "sentiment"
    before_match = False

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.sentiment_analysis
        self.settings = settings
        self.classifier: Any = None

    def enrich(self, mentions: Sequence[Mention]) -> list[Mention]:
        """Return the mentions with their sentiment."""
        out = list(mentions)
        if not self.enabled:
            return out
        if self.classifier is None:
            self.classifier = configured_sentiment(self.settings)
        todo = [i for i, m in enumerate(mentions) if m.lang in MODEL_LANGUAGES or m.lang is None]
        rows = [(titled_text(mentions[i].title, mentions[i].text), mentions[i].lang) for i in todo]
        predictions = each_or_skip("sentiment", rows, self._predict)
        for i, prediction in zip(todo, predictions, strict=True):
            if prediction is None:
                continue
            mention = out[i]
            out[i] = mention.with_fields(
                enrichments={
                    **mention.enrichments,
                    "sentiment": {
                        "label": prediction.label,
                        "score": prediction.score,
                        "model": self.classifier.name,
                    },
                }
            )
        return out

    def for_workspace(self, models: Mapping[str, Any]) -> SentimentEnricher:
        """A copy that uses the workspace's trained sentiment model (``models["sentiment"]``,
        see ``resonanz train sentiment``); this enricher itself where there is none."""
        trained = models.get("sentiment")
        if trained is None or not self.enabled:
            return self
        bound = copy.copy(self)
        bound.classifier = trained
        return bound

    def _predict(self, rows: Sequence[tuple[str, str | None]]) -> list[Prediction]:
        return list(self.classifier.predict([r[0] for r in rows], [r[1] for r in rows]))


def configured_sentiment(settings: Settings) -> Any:
    """The classifier ``sentiment_backend`` names: the shipped default or a local transformer."""
    if settings.sentiment_backend == "transformer":
        # Imported here: the transformer module builds on this one.
        from resonanz.analysis.transformer import TransformerSentiment

        return TransformerSentiment.from_settings(settings)
    if settings.sentiment_backend != "default":
        backend = settings.sentiment_backend
        raise ConfigError(f"setting 'sentiment_backend': {backend!r} is not default or transformer")
    return default_sentiment()


@hookimpl
def register_enrichers() -> list[Any]:
    """Register the sentiment enricher class (instantiated with settings by the pipeline)."""
    return [SentimentEnricher]
