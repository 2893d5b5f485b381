"""The enrichers bound to a workspace's trained models, and collect() using them."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from resonanz.analysis import training
from resonanz.analysis.base import Prediction
from resonanz.analysis.relevance import RelevanceEnricher
from resonanz.analysis.sentiment import SentimentEnricher, default_sentiment
from resonanz.analysis.training import TrainedClassifier, train_classifier
from resonanz.collect import collect
from resonanz.config import Settings
from resonanz.models import Mention
from resonanz.runtime import Runtime
from resonanz.store import SqlStore
from resonanz.workspace_models import bind_enrichers, load_workspace_models

SETTINGS = Settings(language_detection=False)
LABELS = Path(__file__).resolve().parent.parent / "payloads" / "labels"


def _mention(native_id: str, text: str, **fields: object) -> Mention:
    return Mention("rss", native_id, text, datetime(2024, 3, 1, tzinfo=UTC), **fields)  # type: ignore[arg-type]


def _train(task: str, monkeypatch: pytest.MonkeyPatch) -> TrainedClassifier:
    monkeypatch.setattr(training, "GRID", ((1.0, 0.0),))
    with (LABELS / f"{task}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return train_classifier(task, [r["text"] for r in rows], [r["label"] for r in rows])


class _Flaky:
    """A classifier that fails on whole batches and on one text ("kaputt")."""

    task, labels, name = "relevance", ("false", "true"), "flaky"

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]:
        if len(texts) > 1 or texts[0] == "kaputt":
            raise RuntimeError("boom")
        return [Prediction("true", 0.9, {"false": 0.1, "true": 0.9})]


def test_relevance_acts_only_with_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    enricher = RelevanceEnricher(SETTINGS)
    batch = [_mention("1", "Die Bahn streikt", title="Streik"), _mention("2", "Rodelbahn offen")]
    assert enricher.enrich(batch) == batch
    assert enricher.for_workspace({}) is enricher
    model = _train("relevance", monkeypatch)
    bound = enricher.for_workspace({"relevance": model})
    assert bound is not enricher and enricher.classifier is None
    out = bound.enrich(batch)
    for mention in out:
        found = mention.enrichments["relevance"]
        assert found["model"] == model.name
        assert found["relevant"] == (found["score"] >= 0.5)


def test_one_bad_post_does_not_stop_the_batch(caplog: pytest.LogCaptureFixture) -> None:
    bound = RelevanceEnricher(SETTINGS).for_workspace({"relevance": _Flaky()})
    with caplog.at_level(logging.WARNING):
        out = bound.enrich([_mention("1", "gut"), _mention("2", "kaputt")])
    assert out[0].enrichments["relevance"] == {"relevant": True, "score": 0.9, "model": "flaky"}
    assert "relevance" not in out[1].enrichments
    assert "skipped one text" in caplog.text


def test_sentiment_uses_the_workspace_model(monkeypatch: pytest.MonkeyPatch) -> None:
    enricher = SentimentEnricher(SETTINGS)
    model = _train("sentiment", monkeypatch)
    assert enricher.for_workspace({}) is enricher
    bound = bind_enrichers([enricher, RelevanceEnricher(SETTINGS)], {"sentiment": model})
    assert bound[1].classifier is None  # type: ignore[attr-defined]
    out = bound[0].enrich([_mention("1", "Danke, super pünktlich!", lang="de")])
    assert out[0].enrichments["sentiment"]["model"] == model.name
    default = enricher.enrich([_mention("1", "Danke, super pünktlich!", lang="de")])
    assert default[0].enrichments["sentiment"]["model"].startswith("resonanz-sentiment-")
    disabled = SentimentEnricher(Settings(sentiment_analysis=False))
    assert disabled.for_workspace({"sentiment": model}) is disabled


def test_collect_binds_the_active_models(
    store: SqlStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = Runtime.load(SETTINGS, load_entry_points=False)
    ws = store.create_workspace("acme", "ACME")
    data = tmp_path / "posts.jsonl"
    data.write_text(json.dumps({"id": "1", "text": "Zug fällt aus, wie immer."}) + "\n")
    config = runtime.source_class("file").validate_config({"path": str(data)}, SETTINGS)
    store.add_source(ws.id, "file", "posts", config)
    model = _train("sentiment", monkeypatch)
    store.training.save_model(
        ws.id, "sentiment", model.name, model.to_bytes(), n_examples=36, quality={}
    )
    store.training.save_model(ws.id, "relevance", "broken", b"junk", n_examples=28, quality={})
    with caplog.at_level(logging.ERROR):
        assert set(load_workspace_models(store, ws.id)) == {"sentiment"}
    assert "'broken'" in caplog.text

    (report,) = collect(store, runtime, ws.id)
    assert report.ok and report.inserted == 1
    (mention,) = store.iter_mentions(ws.id)
    assert mention.enrichments["sentiment"]["model"] == model.name
    assert "relevance" not in mention.enrichments


def test_a_model_stacked_on_another_default_is_used_with_a_warning(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = store.create_workspace("acme", "ACME")
    model = _train("sentiment", monkeypatch)
    assert model.meta["stacked_on"] == default_sentiment().name
    with caplog.at_level(logging.WARNING):
        store.training.save_model(
            ws.id, "sentiment", model.name, model.to_bytes(), n_examples=36, quality={}
        )
        assert set(load_workspace_models(store, ws.id)) == {"sentiment"}
    assert "trained on the default model" not in caplog.text
    model.model.meta["stacked_on"] = "resonanz-sentiment-1"
    store.training.save_model(
        ws.id, "sentiment", "older", model.to_bytes(), n_examples=36, quality={}
    )
    with caplog.at_level(logging.WARNING):
        assert set(load_workspace_models(store, ws.id)) == {"sentiment"}
    assert "trained on the default model resonanz-sentiment-1" in caplog.text
    assert "`resonanz train sentiment`" in caplog.text
