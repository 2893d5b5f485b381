"""The labels of the three labelling tasks: what each accepts and how it is stored."""

from __future__ import annotations

import pytest

from resonanz.analysis.tasklabels import LABEL_TASKS, canonical_label
from resonanz.errors import ValidationError


@pytest.mark.parametrize(
    ("task", "value", "stored"),
    [
        ("sentiment", " Positive ", "positive"),
        ("sentiment", "NEGATIVE", "negative"),
        ("relevance", "True", "true"),
        ("relevance", "1", "true"),
        ("relevance", "yes", "true"),
        ("relevance", "No", "false"),
        ("relevance", "0", "false"),
        (
            "aspects",
            "Zugfahrt#Haupt:negative Allgemein#Haupt:neutral",
            "Allgemein:neutral;Zugfahrt:negative",
        ),
        (
            "aspects",
            "Pünktlichkeit und Zugfahrt:negative; Preis:positive",
            "Preis:positive;Pünktlichkeit und Zugfahrt:negative",
        ),
        ("aspects", "", "none"),
        ("aspects", "None", "none"),
        ("aspects", "-", "none"),
    ],
)
def test_labels_in_their_stored_form(task: str, value: str, stored: str) -> None:
    assert canonical_label(task, value) == stored


@pytest.mark.parametrize(
    ("task", "value", "message"),
    [
        (
            "sentiment",
            "great",
            "unknown sentiment label 'great' (allowed: negative, neutral, positive)",
        ),
        ("sentiment", "", "unknown sentiment label ''"),
        ("relevance", "maybe", "unknown relevance label 'maybe' (allowed: true, false"),
        ("aspects", "Preis:super", "bad aspects label 'Preis:super': cannot read 'Preis:super'"),
        ("aspects", ":negative", "bad aspects label ':negative'"),
    ],
)
def test_bad_labels_say_what_is_wrong(task: str, value: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        canonical_label(task, value)
    assert message in str(info.value)
    assert not isinstance(info.value, ValidationError)


def test_unknown_task() -> None:
    assert LABEL_TASKS == ("sentiment", "relevance", "aspects")
    with pytest.raises(
        ValidationError, match="unknown task 'emotion'; known: sentiment, relevance, aspects"
    ):
        canonical_label("emotion", "positive")
