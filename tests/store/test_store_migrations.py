"""Schema migrations, engine set-up and URL handling."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from resonanz.errors import MigrationError, StoreError
from resonanz.store import open_store
from resonanz.store.engine import create_engine, normalise_url
from resonanz.store.migrate import current_revision, head_revision

TABLES = {
    "workspaces",
    "topics",
    "sources",
    "authors",
    "mentions",
    "matches",
    "mention_aspects",
    "users",
    "memberships",
    "mention_counts",
    "alert_channels",
    "alert_rules",
    "alert_incidents",
    "alert_deliveries",
    "training_examples",
    "workspace_models",
    "topic_clusters",
    "topic_cluster_posts",
    "publish_channels",
    "posts",
    "post_deliveries",
    "publish_pauses",
    "alembic_version",
}


def test_migrates_an_empty_database_to_head(store_url: str) -> None:
    store = open_store(store_url)
    try:
        assert current_revision(store.engine) == head_revision() == "0022"
        names = set(sa.inspect(store.engine).get_table_names())
        assert names >= TABLES
    finally:
        store.close()


def test_second_open_is_a_no_op(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(store_url).close()

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("upgrade ran on a database already at head")

    monkeypatch.setattr(command, "upgrade", fail)
    store = open_store(store_url)
    try:
        assert store.list_workspaces() == []
    finally:
        store.close()


def test_failing_migration_raises_migration_error(store_url: str) -> None:
    engine = create_engine(normalise_url(store_url))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE workspaces (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(MigrationError, match=r"could not migrate the database at .* to schema"):
        open_store(store_url)


def test_unknown_revision_is_reported(store_url: str) -> None:
    open_store(store_url).close()
    engine = create_engine(normalise_url(store_url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'fffffff'"))
    engine.dispose()
    with pytest.raises(MigrationError, match=r"'fffffff'.*newer version"):
        open_store(store_url)


def test_sqlite_file_settings_and_parent_dirs(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "resonanz.db"
    store = open_store(f"sqlite:///{path}")
    try:
        assert path.exists()
        with store.engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10_000,
            "synchronous": 1,  # NORMAL
        }
    finally:
        store.close()


def test_plain_path_and_memory_urls(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "plain.db")) as store:
        assert store.engine.url.get_backend_name() == "sqlite"
    with open_store("sqlite://") as store:
        store.create_workspace("mem", "In memory")
        assert [w.slug for w in store.list_workspaces()] == ["mem"]


def test_postgres_urls_use_psycopg() -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        assert normalise_url(url).drivername == "postgresql+psycopg"


def test_unsupported_and_unreachable_databases() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_store("mysql://root@localhost/x")
    with pytest.raises(StoreError, match="cannot open the database at postgresql"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")


def test_error_messages_hide_passwords() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgresql://nobody:s3cr3t@127.0.0.1:1/none?connect_timeout=2")
    assert "s3cr3t" not in str(info.value)
