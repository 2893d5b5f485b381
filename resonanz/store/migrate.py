"""Bring a database schema to the newest Alembic revision shipped in this package."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from resonanz.errors import MigrationError
from resonanz.store.engine import WRITE

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Serialises concurrent migrations of one PostgreSQL database (any fixed bigint works).
_PG_LOCK_KEY = 0x5245534F4E


def alembic_config() -> Config:
    """An Alembic config pointing at the shipped migrations; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def head_revision() -> str:
    """The newest revision this version of Resonanz knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise MigrationError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def upgrade(engine: Engine, display_url: str) -> None:
    """Migrate to head in one transaction; a second call on a current schema only reads."""
    config = alembic_config()
    head = head_revision()
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                current = MigrationContext.configure(conn).get_current_revision()
                if current == head:
                    return
                _check_known(config, current, display_url)
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
    except (CommandError, RevisionError, SQLAlchemyError) as exc:
        raise MigrationError(
            f"could not migrate the database at {display_url} to schema revision {head}: {exc}"
        ) from exc


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _check_known(config: Config, current: str | None, display_url: str) -> None:
    if current is None:
        return
    try:
        ScriptDirectory.from_config(config).get_revision(current)
    except (CommandError, RevisionError) as exc:
        raise MigrationError(
            f"the database at {display_url} is at schema revision {current!r}, which this "
            "version of Resonanz does not know (was it created by a newer version?)"
        ) from exc
