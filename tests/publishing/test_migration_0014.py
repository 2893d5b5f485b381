"""Migration 0014 (recurring posts, queue slots) goes up, down and up again on SQLite and
PostgreSQL, keeping the posts that were there."""

from __future__ import annotations

import sqlalchemy as sa

from resonanz.store.engine import create_engine, normalise_url

from .test_migration import _alembic

TABLES = {"post_series", "publish_slots", "slot_claims"}


def test_migration_0014_up_down_up(store_url: str) -> None:
    assert not _alembic(store_url, "upgrade", "0013") & TABLES
    engine = create_engine(normalise_url(store_url))
    try:
        with engine.begin() as conn:
            ws = conn.execute(
                sa.text(
                    "INSERT INTO workspaces (slug, name, created_at) "
                    "VALUES ('acme', 'ACME', CURRENT_TIMESTAMP) RETURNING id"
                )
            ).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO posts (workspace_id, text, variants, status, timezone, version,"
                    " created_at, updated_at) VALUES (:ws, 'Hallo', '{}', 'draft', 'UTC', 1,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"ws": ws},
            )
        assert _alembic(store_url, "upgrade", "0014") >= TABLES
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT text, series_id, occurrence FROM posts")).one()
        assert tuple(row) == ("Hallo", None, None)
        assert not _alembic(store_url, "downgrade", "0013") & TABLES
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT text FROM posts")).scalar_one() == "Hallo"
        assert _alembic(store_url, "upgrade", "0014") >= TABLES
    finally:
        engine.dispose()
