"""Run a text classifier over a labelled dataset and measure it: the work behind `resonanz eval`.

The classifier is the shipped default for the task or one trained on another labelled
file (``--train``). Predictions run in batches of ``BATCH_SIZE`` like the pipeline's;
``posts_per_s`` counts only the time spent in ``predict`` (loading or training the model,
and a first call on one text that lets lazily loaded parts load, are reported apart as
``load_s``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resonanz.analysis.base import RELEVANCE_LABELS, SENTIMENT_LABELS, TextClassifier
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.evaluation.datasets import Dataset, Example, load_dataset
from resonanz.evaluation.metrics import classification_report

__all__ = [
    "BATCH_SIZE",
    "TASK_LABELS",
    "GoldSet",
    "default_classifier",
    "evaluate",
    "gold_set",
    "rounded_report",
    "run_eval",
    "text_overlap",
    "train_on",
]

Progress = Callable[[str, int, int], None]
BATCH_SIZE = 500
TASK_LABELS: Mapping[str, tuple[str, ...]] = {
    "sentiment": SENTIMENT_LABELS,
    "relevance": RELEVANCE_LABELS,
}
_DIGITS = 4


@dataclass(frozen=True)
class GoldSet:
    """The texts of a dataset labelled for one task, with their gold labels and languages."""

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    langs: tuple[str | None, ...]
    dropped: Mapping[str, int] = field(default_factory=dict)


def _gold_label(example: Example, task: str) -> str | None:
    if task == "sentiment":
        return example.label
    if example.relevant is None:
        return None
    return "true" if example.relevant else "false"


def _check_task(task: str) -> tuple[str, ...]:
    try:
        return TASK_LABELS[task]
    except KeyError:
        known = ", ".join(TASK_LABELS)
        raise ValidationError(f"unknown task {task!r}; known: {known}") from None


def gold_set(dataset: Dataset, task: str, *, limit: int | None = None) -> GoldSet:
    """The examples labelled for ``task`` (the first ``limit`` of them), others counted as
    dropped; ValidationError when no example carries that task's label."""
    _check_task(task)
    dropped: Counter[str] = Counter(dataset.dropped)
    chosen: list[tuple[Example, str]] = []
    for example in dataset.examples:
        label = _gold_label(example, task)
        if label is None:
            dropped[f"no {task} label"] += 1
        elif limit is None or len(chosen) < limit:
            chosen.append((example, label))
    if not chosen:
        hint = {
            "relevance": "the germeval format and CSV files with a 'relevant' column have them",
            "sentiment": "CSV files need a 'label' column with negative, neutral or positive",
        }[task]
        raise ValidationError(
            f"{dataset.path}: no example labelled for {task} in this {dataset.format} file ({hint})"
        )
    return GoldSet(
        texts=tuple(e.text for e, _ in chosen),
        labels=tuple(label for _, label in chosen),
        langs=tuple(e.lang for e, _ in chosen),
        dropped=dict(dropped),
    )


def default_classifier(task: str) -> TextClassifier:
    """The model Resonanz ships for ``task``; ValidationError where there is none."""
    _check_task(task)
    if task == "sentiment":
        from resonanz.analysis.sentiment import default_sentiment

        model: TextClassifier = default_sentiment()
        return model
    raise ValidationError(
        f"Resonanz ships no default {task} model: pass --train PATH (a labelled file such as "
        f"GermEval 2017 or a CSV with text and relevant columns) to evaluate a {task} "
        "classifier trained on it, or train a workspace model with `resonanz train relevance`"
    )


def train_on(task: str, gold: GoldSet, *, progress: Progress | None = None) -> TextClassifier:
    """A classifier trained on ``gold`` (``resonanz.analysis.training``)."""
    from resonanz.analysis.training import train_classifier

    model: TextClassifier = train_classifier(
        task, gold.texts, gold.labels, gold.langs, progress=progress
    )
    return model


