"""Workspace-trained classifiers: training, cross-validated quality, model files, bad input."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from resonanz.analysis import docfeatures, training
from resonanz.analysis.base import RELEVANCE_LABELS, SENTIMENT_LABELS, TextClassifier
from resonanz.analysis.linear import LinearModel
from resonanz.analysis.textfeatures import MAX_CHARS, features
from resonanz.analysis.training import (
    MIN_EXAMPLES,
    TrainedClassifier,
    stratified_folds,
    train_classifier,
)
from resonanz.errors import ConfigError, ValidationError

LABELS = Path(__file__).resolve().parent.parent / "payloads" / "labels"


def _rows(name: str) -> tuple[list[str], list[str], list[str | None]]:
    with (LABELS / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["label"] for r in rows], [r.get("lang") for r in rows]


@pytest.fixture
def one_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Train with a single (c, balance) candidate: the grid is tested once, with sentiment."""
    monkeypatch.setattr(training, "GRID", ((1.0, 0.0),))


@pytest.fixture(scope="module")
def sentiment() -> TrainedClassifier:
    texts, labels, langs = _rows("sentiment.csv")
    return train_classifier("sentiment", texts, labels, langs)


def test_sentiment_model_and_its_cross_validated_quality(sentiment: TrainedClassifier) -> None:
    texts, labels, _ = _rows("sentiment.csv")
    classifier: TextClassifier = sentiment
    assert (classifier.task, classifier.labels) == ("sentiment", SENTIMENT_LABELS)
    assert sentiment.name.startswith("trained-sentiment-") and len(sentiment.name) == 26
    quality = sentiment.quality
    assert quality["n"] == len(texts) == 36
    assert quality["folds"] == 5
    assert quality["micro_f1"] == quality["accuracy"]
    for key in ("macro_f1", "macro_recall"):
        assert 0.0 <= quality[key] <= 1.0
    assert sum(map(sum, quality["confusion"])) == 36
    assert [sum(row) for row in quality["confusion"]] == [12, 12, 12]
    assert set(quality["per_class"]) == set(SENTIMENT_LABELS)
    # 36 short sentences say little, but more than chance (1/3) held out...
    assert quality["accuracy"] > 0.45
    # ...and the model fits what it was trained on.
    predicted = [p.label for p in sentiment.predict(texts)]
    assert sum(p == g for p, g in zip(predicted, labels, strict=True)) >= 30
    assert sentiment.params["c"] > 0 and sentiment.stacked


def test_predictions_keep_the_contract(sentiment: TrainedClassifier) -> None:
    texts = ["Total genervt, schon wieder Verspätung!", "Thanks, a lovely ride.", ""]
    predictions = sentiment.predict(texts, ["de", None, None])
    assert len(predictions) == 3
    for p in predictions:
        assert p.label in SENTIMENT_LABELS
        assert set(p.probs) == set(SENTIMENT_LABELS)
        assert p.score == pytest.approx(p.probs["positive"] - p.probs["negative"], abs=1e-3)
    assert sentiment.predict([]) == []
    long_junk = "\x00\ufffd" * 50_000 + "schlecht"
    assert sentiment.predict([long_junk])[0].label in SENTIMENT_LABELS
    with pytest.raises(ValidationError, match="2 texts but 1 languages"):
        sentiment.predict(["a", "b"], ["de"])


def test_model_bytes_round_trip(sentiment: TrainedClassifier) -> None:
    blob = sentiment.to_bytes()
    assert blob[:2] == b"PK"  # a zip of .npy arrays: loads without pickle
    loaded = TrainedClassifier.from_bytes(blob)
    assert (loaded.name, loaded.task, loaded.quality) == (
        sentiment.name,
        sentiment.task,
        sentiment.quality,
    )
    texts = ["Der Zug ist sauber und pünktlich.", "Worst journey ever."]
    assert [p.probs for p in loaded.predict(texts)] == [p.probs for p in sentiment.predict(texts)]


def test_damaged_or_foreign_model_files_are_config_errors(sentiment: TrainedClassifier) -> None:
    with pytest.raises(ConfigError, match="not a Resonanz model file"):
        TrainedClassifier.from_bytes(b"not a model", "upload")
    model = sentiment.model
    plain = LinearModel(model.labels, {"w:zug": 0}, model.coef[:1], model.intercept)
    with pytest.raises(ConfigError, match="not a trained Resonanz classifier"):
        TrainedClassifier.from_bytes(plain.to_bytes())
    newer = LinearModel(
        plain.labels,
        plain.vocab,
        plain.coef,
        plain.intercept,
        {**sentiment.meta, "format_version": 99},
    )
    with pytest.raises(ConfigError, match="format 99"):
        TrainedClassifier.from_bytes(newer.to_bytes())


