"""Migration 0010 (publishing) goes up, down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from resonanz.store import open_store
from resonanz.store.engine import WRITE, create_engine, normalise_url
from resonanz.store.migrate import alembic_config, current_revision, head_revision

TABLES = {"publish_channels", "posts", "post_deliveries", "publish_pauses"}


def _alembic(url: str, action: str, revision: str) -> set[str]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                config = alembic_config()
                config.attributes["connection"] = conn
                getattr(command, action)(config, revision)
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migration_0010_up_down_up(store_url: str) -> None:
    assert not _alembic(store_url, "upgrade", "0009") & TABLES
    assert _alembic(store_url, "upgrade", "0010") >= TABLES
    assert not _alembic(store_url, "downgrade", "0009") & TABLES
    with open_store(store_url) as store:
        assert current_revision(store.engine) == head_revision()
        inspector = sa.inspect(store.engine)
        assert set(inspector.get_table_names()) >= TABLES
        indexes = {i["name"] for i in inspector.get_indexes("post_deliveries")}
        assert {"ix_post_deliveries_due", "ix_post_deliveries_lease"} <= indexes
