"""The fast write paths: the pipeline's search hint, SQLite upserts, JSON encoding."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from resonanz.errors import StoreError
from resonanz.models import RawItem, Workspace
from resonanz.pipeline import build_matcher, process
from resonanz.pipeline.normalise import register_normalisers
from resonanz.query.text import search_text
from resonanz.store import SqlStore
from resonanz.store.types import _dumps, _finite, json_dumps


def _stored_search_text(store: SqlStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT native_id, search_text FROM mentions").all()
    return {row[0]: row[1] for row in rows}


def test_pipeline_hint_is_the_search_text(store: SqlStore, ws: Workspace) -> None:
    texts = [
        "Die BAHN kommt: Züge nach München https://bahn.de/x #Bahnhöfe @DB_Bahn",
        "Ｆｕｌｌ-width Zu\u0308ge und Straße",
        "flixbus... und   db!",
    ]
    items = [
        RawItem(
            "jsonl",
            {"id": str(i), "text": text, "title": "Überschrift" if i else None},
            datetime(2024, 3, 1, tzinfo=UTC),
            context={"mapping": {"id": "id", "text": "text", "title": "title"}},
        )
        for i, text in enumerate(texts)
    ]
    batch = process(
        items,
        normalisers=register_normalisers(),
        matcher=build_matcher(store.list_topics(ws.id)),
    )
    for m in batch.mentions:
        assert m.search_hint == (m.title, m.text, search_text([m.title, m.text]))
    # A hint that no longer belongs to the text is ignored.
    stale = batch.mentions[0].with_fields(native_id="stale", text="ganz anderer Text")
    store.save_batch(ws.id, [*batch.mentions, stale])
    stored = _stored_search_text(store)
    assert stored["stale"] == "ganz anderer text"
    for m in batch.mentions:
        assert stored[m.native_id] == search_text([m.title, m.text])


def test_inserted_and_updated_counts_across_batches(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    first = store.save_batch(ws.id, [make_mention(str(i)) for i in range(5)])
    assert (first.inserted, first.updated) == (5, 0)
    again = store.save_batch(ws.id, [make_mention(str(i)) for i in range(3, 8)])
    assert (again.inserted, again.updated) == (3, 2)
    assert store.count_mentions(ws.id) == 8


def test_many_rows_in_one_batch(store: SqlStore, ws: Workspace, make_mention: Any) -> None:
    # More parameters than one SQLite statement takes: split into several statements.
    result = store.save_batch(ws.id, [make_mention(str(i)) for i in range(1500)])
    assert result.inserted == 1500
    assert store.count_mentions(ws.id) == 1500


def test_bad_timestamp_is_a_store_error(store: SqlStore, ws: Workspace, make_mention: Any) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("only the SQLite raw upsert converts timestamps itself")
    with pytest.raises(StoreError, match="saving 1 mentions failed"):
        store.save_batch(ws.id, [make_mention("1", created_at="yesterday")])
    assert store.count_mentions(ws.id) == 0


def test_unstorable_raw_is_a_store_error(store: SqlStore, ws: Workspace, make_mention: Any) -> None:
    with pytest.raises(StoreError, match="cannot store as JSON"):
        store.save_batch(ws.id, [make_mention("1", raw={"o": object()})])


def test_timestamps_are_stored_in_utc(store: SqlStore, ws: Workspace, make_mention: Any) -> None:
    local = datetime(2024, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    store.save_batch(ws.id, [make_mention("1", created_at=local)])
    (stored,) = store.iter_mentions(ws.id)
    assert stored.created_at == local
    assert stored.created_at is not None and stored.created_at.tzinfo == UTC
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            text = conn.execute(sa.text("SELECT created_at FROM mentions")).scalar()
        assert text == "2024-03-01 12:00:00.000000"


class _Str(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1, 2, {"c": None}], "t": (1, 2), "s": {3}},
        {"d": datetime(2024, 1, 1, tzinfo=UTC), "n": datetime(2024, 1, 1, 1, 2, 3, 4)},
        {"d": date(2024, 1, 1), "tz": datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=5)))},
        {"x": float("nan"), "y": [float("inf")], "z": 1.5},
        {1: 2, None: 3},
        {"big": 2**70, "s": _Str("x")},
        'ä\x00\u2028"\\\n',
    ],
)
def test_json_dumps_matches_json(value: object) -> None:
    try:
        expected = _dumps(value)
    except ValueError:
        expected = _dumps(_finite(value))
    assert json_dumps(value) == expected


@pytest.mark.parametrize("value", [{"t": time(1, 2)}, {"o": object()}])
def test_json_dumps_refuses_what_json_refuses(value: object) -> None:
    with pytest.raises(StoreError, match="cannot store as JSON"):
        json_dumps(value)


def test_json_dumps_uuid() -> None:
    value = uuid.UUID(int=1)
    assert json_dumps({"u": value}) == '{"u":"00000000-0000-0000-0000-000000000001"}'
