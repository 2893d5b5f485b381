"""Bulk upserts that take one round trip on both backends, and IN-list chunking."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from types import CodeType
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from resonanz.errors import StoreError
from resonanz.store.types import UTCDateTime, json_dumps, sqlite_stamp, to_utc

# Rows per IN (...) list: far below SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500
# Parameters per SQLite statement: below SQLITE_MAX_VARIABLE_NUMBER (32766 since 3.32).
SQLITE_MAX_PARAMS = 32_000
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
    rows: list[dict[str, Any]] | list[tuple[Any, ...]],
    *,
    conflict: tuple[str, ...],
    refresh: Callable[[Any], dict[str, Any]],
    returning: tuple[Any, ...],
    names: tuple[str, ...] | None = None,
) -> list[Sequence[Any]]:
    """INSERT ... ON CONFLICT DO UPDATE ... RETURNING for many rows in few round trips.

    Rows are dicts of column values, or (with ``names``) tuples of the values of these
    columns in this order, which spares the big batches of the write path a dict per row.
    Returns the ``returning`` values of every row, by position (in no particular order).
    """
    if not rows:
        return []
    if names is not None and any(len(row) != len(names) for row in rows):
        raise ValueError(f"every {table.name} row must have {len(names)} values")
    if conn.dialect.name == "postgresql":
        if names is None:
            dicts = cast(list[dict[str, Any]], rows)
        else:
            dicts = [dict(zip(names, row, strict=True)) for row in rows]
        columns = list(dicts[0])
        pg = postgresql.insert(table).from_select(columns, _pg_rows(table, columns, dicts))
        pg = pg.on_conflict_do_update(
            index_elements=[table.c[n] for n in conflict], set_=refresh(pg.excluded)
        )
        if not returning:
            conn.execute(pg)
            return []
        return list(conn.execute(pg.returning(*returning)).all())
    return _sqlite_upsert(
        conn, table, rows, names, conflict=conflict, refresh=refresh, returning=returning
    )


_Processor = Callable[[Any], Any]
# (SQL before the VALUES rows, one row's placeholders, SQL after, column order, processors)
_LiteSql = tuple[str, str, str, tuple[str, ...], tuple[tuple[int, _Processor], ...]]
_lite_cache: dict[tuple[str, tuple[str, ...], tuple[str, ...], CodeType, int, str], _LiteSql] = {}


def _sqlite_upsert(
    conn: Connection,
    table: sa.Table,
    rows: list[dict[str, Any]] | list[tuple[Any, ...]],
    names: tuple[str, ...] | None,
    *,
    conflict: tuple[str, ...],
    refresh: Callable[[Any], dict[str, Any]],
    returning: tuple[Any, ...],
) -> list[Sequence[Any]]:
    """The SQLite upsert as multi-row VALUES statements, parameters converted here.

    SQLAlchemy's executemany (insertmanyvalues) costs more per row than SQLite's insert:
    it builds and processes a parameter dict per row. Here the statement is compiled once
    per shape, the few typed columns (JSON, timestamps) are converted with the columns' own
    bind processors, and each statement gets one flat tuple of parameters.
    """
    if names is None:
        dicts = cast(list[dict[str, Any]], rows)
        head, group, tail, order, processors = _sqlite_sql(
            conn.dialect, table, tuple(dicts[0]), conflict, refresh, returning
        )
        values = [row[name] for row in dicts for name in order]
    else:
        tuples = cast(list[tuple[Any, ...]], rows)
        head, group, tail, order, processors = _sqlite_sql(
            conn.dialect, table, names, conflict, refresh, returning
        )
        if order == names:
            values = list(chain.from_iterable(tuples))
        else:
            at = [names.index(name) for name in order]
            values = [row[i] for row in tuples for i in at]
    width = len(order)
    try:
        stamps: dict[Any, str] = {}  # timestamps repeat (created_at is posted_at)
        for index, process in processors:
            if process is sqlite_stamp:
                values[index::width] = [
                    None if v is None else stamps.get(v) or stamps.setdefault(v, sqlite_stamp(v))
                    for v in values[index::width]
                ]
            else:
                values[index::width] = [process(v) for v in values[index::width]]
    except (TypeError, ValueError, StoreError) as exc:
        # What SQLAlchemy raises when a bind processor fails.
        raise sa.exc.StatementError(str(exc), None, None, exc) from exc
    per_statement = max(1, SQLITE_MAX_PARAMS // width)
    found: list[Sequence[Any]] = []
    for start in range(0, len(rows), per_statement):
        count = min(per_statement, len(rows) - start)
        sql = head + ", ".join([group] * count) + tail
        params = tuple(values[start * width : (start + count) * width])
        result = conn.exec_driver_sql(sql, params)
        if returning:
            found.extend(result.cursor.fetchall())  # plain tuples: no Row objects to build
        result.close()
    return found


def _sqlite_sql(
    dialect: Dialect,
    table: sa.Table,
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    refresh: Callable[[Any], dict[str, Any]],
    returning: tuple[Any, ...],
) -> _LiteSql:
    """Compile (once per shape) the single-row upsert and split it around its VALUES row.

    ``refresh`` must depend on its argument only: its code object is part of the cache key.
    """
    key = (
        table.name,
        names,
        conflict,
        refresh.__code__,
        len(returning),
        ",".join(str(getattr(col, "name", col)) for col in returning),
    )
    cached = _lite_cache.get(key)
    if cached is not None:
        return cached
    lite = sqlite.insert(table).values({n: sa.bindparam(n) for n in names})
    lite = lite.on_conflict_do_update(
        index_elements=[table.c[n] for n in conflict], set_=refresh(lite.excluded)
    )
    compiled = (lite.returning(*returning) if returning else lite).compile(dialect=dialect)
    order = tuple(compiled.positiontup or ())
    if sorted(order) != sorted(names):
        raise AssertionError(f"unexpected parameters in the {table.name} upsert: {order}")
    group = "(" + ", ".join(["?"] * len(order)) + ")"
    marker = " VALUES " + group
    sql = compiled.string
    if sql.count(marker) != 1:
        raise AssertionError(f"cannot find the VALUES row in the {table.name} upsert")
    head, tail = sql.split(marker)
    processors: list[tuple[int, _Processor]] = []
    for index, name in enumerate(order):
        process: _Processor | None = sqlite_stamp  # UTCDateTime's, less None check and wrapper
        if not isinstance(table.c[name].type, UTCDateTime):
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((index, process))
    built = (head + " VALUES ", group, tail, order, tuple(processors))
    _lite_cache[key] = built
    return built


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
