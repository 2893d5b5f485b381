"""Shared fixtures: a migrated store on SQLite and on PostgreSQL.

``store`` (and ``store_url``) run each test twice: on a SQLite file in tmp_path and on
PostgreSQL (``RESONANZ_TEST_POSTGRES_URL``, default postgres@127.0.0.1:5432/test) in a
fresh schema dropped afterwards. Where PostgreSQL is unreachable the postgres case is
skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from resonanz.store import SqlStore, open_store

POSTGRES_URL = os.environ.get(
    "RESONANZ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _conninfo(url: str) -> str:
    """A libpq URI for a SQLAlchemy PostgreSQL URL (no driver name, no query options)."""
    parsed = make_url(url).set(drivername="postgresql", query={})
    return parsed.render_as_string(hide_password=False)


@cache
def postgres_unavailable() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    shown = make_url(POSTGRES_URL).render_as_string(hide_password=True)
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'resonanz[postgres]')"
    try:
        psycopg.connect(_conninfo(POSTGRES_URL), connect_timeout=3).close()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL is not reachable at {shown} ({first}); set RESONANZ_TEST_POSTGRES_URL"
    return None


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_conninfo(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_conninfo(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'resonanz.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    """A migrated, empty store on each backend; closed after the test."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()
