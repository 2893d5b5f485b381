"""Migration 0014 (recurring posts, queue slots) goes up, down and up again on SQLite and
PostgreSQL, keeping the posts that were there."""

from __future__ import annotations

import sqlalchemy as sa

from resonanz.store.engine import create_engine, normalise_url
from tests.migration_steps import add_draft_post, run_alembic

TABLES = {"post_series", "publish_slots", "slot_claims"}


def test_migration_0014_up_down_up(store_url: str) -> None:
    assert not run_alembic(store_url, "upgrade", "0013") & TABLES
    engine = create_engine(normalise_url(store_url))
    try:
        add_draft_post(engine)
        assert run_alembic(store_url, "upgrade", "0014") >= TABLES
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT text, series_id, occurrence FROM posts")).one()
        assert tuple(row) == ("Hallo", None, None)
        assert not run_alembic(store_url, "downgrade", "0013") & TABLES
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT text FROM posts")).scalar_one() == "Hallo"
        assert run_alembic(store_url, "upgrade", "0014") >= TABLES
    finally:
        engine.dispose()
