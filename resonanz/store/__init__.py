"""REMEMBER: the only package that writes SQL. ``open_store(url)`` gives a migrated Store.

SQLite (``sqlite:///path.db``, the default) and PostgreSQL (``postgresql://user@host/db``,
via psycopg 3) sit behind the same API; see docs/store.md.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from resonanz.errors import StoreError
from resonanz.store.base import FtsExpr, MentionFilter, SaveResult, Store
from resonanz.store.engine import create_engine, normalise_url
from resonanz.store.migrate import upgrade
from resonanz.store.sql import SqlStore

__all__ = [
    "FtsExpr",
    "MentionFilter",
    "SaveResult",
    "SqlStore",
    "Store",
    "display_url",
    "open_store",
]


def display_url(url: str) -> str:
    """The database URL with any password masked, for printing."""
    return normalise_url(url).render_as_string(hide_password=True)


def open_store(url: str) -> SqlStore:
    """Open the database at url and bring its schema up to date.

    ``postgresql://`` URLs use psycopg 3; extra query parameters go to the driver, e.g.
    ``?options=-csearch_path%3Dmyschema`` to keep Resonanz's tables in their own schema.
    Raises StoreError when the database cannot be reached and MigrationError when its
    schema cannot be migrated.
    """
    parsed = normalise_url(url)
    display = parsed.render_as_string(hide_password=True)
    engine = create_engine(parsed)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(f"cannot open the database at {display}: {reason}") from exc
    try:
        upgrade(engine, display)
    except StoreError:
        engine.dispose()
        raise
    return SqlStore(engine, parsed.render_as_string(hide_password=False))
