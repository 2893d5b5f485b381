"""`resonanz reanalyse`: stored mentions enriched again with today's models and categories;
matches, engagement and counts kept consistent; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.models import Engagement, Mention, TopicMatch
from resonanz.reanalyse import reanalyse
from resonanz.runtime import Runtime
from resonanz.store import MentionFilter, SqlStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TEXTS = [
    "Der ICE nach Köln hat schon wieder 40 Minuten Verspätung, einfach nur schlecht",
    "Danke an das Team im Bordbistro, super freundlich und pünktlich angekommen!",
    "Die Bahn erhöht zum Fahrplanwechsel die Preise für die BahnCard",
    "Zug fällt aus, kein Ersatz, keine Information. Katastrophe.",
]


def _stored(store: SqlStore) -> tuple[int, int]:
    ws = store.create_workspace("bahn", "Bahn")
    topic = store.add_topic(ws.id, "Bahn", "bahn OR ice OR zug", "brand")
    old = {"sentiment": {"label": "neutral", "score": 0.0, "model": "older-model"}}
    store.save_batch(
        ws.id,
        [
            Mention(
                platform="rss",
                native_id=str(i),
                text=text,
                collected_at=T0 + timedelta(hours=i, minutes=5),
                created_at=T0 + timedelta(hours=i),
                lang="de",
                engagement=Engagement(likes=10 + i),
                enrichments={**old, "keywords": {"hashtags": ["alt"]}},
                matches=(TopicMatch(topic.id, ("bahn",)),),
            )
            for i, text in enumerate(TEXTS)
        ],
    )
    return ws.id, topic.id


def _runtime(**settings: Any) -> Runtime:
    return Runtime.load(
        replace(Settings(), language_detection=False, **settings), load_entry_points=False
    )


def test_stored_mentions_get_todays_labels_and_keep_the_rest(store: SqlStore) -> None:
    ws_id, topic_id = _stored(store)
    counts_before = store.sentiment.by_topic(ws_id, None)
    report = reanalyse(store, _runtime(aspect_analysis=True), ws_id, chunk_size=3)
    assert report.read == report.saved == 4
    after = {m.native_id: m for m in store.iter_mentions(ws_id)}
    labels = {n: m.enrichments["sentiment"]["label"] for n, m in after.items()}
    assert labels["0"] == labels["3"] == "negative" and labels["1"] == "positive"
    assert report.sentiment_changed == sum(1 for v in labels.values() if v != "neutral")
    assert {m.enrichments["sentiment"]["model"] for m in after.values()} == {"resonanz-sentiment-5"}
    assert report.models == {"resonanz-sentiment-5": 4}
    # Today's keywords replace the stored ones; the aspects enricher ran (it was on).
    assert "alt" not in after["0"].enrichments["keywords"]["hashtags"]
    assert store.count_mentions(ws_id, MentionFilter(aspect="Pünktlichkeit und Zugfahrt")) >= 1
    # Matches, engagement and times are kept; the sentiment column and counts follow.
    for native, mention in after.items():
        assert [tm.topic_id for tm in mention.matches] == [topic_id]
        assert mention.engagement.likes == 10 + int(native)
        assert mention.created_at == T0 + timedelta(hours=int(native))
    assert store.count_mentions(ws_id, MentionFilter(sentiment="negative")) == 2
    store.use_counts = True
    from_counts = store.sentiment.by_topic(ws_id, None)
    store.use_counts = False
    assert from_counts == store.sentiment.by_topic(ws_id, None) != counts_before
    # Again: the same result, nothing changes.
    again = reanalyse(store, _runtime(aspect_analysis=True), ws_id)
    assert again.sentiment_changed == 0
    assert {m.native_id: m.enrichments for m in store.iter_mentions(ws_id)} == {
        n: m.enrichments for n, m in after.items()
    }


def test_only_some_enrichers_and_a_filter(store: SqlStore) -> None:
    ws_id, topic_id = _stored(store)
    since = MentionFilter(topic_id=topic_id, since=T0 + timedelta(hours=2))
    report = reanalyse(store, _runtime(), ws_id, since, only=["sentiment"])
    assert report.enrichers == ["sentiment"] and report.read == 2
    after = {m.native_id: m for m in store.iter_mentions(ws_id)}
    assert after["0"].enrichments["sentiment"]["model"] == "older-model"  # before --since
    assert after["3"].enrichments["sentiment"]["label"] == "negative"
    assert after["3"].enrichments["keywords"] == {"hashtags": ["alt"]}  # not run
    with pytest.raises(ValidationError, match="no enricher named sentimnet"):
        reanalyse(store, _runtime(), ws_id, only=["sentimnet"])


def test_a_trained_workspace_model_labels_the_stored_mentions(store: SqlStore) -> None:
    from resonanz.analysis.labelfiles import NewExample
    from resonanz.workspace_models import train_workspace_model

    ws_id, _ = _stored(store)
    # A small labelled set: negative complaints, positive thanks, neutral news.
    examples = [
        NewExample(label, text=f"{text} ({i})", lang="de")
        for i in range(8)
        for label, text in (
            ("negative", "Zug wieder zu spät, Anschluss verpasst"),
            ("positive", "Danke, sehr nette Zugbegleiterin heute"),
            ("neutral", "Neuer Fahrplan gilt ab Sonntag"),
        )
    ]
    store.training.add_examples(ws_id, "sentiment", examples, source="csv")
    model, _info = train_workspace_model(store, ws_id, "sentiment", folds=2)
    report = reanalyse(store, _runtime(), ws_id, only=["sentiment"])
    assert report.models == {model.name: 4}
    assert all(
        m.enrichments["sentiment"]["model"] == model.name for m in store.iter_mentions(ws_id)
    )


def test_cli_reanalyse_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RESONANZ_LANGUAGE_DETECTION", "false")
    monkeypatch.chdir(tmp_path)
    from resonanz.store import open_store

    state = tmp_path / "state"
    state.mkdir()
    store = open_store(f"sqlite:///{state / 'resonanz.db'}")
    try:
        _stored(store)
    finally:
        store.close()
    cli = CliRunner()
    result = cli.invoke(app, ["-w", "bahn", "reanalyse", "--since", "2026-11-02", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["read"] == 4 and figures["workspace"] == "bahn"
    assert figures["sentiment_models"] == {"resonanz-sentiment-5": 4}
    assert sum(figures["changes"].values()) == figures["sentiment_changed"] >= 2
    result = cli.invoke(app, ["-w", "bahn", "reanalyse", "--only", "nope"])
    assert result.exit_code == 1 and "no enricher named nope" in result.output


def test_a_run_stopped_mid_way_keeps_what_it_saved_and_a_rerun_finishes(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws_id, _ = _stored(store)
    real_save = store.save_batch
    saves = []

    def crash_on_second(*args: Any, **kwargs: Any) -> Any:
        saves.append(1)
        if len(saves) == 2:
            raise RuntimeError("killed mid-run")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(store, "save_batch", crash_on_second)
    with pytest.raises(RuntimeError, match="killed mid-run"):
        reanalyse(store, _runtime(), ws_id, chunk_size=2)
    models = [m.enrichments["sentiment"]["model"] for m in store.iter_mentions(ws_id)]
    # Newest first: the first chunk of two was saved, the second was not, nothing else.
    assert models == ["resonanz-sentiment-5"] * 2 + ["older-model"] * 2
    monkeypatch.setattr(store, "save_batch", real_save)
    again = reanalyse(store, _runtime(), ws_id, chunk_size=2)
    assert again.read == 4 and store.count_mentions(ws_id) == 4
    assert {m.enrichments["sentiment"]["model"] for m in store.iter_mentions(ws_id)} == {
        "resonanz-sentiment-5"
    }
