"""Migration 0010 (publishing) goes up, down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from resonanz.store import open_store
from resonanz.store.migrate import current_revision, head_revision
from tests.migration_steps import run_alembic

TABLES = {"publish_channels", "posts", "post_deliveries", "publish_pauses"}


def test_migration_0010_up_down_up(store_url: str) -> None:
    assert not run_alembic(store_url, "upgrade", "0009") & TABLES
    assert run_alembic(store_url, "upgrade", "0010") >= TABLES
    assert not run_alembic(store_url, "downgrade", "0009") & TABLES
    with open_store(store_url) as store:
        assert current_revision(store.engine) == head_revision()
        inspector = sa.inspect(store.engine)
        assert set(inspector.get_table_names()) >= TABLES
        indexes = {i["name"] for i in inspector.get_indexes("post_deliveries")}
        assert {"ix_post_deliveries_due", "ix_post_deliveries_lease"} <= indexes
