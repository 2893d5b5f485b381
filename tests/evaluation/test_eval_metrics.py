"""classification_report: hand-computed cases, degenerate ones, and scikit-learn as referee."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    recall_score,
)

from resonanz.errors import ValidationError
from resonanz.evaluation import classification_report

LABELS = ("negative", "neutral", "positive")


def test_hand_computed() -> None:
    gold = ["negative", "negative", "neutral", "neutral", "positive", "positive"]
    pred = ["negative", "neutral", "neutral", "neutral", "neutral", "positive"]
    report = classification_report(gold, pred, LABELS)
    assert report["n"] == 6
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["micro_f1"] == pytest.approx(4 / 6)
    # negative P 1/1 R 1/2 F 2/3; neutral P 2/4 R 2/2 F 2/3; positive P 1/1 R 1/2 F 2/3
    assert report["per_class"]["neutral"] == pytest.approx(
        {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 2}
    )
    assert report["macro_f1"] == pytest.approx(2 / 3)
    assert report["macro_recall"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert report["confusion"] == [[1, 1, 0], [0, 2, 0], [0, 1, 1]]


def test_class_never_predicted_gives_zero() -> None:
    gold = ["negative", "neutral", "positive", "positive"]
    pred = ["neutral", "neutral", "neutral", "neutral"]
    report = classification_report(gold, pred, LABELS)
    assert report["per_class"]["positive"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 2,
    }
    assert report["per_class"]["neutral"]["precision"] == pytest.approx(0.25)
    assert report["macro_recall"] == pytest.approx(1 / 3)


def test_label_absent_from_gold_and_predictions_is_left_out_of_macro() -> None:
    report = classification_report(["true", "true"], ["true", "true"], ("false", "true"))
    assert report["macro_f1"] == 1.0 and report["macro_recall"] == 1.0
    assert report["per_class"]["false"]["support"] == 0
    assert report["confusion"] == [[0, 0], [0, 2]]


def test_empty_input() -> None:
    report = classification_report([], [], LABELS)
    assert report["n"] == 0 and report["accuracy"] == 0.0 and report["macro_f1"] == 0.0


def test_bad_input() -> None:
    with pytest.raises(ValidationError, match="2 gold labels but 1 predictions"):
        classification_report(["negative", "neutral"], ["neutral"], LABELS)
    with pytest.raises(ValidationError, match="label 'mixed' is not one of"):
        classification_report(["mixed"], ["neutral"], LABELS)
    with pytest.raises(ValidationError, match="labels repeat"):
        classification_report([], [], ("a", "a"))


@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_sklearn(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 300)
    # Some seeds never predict a class, or have a class missing from the gold labels.
    gold_choices = LABELS if seed % 3 else LABELS[:2]
    pred_choices = LABELS if seed % 2 else ("neutral", "positive")
    gold = [rng.choice(gold_choices) for _ in range(n)]
    pred = [rng.choice(pred_choices) for _ in range(n)]
    report = classification_report(gold, pred, LABELS)
    present = sorted(set(gold) | set(pred))
    assert report["accuracy"] == pytest.approx(accuracy_score(gold, pred))
    assert report["micro_f1"] == pytest.approx(f1_score(gold, pred, average="micro"))
    assert report["macro_f1"] == pytest.approx(
        f1_score(gold, pred, labels=present, average="macro", zero_division=0)
    )
    assert report["macro_recall"] == pytest.approx(
        recall_score(gold, pred, labels=present, average="macro", zero_division=0)
    )
    assert report["confusion"] == confusion_matrix(gold, pred, labels=list(LABELS)).tolist()
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=list(LABELS), zero_division=0
    )
    for i, label in enumerate(LABELS):
        row = report["per_class"][label]
        assert row["precision"] == pytest.approx(precision[i])
        assert row["recall"] == pytest.approx(recall[i])
        assert row["f1"] == pytest.approx(f1[i])
        assert row["support"] == support[i]
