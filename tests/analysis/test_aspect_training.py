"""Workspace-trained aspect classifiers: training, cross-validated quality, model files,
the term lists plus the classifier, bad input."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from resonanz.analysis import aspect_training
from resonanz.analysis.aspect_model import AspectModel
from resonanz.analysis.aspect_training import THRESHOLDS, train_aspect_classifier
from resonanz.analysis.aspectfile import AspectCategory, parse_categories, template_text
from resonanz.analysis.aspectlabels import parse_aspect_label
from resonanz.analysis.aspects import AspectAnalyzer, AspectsEnricher
from resonanz.config import Settings
from resonanz.errors import ConfigError, ValidationError
from resonanz.models import Mention

LABELS = Path(__file__).resolve().parent.parent / "payloads" / "labels" / "aspects.csv"
Items = tuple[tuple[str, str], ...]


def _rows() -> tuple[list[str], list[Items], list[str | None]]:
    with LABELS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return (
        [r["text"] for r in rows],
        [parse_aspect_label(r["aspects"]) for r in rows],
        [r["lang"] for r in rows],
    )


@pytest.fixture(scope="module")
def model() -> AspectModel:
    texts, items, langs = _rows()
    return train_aspect_classifier(texts, items, langs, term_source=(template_text(), "toml"))


def test_model_and_its_cross_validated_quality(model: AspectModel) -> None:
    texts, items, _ = _rows()
    assert model.name.startswith("trained-aspects-")
    assert model.categories == ("Connectivity", "Ticketkauf", "Zugfahrt")
    assert model.polarity.labels == ("negative", "neutral", "positive")
    quality = model.quality
    assert quality["n"] == len(texts) == 46
    assert quality["folds"] == 5
    assert quality["threshold"] == model.threshold and model.threshold in THRESHOLDS
    assert quality["support"] == sum(len(row) for row in items)
    assert set(quality["per_category"]) == {"Connectivity", "Ticketkauf", "Zugfahrt"}
    for key in ("micro_f1", "precision", "recall", "polarity_micro_f1"):
        assert 0.0 <= quality[key] <= 1.0
    # Clear words (Verspätung, Ticket, WLAN) are found held out well above chance...
    assert quality["micro_f1"] > 0.6
    # ...and polarity is a subset of the category figure.
    assert quality["polarity_micro_f1"] <= quality["micro_f1"]
    assert model.meta["too_few"] == []
    assert model.meta["term_categories"]["fmt"] == "toml"


def test_predictions_name_categories_and_polarity(model: AspectModel) -> None:
    found = model.predict(
        [
            "Schon wieder Verspätung, der Zug steht seit einer Stunde.",
            "Die Sonne scheint und ich gehe spazieren.",
            "Das WLAN im Zug geht nicht.",
        ],
        ["de", "de", "de"],
    )
    assert [f.category for f in found[0]][:1] == ["Zugfahrt"]
    assert found[0][0].polarity == "negative"
    assert found[1] == []
    assert "Connectivity" in {f.category for f in found[2]}
    for row in found:
        probabilities = [f.probability for f in row]
        assert probabilities == sorted(probabilities, reverse=True)
        assert all(p >= model.threshold for p in probabilities)
    assert model.predict([], []) == []


def test_polarity_is_the_linear_sum_of_text_and_category(model: AspectModel) -> None:
    docs = model.features(["Das Ticket war teuer und der Zug zu spät."], ["de"])
    fast = model.polarities(docs)
    for j, category in enumerate(model.categories):
        with_category = [{**docs[0], "x:c:" + category: 1.0}]
        probs = model.polarity.predict_proba(with_category)
        assert int(fast[0, j]) == int(np.argmax(probs[0]))


def test_model_bytes_round_trip(model: AspectModel) -> None:
    loaded = AspectModel.from_bytes(model.to_bytes())
    assert loaded.name == model.name and loaded.categories == model.categories
    texts = ["Verspätung und kein WLAN.", "Teures Ticket."]
    assert loaded.predict(texts, ["de", "de"]) == model.predict(texts, ["de", "de"])


def test_damaged_or_foreign_model_files_are_config_errors(model: AspectModel) -> None:
    with pytest.raises(ConfigError, match="not a trained Resonanz aspect model"):
        AspectModel.from_bytes(b"garbage")
    with pytest.raises(ConfigError, match="not a trained Resonanz aspect model"):
        AspectModel.from_bytes(model.presence.to_bytes())  # a LinearModel file
    buffer = io.BytesIO()
    blob = np.load(io.BytesIO(model.to_bytes()), allow_pickle=False)
    meta = str(blob["meta"]).replace('"format_version": 1', '"format_version": 99')
    np.savez(buffer, presence=blob["presence"], polarity=blob["polarity"], meta=np.array(meta))
    with pytest.raises(ConfigError, match="format 99"):
        AspectModel.from_bytes(buffer.getvalue())


def _categories() -> tuple[AspectCategory, ...]:
    source = """
[[category]]
name = "Pünktlichkeit"
germeval = "Zugfahrt"
terms = ["verspät*", "pünktlich*"]

