"""Classification figures in pure Python: accuracy, micro/macro F1, macro recall, confusion.

Averages follow scikit-learn's defaults with ``zero_division=0``: a class that is never
predicted has precision 0, a class with no gold example recall 0, and their F1 is 0, not
an error. Macro averages run over the labels that occur in the gold labels or in the
predictions (a label in neither says nothing about the classifier); ``per_class`` and
``confusion`` list every label given, in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resonanz.errors import ValidationError

__all__ = ["classification_report"]


def _ratio(part: float, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def classification_report(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Figures of ``predicted`` against ``gold`` over ``labels`` (single-label, any number).

    Returns ``accuracy``, ``micro_f1``, ``macro_f1``, ``macro_recall``, ``n``,
    ``per_class`` {label: {precision, recall, f1, support}} and ``confusion`` (rows gold,
    columns predicted, both in the order of ``labels``). ValidationError when the lengths
    differ or a label is not among ``labels``.
    """
    if len(gold) != len(predicted):
        raise ValidationError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    if len(index) != len(labels):
        raise ValidationError(f"labels repeat: {', '.join(labels)}")
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        if g not in index or p not in index:
            bad = g if g not in index else p
            raise ValidationError(f"label {bad!r} is not one of {', '.join(labels)}")
        confusion[index[g]][index[p]] += 1
    n = len(gold)
    per_class: dict[str, dict[str, float | int]] = {}
    seen: list[str] = []
    for label, i in index.items():
        tp = confusion[i][i]
        support = sum(confusion[i])
        predicted_count = sum(row[i] for row in confusion)
        precision = _ratio(tp, predicted_count)
        recall = _ratio(tp, support)
        per_class[label] = {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "support": support,
        }
        if support or predicted_count:
            seen.append(label)
    correct = sum(confusion[i][i] for i in range(len(labels)))
    # Every example has exactly one gold and one predicted label, so the summed false
    # positives equal the summed false negatives and micro P = micro R = micro F1 = accuracy.
    accuracy = _ratio(correct, n)
    return {
        "accuracy": accuracy,
        "micro_f1": accuracy,
        "macro_f1": _ratio(sum(float(per_class[x]["f1"]) for x in seen), len(seen)),
        "macro_recall": _ratio(sum(float(per_class[x]["recall"]) for x in seen), len(seen)),
        "n": n,
        "per_class": per_class,
        "confusion": confusion,
    }
