"""Bulk upserts that take one round trip on both backends, and IN-list chunking."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from resonanz.store.types import UTCDateTime, json_dumps, to_utc

# Rows per IN (...) list: far below SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500
_T = TypeVar("_T")


def chunks(items: Iterable[_T], size: int = IN_CHUNK) -> Iterator[list[_T]]:
    """Split items into lists of at most size."""
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_upsert(
    conn: Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    conflict: tuple[str, ...],
    refresh: Callable[[Any], dict[str, Any]],
    returning: tuple[Any, ...],
) -> list[Row[Any]]:
    """INSERT ... ON CONFLICT DO UPDATE ... RETURNING for many rows in few round trips."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        names = list(rows[0])
        pg = postgresql.insert(table).from_select(names, _pg_rows(table, names, rows))
        pg = pg.on_conflict_do_update(
            index_elements=[table.c[n] for n in conflict], set_=refresh(pg.excluded)
        )
        if not returning:
            conn.execute(pg)
            return []
        return list(conn.execute(pg.returning(*returning)).all())
    lite = sqlite.insert(table)
    lite = lite.on_conflict_do_update(
        index_elements=[table.c[n] for n in conflict], set_=refresh(lite.excluded)
    )
    if not returning:
        conn.execute(lite, rows)
        return []
    return list(conn.execute(lite.returning(*returning), rows).all())


def _pg_rows(table: sa.Table, names: list[str], rows: list[dict[str, Any]]) -> sa.Select[Any]:
    """SELECT the rows from one JSON parameter (json_to_recordset) on PostgreSQL.

    psycopg re-parses long statements on every call and dumps list parameters in Python,
    so a 500-row VALUES list or unnest() of arrays costs more than the insert itself; one
    JSON document keeps the statement short and the parsing on the server.
    """
    stamps = [n for n in names if isinstance(table.c[n].type, UTCDateTime)]
    for row in rows:
        for name in stamps:
            if row[name] is not None:
                row[name] = to_utc(row[name]).isoformat()
    payload = sa.cast(sa.bindparam("rows", json_dumps(rows), type_=sa.Text), postgresql.JSON)
    recordset = (
        sa.func.json_to_recordset(payload)
        .table_valued(*[sa.column(n, table.c[n].type) for n in names])
        .render_derived(with_types=True)
    )
    return sa.select(*[recordset.c[n] for n in names])
