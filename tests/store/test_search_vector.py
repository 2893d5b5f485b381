"""mentions.search_vector (migration 0016, PostgreSQL only): filled for the mentions already
stored and for new ones, searched through its GIN index; down and up again. On SQLite the
migration changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from resonanz.store import MentionFilter, open_store
from resonanz.store.engine import create_engine, normalise_url
from tests.migration_steps import run_alembic

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
_VECTOR = "to_tsvector('simple'::regconfig, search_text)"


def _migrate(url: str, action: str, revision: str) -> tuple[set[str], set[str]]:
    """Run alembic; the mentions table's columns and index names afterwards."""
    run_alembic(url, action, revision)
    engine = create_engine(normalise_url(url))
    try:
        inspector = sa.inspect(engine)
        columns = {c["name"] for c in inspector.get_columns("mentions")}
        return columns, {ix["name"] for ix in inspector.get_indexes("mentions")}
    finally:
        engine.dispose()


def _insert_mention(url: str, native: str, words: str) -> None:
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO mentions (workspace_id, platform, native_id, text, collected_at,"
                    " posted_at, raw, raw_kind, search_text) "
                    "VALUES (1, 'rss', :native, :words, :at, :at, '{}', 'rss', :words)"
                ),
                {"native": native, "words": words, "at": T0},
            )
    finally:
        engine.dispose()


def test_migration_0016_stores_the_vector(store_url: str) -> None:
    postgres = store_url.startswith("postgresql")
    _migrate(store_url, "upgrade", "0015")
    engine = create_engine(normalise_url(store_url))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO workspaces (id, slug, name, created_at) "
            "VALUES (1, 'w', 'W', '2024-03-01 12:00:00')"
        )
    engine.dispose()
    _insert_mention(store_url, "old", "zug faellt aus")

    columns, indexes = _migrate(store_url, "upgrade", "0016")
    assert ("search_vector" in columns) is postgres
    assert ("ix_mentions_search_vector" in indexes) is postgres
    assert "ix_mentions_fts" not in indexes
    _insert_mention(store_url, "new", "bahn zug verspaetung")
    if postgres:
        engine = create_engine(normalise_url(store_url))
        with engine.connect() as conn:
            differing = conn.exec_driver_sql(
                f"SELECT count(*) FROM mentions WHERE search_vector IS DISTINCT FROM {_VECTOR}"
            ).scalar_one()
            assert differing == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM mentions").scalar_one() == 2
        engine.dispose()
    with open_store(store_url) as store:
        flt = MentionFilter(fts=("term", "zug", False))
        assert sorted(m.native_id for m in store.iter_mentions(1, flt)) == ["new", "old"]
        flt = MentionFilter(fts=("phrase", ("zug", "verspaet"), True))
        assert [m.native_id for m in store.iter_mentions(1, flt)] == ["new"]

    columns, indexes = _migrate(store_url, "downgrade", "0015")
    assert "search_vector" not in columns
    assert ("ix_mentions_fts" in indexes) is postgres
    columns, indexes = _migrate(store_url, "upgrade", "0016")
    assert ("search_vector" in columns) is postgres
