"""mention_aspects (migration 0022): kept in step with enrichments["aspects"], backfilled,
read by MentionFilter.aspect; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from resonanz.models import Workspace
from resonanz.store import SqlStore, open_store
from resonanz.store.base import MentionFilter
from resonanz.store.engine import create_engine, normalise_url
from tests.migration_steps import add_enriched_mentions, run_alembic

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _rows(store: SqlStore) -> set[tuple[str, str, str | None]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT m.native_id, a.category, a.polarity FROM mention_aspects AS a "
            "JOIN mentions AS m ON m.id = a.mention_id AND m.workspace_id = a.workspace_id"
        ).all()
    return {(r[0], r[1], r[2]) for r in rows}


def _aspects(*items: tuple[str, str]) -> dict[str, Any]:
    return {"aspects": [{"category": c, "polarity": p, "terms": ["x"]} for c, p in items]}


def test_rows_follow_the_enrichments(store: SqlStore, ws: Workspace, make_mention: Any) -> None:
    store.save_batch(
        ws.id,
        [
            make_mention("1", enrichments=_aspects(("Service", "negative"), ("Preis", "neutral"))),
            make_mention("2", enrichments=_aspects(("Service", "positive"))),
            # Named twice: the first element's polarity; junk elements are left out.
            make_mention(
                "3",
                enrichments={
                    "aspects": [
                        {"category": "Komfort", "polarity": "negative"},
                        {"category": "Komfort", "polarity": "positive"},
                        {"category": 7},
                        "Preis",
                        {"polarity": "negative"},
                        {"category": "", "polarity": "negative"},
                        {"category": "Sicherheit", "polarity": 1},
                    ]
                },
            ),
            make_mention("4", enrichments={"aspects": "Service"}),  # not a list: none
            make_mention("5"),
        ],
    )
    assert _rows(store) == {
        ("1", "Service", "negative"),
        ("1", "Preis", "neutral"),
        ("2", "Service", "positive"),
        ("3", "Komfort", "negative"),
        ("3", "Sicherheit", None),
    }
    # Saved again: new enrichments replace the rows (none without aspects); a mention
    # saved without enrichments keeps its rows, as it keeps its stored enrichments.
    store.save_batch(
        ws.id,
        [
            make_mention("1", enrichments=_aspects(("Pünktlichkeit", "negative"))),
            make_mention("2"),
            make_mention("3", enrichments={"keywords": []}),
            make_mention("5", enrichments=_aspects(("Preis", "positive"))),
        ],
    )
    assert _rows(store) == {
        ("1", "Pünktlichkeit", "negative"),
        ("2", "Service", "positive"),
        ("5", "Preis", "positive"),
    }
    # Rows go with their workspace.
    store.delete_workspace(ws.slug)
    assert _rows(store) == set()


def test_filter_by_aspect(store: SqlStore, ws: Workspace, make_mention: Any) -> None:
    other = store.create_workspace("other", "Other")
    store.save_batch(other.id, [make_mention("x", enrichments=_aspects(("Service", "negative")))])
    store.save_batch(
        ws.id,
        [
            make_mention("a", enrichments=_aspects(("Service", "negative")), created_at=T0),
            make_mention(
                "b",
                enrichments=_aspects(("Preis", "neutral")) | {"sentiment": {"label": "neutral"}},
                created_at=T0 + timedelta(hours=1),
            ),
            make_mention(
                "c",
                enrichments=_aspects(("Preis", "negative"), ("Service", "negative")),
                created_at=T0 + timedelta(hours=2),
            ),
            make_mention("d", created_at=T0 + timedelta(hours=3)),
        ],
    )
    service = list(store.iter_mentions(ws.id, MentionFilter(aspect="Service")))
    assert [m.native_id for m in service] == ["c", "a"]  # newest first, this workspace only
    window = MentionFilter(aspect="Service", since=T0 + timedelta(hours=1))
    assert [m.native_id for m in store.iter_mentions(ws.id, window)] == ["c"]
    assert store.count_mentions(ws.id, MentionFilter(aspect="Preis")) == 2
    assert store.count_mentions(ws.id, MentionFilter(aspect="Preis", sentiment="neutral")) == 1
    assert store.count_mentions(ws.id, MentionFilter(aspect="service")) == 0  # exact name
    assert store.count_mentions(other.id, MentionFilter(aspect="Service")) == 1


def test_migration_0022_backfills_the_rows(store_url: str) -> None:
    run_alembic(store_url, "upgrade", "0021")
    engine = create_engine(normalise_url(store_url))
    docs = {
        "a": '{"aspects": [{"category": "Service", "polarity": "negative", "terms": ["x"]},'
        ' {"category": "Preis", "polarity": "neutral"}]}',
        "b": '{"aspects": [{"category": "Komfort", "polarity": "negative"},'
        ' {"category": "Komfort", "polarity": "positive"}, {"category": 3}, "Preis",'
        ' {"category": "", "polarity": "negative"}]}',
        "c": '{"aspects": "Service"}',
        "d": '{"aspects": []}',
        "e": '{"keywords": []}',
        "f": None,
        "g": '{"aspects": [{"category": "Image", "polarity": 2}]}',
    }
    with engine.begin() as conn:
        # Ids far apart, so that the backfill's batches of ids leave gaps between them.
        add_enriched_mentions(conn, docs, T0, id_step=15_000)
    engine.dispose()
    store = open_store(store_url)
    try:
        assert _rows(store) == {
            ("a", "Service", "negative"),
            ("a", "Preis", "neutral"),
            ("b", "Komfort", "negative"),
            ("g", "Image", None),
        }
        indexes = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("mention_aspects")}
        assert "ix_mention_aspects_ws_category" in indexes
    finally:
        store.close()
    assert "mention_aspects" not in run_alembic(store_url, "downgrade", "0021")
