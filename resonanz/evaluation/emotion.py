"""`resonanz eval emotion`: the emotion enricher against labelled data.

The enricher (``resonanz.analysis.emotion``) runs over the texts as the pipeline runs it,
in batches of ``BATCH_SIZE``, each text with its dataset's language (de for GermEval and
SB10k/PotTS, en for TweetEval, a CSV's ``lang`` column, else guessed as the enricher
guesses). A text's emotions are those with a score above 0; its top emotion is the
enricher's ``top``.

Two measures, by the kind of labels the dataset has:

- **emotions** (the ``emotions`` format: gold emotions per text), the real measure,
  multi-label over (text, emotion) pairs (``aspects.pair_figures``): per-emotion
  precision/recall/F1, micro and macro F1, ``macro_recall``; ``accuracy`` is the share
  of texts whose top emotion is among their gold emotions, over the texts that have one;
  ``exact_match`` the share whose emotion set is exactly the gold set.
- **valence proxy** (a sentiment-labelled dataset): each text's top emotion is mapped to
  a valence (``VALENCE``: joy and trust positive, anger, disgust, fear and sadness
  negative; surprise, anticipation and no emotion neutral) and compared with the gold
  sentiment (``classification_report``). It checks that the emotions found point the
  right way, not that the right emotion was found; ``by_emotion`` gives, per top emotion,
  how many texts had it and the shares of their gold sentiments.

Both give ``coverage``, the share of texts that got any emotion, and ``posts_per_s``
(time spent in the enricher only, after a first call on one text that loads the
lexicons).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.analysis.emotion import EmotionEnricher
from resonanz.analysis.emotion_labels import EMOTIONS, top_emotion
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.evaluation.aspects import pair_figures
from resonanz.evaluation.datasets import load_dataset
from resonanz.evaluation.metrics import classification_report
from resonanz.evaluation.runner import BATCH_SIZE, gold_set, rounded_report
from resonanz.models import Mention

__all__ = [
    "VALENCE",
    "Emotions",
    "emotion_figures",
    "run_emotion_eval",
    "valence",
    "valence_figures",
]

Progress = Callable[[str, int, int], None]
VALENCE: Mapping[str, str] = {
    "joy": "positive",
    "trust": "positive",
    "anger": "negative",
    "disgust": "negative",
    "fear": "negative",
    "sadness": "negative",
}
# What the enricher found in one text: its top emotion and every emotion scored above 0.
Emotions = tuple[str | None, frozenset[str]]


def valence(top: str | None) -> str:
    """The sentiment a top emotion points to (None, surprise, anticipation: neutral)."""
    return VALENCE.get(top or "", "neutral")


def read_all(
    texts: Sequence[str], langs: Sequence[str | None], progress: Progress | None = None
) -> tuple[list[Emotions], float]:
    """What the emotion enricher finds in every text, and the seconds it spent."""
    enricher = EmotionEnricher(Settings(emotion_analysis=True))
    now = datetime.now(UTC)
    found: list[Emotions] = []
    # One text first: the lexicons load on the first call, which is not throughput.
    enricher.enrich([Mention("eval", "0", texts[0], now, lang=langs[0])] if texts else [])
    elapsed = 0.0
    for start in range(0, len(texts), BATCH_SIZE):
        mentions = [
            Mention("eval", str(i), texts[i], now, lang=langs[i])
            for i in range(start, min(start + BATCH_SIZE, len(texts)))
        ]
        began = time.perf_counter()
        enriched = enricher.enrich(mentions)
        elapsed += time.perf_counter() - began
        for mention in enriched:
            scores = mention.enrichments.get("emotion", {}).get("scores", {})
            chosen = frozenset(e for e in EMOTIONS if scores.get(e, 0) > 0)
            found.append((top_emotion(mention.enrichments), chosen))
        if progress is not None:
            progress("emotions", len(found), len(texts))
    return found, elapsed


def _coverage(found: Sequence[Emotions]) -> float:
    return sum(1 for top, _ in found if top is not None) / len(found) if found else 0.0


def valence_figures(gold: Sequence[str], found: Sequence[Emotions]) -> dict[str, Any]:
    """The valence proxy: ``classification_report`` of the gold sentiments against the
    valence of each top emotion, ``coverage`` and ``by_emotion``."""
    predicted = [valence(top) for top, _ in found]
    report = classification_report(gold, predicted, SENTIMENT_LABELS)
    by_emotion: dict[str, dict[str, Any]] = {}
    for emotion in EMOTIONS:
        labels = [g for g, (top, _) in zip(gold, found, strict=True) if top == emotion]
        shares = {s: (labels.count(s) / len(labels) if labels else None) for s in SENTIMENT_LABELS}
        by_emotion[emotion] = {"n": len(labels), **shares}
    return {
        **report,
        "labels": list(SENTIMENT_LABELS),
        "coverage": _coverage(found),
        "by_emotion": by_emotion,
    }


def emotion_figures(gold: Sequence[frozenset[str]], found: Sequence[Emotions]) -> dict[str, Any]:
    """The multi-label measure of the found emotions against the gold ones."""
    figures = pair_figures(gold, [chosen for _, chosen in found], key=str)
    per_category = figures["per_category"]
    empty = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 0}
    labelled = [(g, top) for g, (top, _) in zip(gold, found, strict=True) if g]
    hits = sum(1 for g, top in labelled if top in g)
    return {
        "accuracy": hits / len(labelled) if labelled else 0.0,
        "micro_f1": figures["micro_f1"],
        "macro_f1": figures["macro_f1"],
        "macro_recall": figures["macro_recall"],
        "precision": figures["precision"],
        "recall": figures["recall"],
        "exact_match": figures["accuracy"],
        "coverage": _coverage(found),
        "n": len(gold),
        "n_with_emotions": len(labelled),
        "labels": list(EMOTIONS),
        "per_class": {e: per_category.get(e, empty) for e in EMOTIONS},
    }


def run_emotion_eval(
    dataset_path: Path | str,
    fmt: str,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Load the dataset, run the emotion enricher over it, measure; one JSON-ready report
    (``measure``: "emotions" for the ``emotions`` format, "valence proxy" otherwise)."""
    if limit is not None and limit < 1:
        raise ValidationError("--limit must be at least 1")
    dataset = load_dataset(dataset_path, fmt)
    if dataset.format == "emotions":
        examples = dataset.examples[:limit]
        found, elapsed = read_all([e.text for e in examples], [e.lang for e in examples], progress)
        gold = [frozenset(e.emotions or ()) for e in examples]
        dropped = dict(dataset.dropped)
        figures = emotion_figures(gold, found)
        measure = "emotions"
    else:
        sentiments = gold_set(dataset, "sentiment", limit=limit)
        found, elapsed = read_all(sentiments.texts, sentiments.langs, progress)
        figures = valence_figures(sentiments.labels, found)
        dropped, measure = dict(sentiments.dropped), "valence proxy"
    report: dict[str, Any] = rounded_report(
        {
            "task": "emotion",
            "measure": measure,
            "dataset": str(dataset.path),
            "format": dataset.format,
            **figures,
            "posts_per_s": round(len(found) / max(elapsed, 1e-9), 1),
            "seconds": round(elapsed, 3),
            "dropped": dropped,
        }
    )
    return report
