"""Migration 0012 (tracked links, approvals) goes up, down and up again on SQLite and
PostgreSQL, keeping the posts that were there."""

from __future__ import annotations

import sqlalchemy as sa

from resonanz.store.engine import create_engine, normalise_url
from tests.migration_steps import add_draft_post, run_alembic

TABLES = {"tracked_links", "link_clicks", "link_salts", "link_visitors", "post_approvals"}


def test_migration_0012_up_down_up(store_url: str) -> None:
    assert not run_alembic(store_url, "upgrade", "0011") & TABLES
    engine = create_engine(normalise_url(store_url))
    try:
        add_draft_post(engine)
        assert run_alembic(store_url, "upgrade", "0012") >= TABLES
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT text, approval, approval_round FROM posts")).one()
        assert tuple(row) == ("Hallo", "none", 0)
        assert not run_alembic(store_url, "downgrade", "0011") & TABLES
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT text FROM posts")).scalar_one() == "Hallo"
        assert run_alembic(store_url, "upgrade", "0012") >= TABLES
    finally:
        engine.dispose()
