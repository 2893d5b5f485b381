"""mentions.emotion (migration 0011): kept in sync with enrichments["emotion"], backfilled,
filtered by MentionFilter.emotion; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command

from resonanz.models import Workspace
from resonanz.store import SqlStore, open_store
from resonanz.store.engine import WRITE, create_engine, normalise_url
from resonanz.store.migrate import alembic_config
from tests.migration_steps import add_enriched_mentions

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _emotion_column(store: SqlStore) -> dict[str, Any]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT native_id, emotion FROM mentions").all()
    return {r[0]: r[1] for r in rows}


def _with_emotion(make_mention: Any, native_id: str, top: Any, **kwargs: Any) -> Any:
    scores = {"anger": 0.6} if top == "anger" else {}
    return make_mention(
        native_id,
        enrichments={"keywords": ["x"], "emotion": {"scores": scores, "top": top, "terms": []}},
        **kwargs,
    )


def test_emotion_column_follows_the_enrichments(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    store.save_batch(
        ws.id,
        [
            _with_emotion(make_mention, "1", "anger"),
            _with_emotion(make_mention, "2", "joy"),
            _with_emotion(make_mention, "3", "rage"),  # not one of the eight: NULL
            _with_emotion(make_mention, "4", None),
            make_mention("5"),
            make_mention("6", enrichments={"emotion": "anger"}),  # not a document: NULL
        ],
    )
    assert _emotion_column(store) == {
        "1": "anger",
        "2": "joy",
        "3": None,
        "4": None,
        "5": None,
        "6": None,
    }
    # Re-enriched and saved again: the new document decides; none keeps the stored one.
    store.save_batch(
        ws.id,
        [
            _with_emotion(make_mention, "1", "sadness"),
            make_mention("2"),
            make_mention("4", enrichments={"keywords": []}),
            _with_emotion(make_mention, "5", "fear"),
        ],
    )
    columns = _emotion_column(store)
    assert columns["1"] == "sadness"
    assert columns["2"] == "joy"
    assert columns["4"] is None
    assert columns["5"] == "fear"


def test_filter_by_emotion(store: SqlStore, ws: Workspace, make_mention: Any) -> None:
    from resonanz.store.base import MentionFilter

    store.save_batch(
        ws.id,
        [
            _with_emotion(make_mention, "a", "anger", created_at=T0),
            _with_emotion(make_mention, "b", "joy", created_at=T0 + timedelta(hours=1)),
            _with_emotion(make_mention, "c", "anger", created_at=T0 + timedelta(hours=2)),
            make_mention("d", created_at=T0 + timedelta(hours=3)),
        ],
    )
    found = store.iter_mentions(ws.id, MentionFilter(emotion="anger"))
    assert sorted(m.native_id for m in found) == ["a", "c"]
    window = MentionFilter(emotion="anger", since=T0 + timedelta(hours=1))
    assert [m.native_id for m in store.iter_mentions(ws.id, window)] == ["c"]
    assert store.count_mentions(ws.id, MentionFilter(emotion="joy")) == 1


def test_migration_0011_backfills_emotion(store_url: str, monkeypatch: Any) -> None:
    engine = create_engine(normalise_url(store_url))
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0010")
            docs = {
                "a": '{"emotion": {"scores": {"anger": 0.7}, "top": "anger", "terms": ["wut"]}}',
                "b": '{"emotion": {"top": "furious"}}',
                "c": '{"emotion": "joy"}',
                "d": '{"emotion": {"top": 3}}',
                "e": '{"keywords": []}',
                "f": None,
                "g": '{"emotion": {"scores": {"joy": 0.6}, "top": "joy", "terms": ["danke"]}}',
            }
            # Ids far apart, so that the backfill's batches of ids leave gaps between them.
            add_enriched_mentions(conn, docs, T0, id_step=15_000)
    engine.dispose()
    store = open_store(store_url)
    try:
        assert _emotion_column(store) == {
            "a": "anger",
            "b": None,
            "c": None,
            "d": None,
            "e": None,
            "f": None,
            "g": "joy",
        }
        indexes = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("mentions")}
        assert "ix_mentions_ws_emotion" in indexes
    finally:
        store.close()
