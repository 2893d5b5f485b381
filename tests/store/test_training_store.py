"""Training examples, workspace models, mentions.sentiment (migration 0006), both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from resonanz.errors import NotFoundError, StoreError, ValidationError
from resonanz.models import Workspace
from resonanz.store import SqlStore, open_store
from resonanz.store.engine import WRITE, create_engine, normalise_url
from resonanz.store.migrate import alembic_config
from resonanz.store.training import KEEP_MODELS, NewExample
from tests.migration_steps import add_enriched_mentions

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _sentiment_columns(store: SqlStore) -> dict[str, tuple[Any, Any]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT native_id, sentiment, sentiment_score FROM mentions"
        ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def _with_sentiment(make_mention: Any, native_id: str, label: str, score: Any) -> Any:
    return make_mention(
        native_id,
        enrichments={
            "keywords": ["x"],
            "sentiment": {"label": label, "score": score, "model": "m"},
        },
    )


def test_sentiment_columns_follow_the_enrichments(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    store.save_batch(
        ws.id,
        [
            _with_sentiment(make_mention, "1", "negative", -0.8),
            _with_sentiment(make_mention, "2", "positive", 1),
            _with_sentiment(make_mention, "3", "angry", 0.5),  # not a label: left NULL
            _with_sentiment(make_mention, "4", "neutral", float("nan")),
            make_mention("5"),
        ],
    )
    assert _sentiment_columns(store) == {
        "1": ("negative", -0.8),
        "2": ("positive", 1.0),
        "3": (None, None),
        "4": ("neutral", None),
        "5": (None, None),
    }
    # Re-collected: new enrichments replace label and score; none keeps the stored ones.
    store.save_batch(
        ws.id,
        [
            _with_sentiment(make_mention, "1", "positive", 0.3),
            make_mention("2"),
            make_mention("4", enrichments={"keywords": []}),
            _with_sentiment(make_mention, "5", "neutral", 0.0),
        ],
    )
    columns = _sentiment_columns(store)
    assert columns["1"] == ("positive", 0.3)
    assert columns["2"] == ("positive", 1.0)
    assert columns["4"] == (None, None)
    assert columns["5"] == ("neutral", 0.0)


def test_migration_0006_backfills_sentiment(store_url: str) -> None:
    engine = create_engine(normalise_url(store_url))
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0005")
            docs = {
                "a": '{"sentiment": {"label": "negative", "score": -0.5, "model": "x"}}',
                "b": '{"sentiment": {"label": "positive", "score": "high"}}',
                "c": '{"sentiment": "positive"}',
                "d": '{"sentiment": {"label": "furious", "score": 1}}',
                "e": '{"keywords": []}',
                "f": None,
                "g": '{"sentiment": {"label": "neutral", "score": 0}}',
            }
            add_enriched_mentions(conn, docs, T0, minutes_step=1)
    engine.dispose()
    store = open_store(store_url)
    try:
        assert _sentiment_columns(store) == {
            "a": ("negative", -0.5),
            "b": ("positive", None),
            "c": (None, None),
            "d": (None, None),
            "e": (None, None),
            "f": (None, None),
            "g": ("neutral", 0.0),
        }
        indexes = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("mentions")}
        assert "ix_mentions_ws_sentiment" in indexes
    finally:
        store.close()


def test_examples_are_added_once_and_relabelled(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    store.save_batch(ws.id, [make_mention("1", text="Zug schon wieder zu spät", title="Bahn")])
    mention_id = store.iter_mentions(ws.id).__next__().id
    assert mention_id is not None
    examples = [
        NewExample(label="negative", mention_id=mention_id),
        NewExample(label="positive", text="  Danke, alles pünktlich!  ", lang="de"),
        NewExample(label="neutral", text="Fahrplan ab Montag"),
    ]
    first = store.training.add_examples(ws.id, "sentiment", examples, source="csv")
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    again = store.training.add_examples(ws.id, "sentiment", examples, source="csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    relabel = store.training.add_examples(
        ws.id,
        "sentiment",
        [
            NewExample(label="neutral", mention_id=mention_id),
            NewExample(label="negative", text="Fahrplan ab Montag"),
            NewExample(label="neutral", text="Fahrplan ab Montag"),  # the last label wins
        ],
        source="ui",
    )
    assert (relabel.added, relabel.updated, relabel.unchanged) == (0, 1, 1)
    stored = {e.text: e for e in store.training.list_examples(ws.id, "sentiment")}
    assert set(stored) == {
        "Bahn. Zug schon wieder zu spät",
        "Danke, alles pünktlich!",
        "Fahrplan ab Montag",
    }
    assert stored["Bahn. Zug schon wieder zu spät"].label == "neutral"
    assert stored["Bahn. Zug schon wieder zu spät"].mention_id == mention_id
    assert stored["Danke, alles pünktlich!"].lang == "de"
    # The same mention may carry a relevance label beside its sentiment.
    store.training.add_examples(
        ws.id, "relevance", [NewExample(label="true", mention_id=mention_id)], source="api"
    )
    assert store.training.count_examples(ws.id) == {
        "relevance": {"true": 1},
        "sentiment": {"neutral": 2, "positive": 1},
    }
    assert [
        e.label for e in store.training.list_examples(ws.id, "sentiment", label="positive")
    ] == ["positive"]
    assert store.training.labels_of(ws.id, [mention_id, 12345]) == {
        mention_id: {"sentiment": "neutral", "relevance": "true"}
    }
    # A deleted mention keeps its labelled text for training.
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM mentions WHERE id = {mention_id}")
    kept = store.training.list_examples(ws.id, "relevance")
    assert [(e.text, e.mention_id) for e in kept] == [("Bahn. Zug schon wieder zu spät", None)]
    assert (
        store.training.delete_examples(ws.id, "sentiment", ids=[stored["Fahrplan ab Montag"].id])
        == 1
    )
    assert store.training.delete_examples(ws.id, "sentiment") == 2
    assert store.training.count_examples(ws.id) == {"relevance": {"true": 1}}


def test_bad_examples_store_nothing(store: SqlStore, ws: Workspace) -> None:
    good = NewExample(label="true", text="Die Bahn streikt")
    with pytest.raises(ValidationError, match=r"labels.csv:3: unknown relevance label 'maybe'"):
        store.training.add_examples(
            ws.id,
            "relevance",
            [good, NewExample(label="maybe", text="x", where="labels.csv:3")],
            source="csv",
        )
    with pytest.raises(NotFoundError, match=r"labels.csv:4: mention 999"):
        store.training.add_examples(
            ws.id,
            "relevance",
            [good, NewExample(label="false", mention_id=999, where="labels.csv:4")],
            source="csv",
        )
    with pytest.raises(ValidationError, match="no text and no mention id"):
        store.training.add_examples(
            ws.id, "relevance", [NewExample(label="true", text=" ")], source="csv"
        )
    with pytest.raises(ValidationError, match="unknown task 'emotion'"):
        store.training.add_examples(ws.id, "emotion", [good], source="csv")
    with pytest.raises(ValidationError, match="unknown example source"):
        store.training.add_examples(ws.id, "relevance", [good], source="mail")
    with pytest.raises(NotFoundError, match="workspace 4242"):
        store.training.add_examples(4242, "relevance", [good], source="csv")
    assert store.training.count_examples(ws.id) == {}


def test_models_one_active_per_task(store: SqlStore, ws: Workspace) -> None:
    training = store.training
    assert training.active_model(ws.id, "sentiment") is None
    first = training.save_model(
        ws.id, "sentiment", "m1", b"\x00one", n_examples=30, quality={"accuracy": 0.7}, at=T0
    )
    second = training.save_model(
        ws.id,
        "sentiment",
        "m2",
        b"two\xff",
        n_examples=40,
        quality={"accuracy": 0.8},
        at=T0 + timedelta(hours=1),
    )
    relevance = training.save_model(ws.id, "relevance", "r1", b"r", n_examples=25, quality={})
    active = training.active_model(ws.id, "sentiment")
    assert active is not None
    assert (active.info.name, active.blob, active.info.active) == ("m2", b"two\xff", True)
    assert active.info.quality == {"accuracy": 0.8}
    assert [(m.name, m.active) for m in training.list_models(ws.id, "sentiment")] == [
        ("m2", True),
        ("m1", False),
    ]
    assert set(training.active_models(ws.id)) == {"sentiment", "relevance"}
    assert training.activate_model(ws.id, first.id).active
    active = training.active_model(ws.id, "sentiment")
    assert active is not None and active.info.id == first.id
    assert training.active_model(ws.id, "relevance") is not None
    assert relevance.n_examples == 25 and second.created_at == T0 + timedelta(hours=1)
    with pytest.raises(NotFoundError):
        training.activate_model(ws.id, 9999)
    assert training.deactivate_models(ws.id, "sentiment") == 1
    assert training.active_model(ws.id, "sentiment") is None
    # The database itself refuses a second active model of a task.
    with pytest.raises(StoreError), store._write("two active") as conn:
        conn.execute(
            sa.update(sa.table("workspace_models", sa.column("active"))).values(active=True)
        )


def test_labels_are_checked_and_stored_canonical(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    store.save_batch(ws.id, [make_mention("1", text="Zug zu spät, aber billig")])
    mention_id = next(store.iter_mentions(ws.id)).id
    assert mention_id is not None
    label = "Zugfahrt#Haupt:negative Preis:Positive"
    result = store.training.add_examples(
        ws.id,
        "aspects",
        [
            NewExample(label=label, mention_id=mention_id, where="a.csv:2"),
            NewExample(label="", text="Schönes Wetter heute", where="a.csv:3"),
            NewExample(label="Pünktlichkeit und Zugfahrt:neutral;", text="Naja", where="a.csv:4"),
        ],
        source="csv",
    )
    assert result.added == 3
    stored = {e.text: e.label for e in store.training.list_examples(ws.id, "aspects")}
    assert stored == {
        "Zug zu spät, aber billig": "Preis:positive;Zugfahrt:negative",
        "Schönes Wetter heute": "none",
        "Naja": "Pünktlichkeit und Zugfahrt:neutral",
    }
    assert store.training.labels_of(ws.id, [mention_id]) == {
        mention_id: {"aspects": "Preis:positive;Zugfahrt:negative"}
    }
    # The same label written another way changes nothing.
    again = store.training.add_examples(
        ws.id,
        "aspects",
        [NewExample(label="Preis:positive; Zugfahrt:negative", mention_id=mention_id)],
        source="ui",
    )
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    # A long label fits the column on both databases.
    long = ";".join(f"Kategorie {i:02d}:neutral" for i in range(40))
    store.training.add_examples(
        ws.id, "aspects", [NewExample(label=long, mention_id=mention_id)], source="api"
    )
    assert store.training.labels_of(ws.id, [mention_id])[mention_id]["aspects"] == long
    # Sentiment and relevance words in any case are stored in their one form.
    store.training.add_examples(
        ws.id,
        "relevance",
        [NewExample(label="Yes", text="a"), NewExample(label="0", text="b")],
        source="csv",
    )
    store.training.add_examples(
        ws.id, "sentiment", [NewExample(label=" NEUTRAL", text="c")], source="csv"
    )
    counts = store.training.count_examples(ws.id)
    assert counts["relevance"] == {"false": 1, "true": 1}
    assert counts["sentiment"] == {"neutral": 1}


def test_bad_aspect_labels_store_nothing(store: SqlStore, ws: Workspace) -> None:
    with pytest.raises(ValidationError) as info:
        store.training.add_examples(
            ws.id,
            "aspects",
            [
                NewExample(label="Preis:positive", text="ok", where="a.csv:2"),
                NewExample(label="Preis:great", text="x", where="a.csv:3"),
                NewExample(label="Zugfahrt", text="y", where="a.csv:4"),
                NewExample(
                    label=";".join(f"{'K' * 90}{i}:neutral" for i in range(12)),
                    text="z",
                    where="a.csv:5",
                ),
            ],
            source="csv",
        )
    message = str(info.value)
    assert message.startswith("3 bad example(s): a.csv:3: bad aspects label 'Preis:great'")
    assert "a.csv:4: bad aspects label 'Zugfahrt': cannot read 'Zugfahrt'" in message
    assert "a.csv:5: aspects label" in message and "at most 1000" in message
    with pytest.raises(ValidationError, match=r"a.csv:7: unknown sentiment label 'great'"):
        store.training.add_examples(
            ws.id, "sentiment", [NewExample(label="great", text="x", where="a.csv:7")], source="csv"
        )
    assert store.training.count_examples(ws.id) == {}


def test_old_inactive_models_are_deleted(store: SqlStore, ws: Workspace) -> None:
    training = store.training
    first = training.save_model(ws.id, "sentiment", "m0", b"0", n_examples=20, quality={}, at=T0)
    training.save_model(ws.id, "relevance", "r0", b"r", n_examples=20, quality={}, at=T0)
    for i in range(1, KEEP_MODELS + 2):
        training.save_model(
            ws.id, "sentiment", f"m{i}", b"x", n_examples=20, quality={}, at=T0 + timedelta(i)
        )
    names = [m.name for m in training.list_models(ws.id, "sentiment")]
    assert names == [f"m{i}" for i in range(KEEP_MODELS + 1, 1, -1)]
    # Another task keeps its models; going back to an older model and training again
    # keeps the newest KEEP_MODELS, the new one active.
    assert [m.name for m in training.list_models(ws.id, "relevance")] == ["r0"]
    oldest = training.list_models(ws.id, "sentiment")[-1]
    training.activate_model(ws.id, oldest.id)
    training.save_model(
        ws.id, "sentiment", "latest", b"y", n_examples=20, quality={}, at=T0 + timedelta(99)
    )
    after = [m.name for m in training.list_models(ws.id, "sentiment")]
    assert len(after) == KEEP_MODELS and after[0] == "latest" and first.name not in after