@pytest.mark.usefixtures("one_config")
def test_relevance_model() -> None:
    texts, labels, _ = _rows("relevance.csv")
    relevance = train_classifier("relevance", texts, labels, folds=4)
    assert (relevance.task, relevance.labels, relevance.stacked) == (
        "relevance",
        RELEVANCE_LABELS,
        False,
    )
    assert relevance.quality["folds"] == 4 and relevance.quality["n"] == 28
    assert relevance.params["column_weights"] == "log-count-ratio"
    prediction = relevance.predict(["Die Deutsche Bahn streicht Verbindungen nach Sylt."])[0]
    assert set(prediction.probs) == {"false", "true"}
    assert prediction.score == prediction.probs[prediction.label]
    # Relevance reads the words of the whole text, past the first MAX_CHARS.
    assert relevance.full_text and relevance.meta["full_text"] is True
    assert any(name.startswith(("f:", "g:")) for name in relevance.model.vocab)
    filler = "Lorem ipsum dolor sit amet. " * (MAX_CHARS // 20)
    late = [filler + "Die Deutsche Bahn streicht Verbindungen.", filler + "Sylt im Sommer."]
    loaded = TrainedClassifier.from_bytes(relevance.to_bytes())
    assert loaded.full_text
    assert [p.probs for p in loaded.predict(late)] == [p.probs for p in relevance.predict(late)]
    assert late[0][:MAX_CHARS] == late[1][:MAX_CHARS]  # only the full-text words tell them apart
    assert relevance.predict(late)[0].probs != relevance.predict(late)[1].probs
    # ... and its word trigrams, @handles and #hashtags kept as words.
    assert relevance.trigrams and loaded.trigrams and relevance.meta["trigrams"] is True
    # ... and the default features (words, character n-grams) of as much of it.
    assert relevance.head_chars == loaded.head_chars == docfeatures.FULL_TEXT_CHARS
    assert relevance.meta["head_chars"] == docfeatures.FULL_TEXT_CHARS


def test_default_features_read_max_chars() -> None:
    late = "Lorem ipsum dolor sit amet. " * (MAX_CHARS // 20) + "Zugausfall in Köln."
    head = features(late, "de", char_ngrams=True)
    assert head == features(late[:MAX_CHARS], "de", char_ngrams=True)  # the default
    whole = features(late, "de", char_ngrams=True, max_chars=docfeatures.FULL_TEXT_CHARS)
    assert "c:koel" in whole and "c:koel" not in head


@pytest.mark.usefixtures("one_config")
def test_relevance_learns_from_trigrams() -> None:
    texts, labels, _ = _rows("relevance.csv")
    extra = {
        "@DB_Bahn der Zug kommt wieder nicht": "true",
        "@DB_Bahn der Zug fällt aus": "true",
        "Bahn frei für den Sieger im Rennen": "false",
        "Bahn frei für die Jugend im Verein": "false",
    }
    relevance = train_classifier(
        "relevance", texts + list(extra), labels + list(extra.values()), folds=2
    )
    vocab = relevance.model.vocab
    assert {"t:@db_bahn|der|zug", "t:bahn|frei|fuer"} <= set(vocab)
    j = relevance.model.labels.index("true")
    assert relevance.model.coef[vocab["t:@db_bahn|der|zug"], j] > 0
    assert relevance.model.coef[vocab["t:bahn|frei|fuer"], j] < 0


def test_trigrams_keep_handles_and_hashtags_and_count_repeats() -> None:
    got = docfeatures._trigrams("@DB_Bahn der Zug kommt #Bahnchaos der Zug kommt")
    assert set(got) == {
        "t:@db_bahn|der|zug",
        "t:der|zug|kommt",
        "t:zug|kommt|#bahnchaos",
        "t:kommt|#bahnchaos|der",
        "t:#bahnchaos|der|zug",
    }
    assert got["t:der|zug|kommt"] > got["t:@db_bahn|der|zug"]  # twice: 1 + ln 2
    assert sum(w * w for w in got.values()) == pytest.approx(1.0)
    assert docfeatures._trigrams("zu kurz") == {}
    filler = "wort " * (docfeatures.FULL_TEXT_CHARS // 5)
    assert not any("spät" in name for name in docfeatures._trigrams(filler + "ganz zu spät"))


def test_a_relevance_file_from_before_trigrams_and_head_chars_reads_as_it_was_trained() -> None:
    texts, labels, _ = _rows("relevance.csv")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "GRID", ((1.0, 0.0),))
        patch.setattr(training, "_reads_trigrams", lambda task: False)
        patch.setattr(training, "_head_chars", lambda task: MAX_CHARS)
        before = train_classifier("relevance", texts, labels, folds=2)
    assert not before.trigrams
    model = before.model
    meta = {k: v for k, v in before.meta.items() if k not in ("trigrams", "head_chars")}
    older = TrainedClassifier.from_bytes(
        LinearModel(model.labels, model.vocab, model.coef, model.intercept, meta).to_bytes()
    )
    assert not older.trigrams and not any(name.startswith("t:") for name in model.vocab)
    assert older.head_chars == MAX_CHARS
    filler = "Lorem ipsum dolor sit amet. " * (MAX_CHARS // 20)
    probe = ["Die Deutsche Bahn streicht Verbindungen.", filler + "Die Bahn streicht Sylt."]
    assert [p.probs for p in older.predict(probe)] == [p.probs for p in before.predict(probe)]


def test_a_model_file_from_before_full_text_reads_as_it_was_trained(
    sentiment: TrainedClassifier,
) -> None:
    assert not sentiment.full_text  # sentiment reads the first MAX_CHARS only
    model = sentiment.model
    meta = {k: v for k, v in sentiment.meta.items() if k != "full_text"}
    older = TrainedClassifier.from_bytes(
        LinearModel(model.labels, model.vocab, model.coef, model.intercept, meta).to_bytes()
    )
    assert not older.full_text
    texts = ["Der Zug ist sauber und pünktlich.", "Worst journey ever."]
    assert [p.probs for p in older.predict(texts)] == [p.probs for p in sentiment.predict(texts)]


@pytest.mark.usefixtures("one_config")
def test_same_examples_same_model() -> None:
    texts, labels, _ = _rows("relevance.csv")
    first = train_classifier("relevance", texts, labels)
    again = train_classifier("relevance", list(reversed(texts)), list(reversed(labels)))
    assert first.name == again.name


@pytest.mark.usefixtures("one_config")
def test_two_of_three_sentiment_labels() -> None:
    texts, labels, langs = _rows("sentiment.csv")
    keep = [i for i, label in enumerate(labels) if label != "neutral"]
    model = train_classifier(
        "sentiment",
        [texts[i] for i in keep],
        [labels[i] for i in keep],
        [langs[i] for i in keep],
        name="mine",
    )
    assert model.name == "mine"
    prediction = model.predict(["Der Fahrplan ändert sich am Montag."])[0]
    assert prediction.probs["neutral"] == 0.0 and prediction.label != "neutral"
    assert model.quality["per_class"]["neutral"]["support"] == 0


@pytest.mark.usefixtures("one_config")
def test_progress_is_reported() -> None:
    texts, labels, _ = _rows("relevance.csv")
    stages: list[str] = []
    train_classifier("relevance", texts, labels, progress=lambda s, d, t: stages.append(s))
    assert stages == ["features", "choosing c=1 balance=0", "cross-validating", "training", "done"]


@pytest.mark.parametrize(
    ("task", "labels", "message"),
    [
        ("sentiment", ["positive", "negative"] * 9, f"at least {MIN_EXAMPLES} labelled"),
        ("sentiment", ["neutral"] * 30, "all 30 examples are labelled 'neutral'"),
        ("sentiment", ["positive"] * 25 + ["negative"], "'negative' have a single example"),
        (
            "sentiment",
            ["positive"] * 24 + ["good", "bad"],
            "unknown sentiment label(s) 'bad', 'good'",
        ),
        ("relevance", ["yes", "no"] * 12, "allowed: false, true"),
        ("emotion", ["joy"] * 30, "unknown task 'emotion'"),
    ],
)
def test_bad_training_input(task: str, labels: list[str], message: str) -> None:
    texts = [f"Satz Nummer {i}" for i in range(len(labels))]
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        train_classifier(task, texts, labels)


def test_mismatched_lengths() -> None:
    with pytest.raises(ValidationError, match="3 texts but 2 labels"):
        train_classifier("relevance", ["a", "b", "c"], ["true", "false"])
    with pytest.raises(ValidationError, match="2 texts but 1 languages"):
        train_classifier("relevance", ["a", "b"], ["true", "false"], ["de"])


def test_stratified_folds_cover_every_example_once() -> None:
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 3
    folds = stratified_folds(labels, 3)
    assert sorted(i for fold in folds for i in fold) == list(range(18))
    for fold in folds:
        counts = Counter(labels[i] for i in fold)
        assert counts["c"] == 1 and counts["b"] in (1, 2) and counts["a"] in (3, 4)
    assert stratified_folds(labels, 3) == folds
