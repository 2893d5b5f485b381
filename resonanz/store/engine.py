"""Engines for the two backends: URL rules, SQLite pragmas, write transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from resonanz.errors import StoreError
from resonanz.store.types import json_dumps

# Execution option that marks a connection as about to write (BEGIN IMMEDIATE on SQLite).
WRITE = "resonanz_write"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MIN_SQLITE = (3, 35, 0)


def normalise_url(url: str) -> URL:
    """Parse a store URL: plain paths mean SQLite, postgresql:// means psycopg 3."""
    if "://" not in url:
        url = "sqlite:///" + url
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {backend!r} in {parsed.render_as_string()}: "
            "use sqlite:///path.db or postgresql://user@host/db"
        )
    return parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def create_engine(url: URL) -> Engine:
    """Create an engine for a normalised URL (SQLite file parents are created)."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return sa.create_engine(url, pool_pre_ping=True, json_serializer=json_dumps)


def _sqlite_engine(url: URL) -> Engine:
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise StoreError(
            f"Resonanz needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer (for RETURNING "
            f"and upserts); this Python has {sqlite3.sqlite_version}"
        )
    options: dict[str, Any] = {"json_serializer": json_dumps}
    if _is_memory(url):
        # One shared connection, or every checkout would see a different empty database.
        options["poolclass"] = StaticPool
    elif url.database:
        try:
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {url.database}: {exc}") from exc
    engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Apply pragmas and take over BEGIN from the sqlite3 module."""
    # sqlite3 would only BEGIN before DML, deferred; SQLAlchemy emits BEGIN itself instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE for writers, so a read-then-write never fails on a busy snapshot."""
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