[[category]]
name = "Toiletten"
terms = ["toilette*", "wc"]
"""
    return parse_categories(source, "test", fmt="toml")


def test_the_term_lists_plus_the_classifier(model: AspectModel) -> None:
    analyzer = AspectAnalyzer(_categories()).with_model(model)
    texts = [
        "Verspätung und die Toilette ist kaputt.",
        "Das WLAN im Zug ist schlecht.",
        "Ich backe heute einen Kuchen.",
    ]
    found = analyzer.analyze(texts, ["de", "de", "de"])
    by_category = [{a.category: a for a in row} for row in found]
    # Learnt "Zugfahrt" is shown under the file's category that stands for it, with the
    # terms the list found; "Toiletten" is not learnt: its term list decides alone.
    assert by_category[0]["Pünktlichkeit"].terms == ("Verspätung",)
    assert by_category[0]["Pünktlichkeit"].polarity == "negative"
    assert "Toiletten" in by_category[0]
    # What the classifier decided names it, with its probability; term-list finds do not.
    learnt = by_category[0]["Pünktlichkeit"]
    assert learnt.model == model.name and learnt.probability is not None
    assert learnt.probability >= model.threshold
    assert learnt.as_dict()["model"] == model.name and "p" in learnt.as_dict()
    assert by_category[0]["Toiletten"].model is None
    assert "model" not in by_category[0]["Toiletten"].as_dict()
    # A learnt category in no file keeps its label's name; terms: none listed.
    assert by_category[1]["Connectivity"].terms == ()
    assert found[2] == []
    # Without the model: the term lists alone.
    plain = AspectAnalyzer(_categories()).analyze(texts, ["de", "de", "de"])
    assert {a.category for a in plain[0]} == {"Pünktlichkeit", "Toiletten"}
    assert plain[1] == []


def test_the_enricher_binds_the_workspace_model(model: AspectModel) -> None:
    enricher = AspectsEnricher(Settings(aspect_analysis=False))
    assert enricher.for_workspace({}) is enricher
    bound = enricher.for_workspace({"aspect_model": model})
    assert bound is not enricher and bound.enabled and enricher.analyzer is None
    assert bound.analyzer is not None and bound.analyzer.model is model
    mention = Mention(
        platform="test",
        native_id="1",
        text="Das WLAN im ICE funktioniert nicht.",
        collected_at=datetime(2026, 12, 7, tzinfo=UTC),
        lang="de",
    )
    (out,) = bound.enrich([mention])
    assert {a["category"] for a in out.enrichments["aspects"]} >= {"Connectivity (WLAN)"}
    own = AspectAnalyzer(_categories())
    both = enricher.for_workspace({"aspects": own, "aspect_model": model})
    assert both.analyzer is not None and both.analyzer.categories == own.categories
    assert both.analyzer.model is model and own.model is None


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("Zug zu spät", (("Zugfahrt", "negative"),))] * 5, "at least 20 labelled texts"),
        (
            [("Zug zu spät", (("Zugfahrt", "negative"),))] * 3 + [("Kuchen", ())] * 30,
            "no category is named in 5 or more",
        ),
        (
            [("Zug zu spät", (("Zugfahrt", "negative"),))] * 30,
            "every text names 'Zugfahrt'",
        ),
        (
            [("Zug zu spät", (("Zugfahrt", "negative"),))] * 10 + [("Kuchen", ())] * 20,
            "same polarity",
        ),
    ],
)
def test_bad_training_input(rows: list[tuple[str, Items]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        train_aspect_classifier([r[0] for r in rows], [r[1] for r in rows])


def test_rare_categories_are_left_to_the_term_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    texts, items, langs = _rows()
    texts.append("Die Toilette im Zug war sauber.")
    items.append((("Toiletten", "positive"),))
    langs.append("de")
    monkeypatch.setattr(aspect_training, "THRESHOLDS", (0.4,))
    trained = train_aspect_classifier(texts, items, langs, folds=2)
    assert trained.meta["too_few"] == ["Toiletten"]
    assert "Toiletten" not in trained.categories
    assert trained.quality["folds"] == 2 and trained.threshold == 0.4
    assert trained.meta["term_categories"] is None


def test_progress_is_reported() -> None:
    texts, items, langs = _rows()
    seen: list[tuple[str, int, int]] = []
    train_aspect_classifier(texts, items, langs, folds=2, progress=lambda *step: seen.append(step))
    assert seen[0] == ("features", 0, 4) and seen[-1] == ("done", 4, 4)
    assert [s[0] for s in seen].count("cross-validating") == 2


def test_bad_input_texts_are_read_like_any_text(model: AspectModel) -> None:
    texts = ["", "Verspätung " * 20_000, "\ud800\x00\x01junk ÿþ", "中文 WLAN العربية"]
    found = model.predict(texts, [None, "de", None, None])
    assert found[0] == [] and found[2] == []
    assert [f.category for f in found[1]][:1] == ["Zugfahrt"]  # read to 5,000 characters
    assert len(found) == 4
    listed = AspectAnalyzer(_categories()).with_model(model).analyze(texts, [None] * 4)
    assert listed[0] == [] and len(listed) == 4