def _predict(
    classifier: TextClassifier, gold: GoldSet, progress: Progress | None
) -> tuple[list[str], float]:
    """Predicted labels of every gold text, and the seconds spent in ``predict``."""
    predicted: list[str] = []
    elapsed = 0.0
    total = len(gold.texts)
    for start in range(0, total, BATCH_SIZE):
        texts = gold.texts[start : start + BATCH_SIZE]
        langs = gold.langs[start : start + BATCH_SIZE]
        began = time.perf_counter()
        predictions = classifier.predict(texts, langs)
        elapsed += time.perf_counter() - began
        if len(predictions) != len(texts):
            raise ValidationError(
                f"model {classifier.name!r} returned {len(predictions)} predictions "
                f"for {len(texts)} texts"
            )
        predicted.extend(p.label for p in predictions)
        if progress is not None:
            progress("predict", len(predicted), total)
    return predicted, elapsed


def evaluate(
    classifier: TextClassifier, gold: GoldSet, task: str, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Predict every gold text and return the figures (see ``classification_report``),
    with ``posts_per_s``, ``seconds`` (time in ``predict``), ``model`` and ``labels``."""
    labels = _check_task(task)
    if classifier.task != task:
        raise ValidationError(f"model {classifier.name!r} is a {classifier.task} model, not {task}")
    predicted, elapsed = _predict(classifier, gold, progress)
    unknown = sorted(set(predicted) - set(labels))
    if unknown:
        raise ValidationError(
            f"model {classifier.name!r} predicted label(s) {', '.join(map(repr, unknown))}; "
            f"{task} labels are {', '.join(labels)}"
        )
    report = classification_report(gold.labels, predicted, labels)
    return {
        **report,
        "posts_per_s": round(len(predicted) / max(elapsed, 1e-9), 1),
        "seconds": round(elapsed, 3),
        "model": classifier.name,
        "labels": list(labels),
    }


def rounded_report(value: Any) -> Any:
    """Floats rounded to four places, all the way down (for reports people read)."""
    if isinstance(value, float):
        return round(value, _DIGITS)
    if isinstance(value, Mapping):
        return {k: rounded_report(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded_report(v) for v in value]
    return value


def text_overlap(test: Sequence[str], train: Sequence[str]) -> int:
    """How many test texts also occur (whitespace-trimmed) in the training texts."""
    seen = {t.strip() for t in train}
    return sum(1 for t in test if t.strip() in seen)


def run_eval(
    task: str,
    dataset_path: Path | str,
    fmt: str,
    *,
    train_path: Path | str | None = None,
    train_fmt: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Load the dataset, get the classifier (default or trained on ``train_path``),
    evaluate it; return one JSON-ready report. With ``settings`` naming another sentiment
    backend (``sentiment_backend = "transformer"``), that backend is evaluated."""
    _check_task(task)
    if limit is not None and limit < 1:
        raise ValidationError("--limit must be at least 1")
    dataset = load_dataset(dataset_path, fmt)
    gold = gold_set(dataset, task, limit=limit)
    training: dict[str, Any] | None = None
    began = time.perf_counter()
    if train_path is None and task == "sentiment" and settings is not None:
        from resonanz.analysis.sentiment import configured_sentiment

        classifier = (
            default_classifier(task)
            if settings.sentiment_backend == "default"
            else configured_sentiment(settings)
        )
    elif train_path is None:
        classifier = default_classifier(task)
    else:
        train_data = load_dataset(train_path, train_fmt or fmt)
        train_gold = gold_set(train_data, task)
        classifier = train_on(task, train_gold, progress=progress)
        training = {
            "path": str(train_data.path),
            "format": train_data.format,
            "n": len(train_gold.texts),
            "dropped": dict(train_gold.dropped),
            "overlap": text_overlap(gold.texts, train_gold.texts),
            "seconds": round(time.perf_counter() - began, 3),
            "quality": dict(getattr(classifier, "quality", {}) or {}),
        }
    # One text first, so that models loading lazily on their first call count as load
    # time, not against the throughput.
    classifier.predict(gold.texts[:1], gold.langs[:1])
    load_s = time.perf_counter() - began
    figures = evaluate(classifier, gold, task, progress=progress)
    report: dict[str, Any] = rounded_report(
        {
            "task": task,
            "dataset": str(dataset.path),
            "format": dataset.format,
            **figures,
            "load_s": round(load_s, 3),
            "dropped": dict(gold.dropped),
            "train": training,
        }
    )
    return report
