"""bulk_upsert with rows as tuples of named columns stores what dict rows store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from resonanz.models import Workspace
from resonanz.store import SqlStore
from resonanz.store.bulk import bulk_upsert
from resonanz.store.schema import authors

AT = datetime(2024, 3, 1, 12, tzinfo=UTC)
CONFLICT = ("workspace_id", "platform", "handle")


def _refresh(new: sa.ColumnClause[object]) -> dict[str, object]:
    return {"followers": new.followers, "updated_at": new.updated_at}


def _stored(store: SqlStore) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(authors.c.handle, authors.c.name, authors.c.followers, authors.c.updated_at)
            .where(authors.c.handle.like("%-user-%"))
            .order_by(authors.c.handle)
        )
        return [tuple(row) for row in rows]


def test_tuple_rows_store_what_dict_rows_store(store: SqlStore, ws: Workspace) -> None:
    # Not the table's column order: the values are reordered for the statement.
    names = ("handle", "followers", "platform", "workspace_id", "updated_at", "name")
    tuples = [(f"t-user-{i}", i, "x", ws.id, AT, f"Name {i}") for i in range(3)]
    dicts = [
        dict(zip(names, (f"d-user-{i}", *row[1:]), strict=True)) for i, row in enumerate(tuples)
    ]
    returning = (authors.c.handle, authors.c.followers)
    with store.engine.begin() as conn:
        from_tuples = bulk_upsert(
            conn,
            authors,
            tuples,
            names=names,
            conflict=CONFLICT,
            refresh=_refresh,
            returning=returning,
        )
        from_dicts = bulk_upsert(
            conn, authors, dicts, conflict=CONFLICT, refresh=_refresh, returning=returning
        )
        # A conflict refreshes the row through the same columns.
        bulk_upsert(
            conn,
            authors,
            [("t-user-0", 99, "x", ws.id, AT, None)],
            names=names,
            conflict=CONFLICT,
            refresh=_refresh,
            returning=(),
        )
    assert sorted((h.replace("t-", "d-"), f) for h, f in from_tuples) == sorted(
        tuple(row) for row in from_dicts
    )
    stored = {handle: rest for handle, *rest in _stored(store)}
    assert stored["t-user-0"] == ["Name 0", 99, AT]
    for i in (1, 2):
        assert stored[f"t-user-{i}"] == stored[f"d-user-{i}"] == [f"Name {i}", i, AT]


def test_a_tuple_row_of_the_wrong_length_is_refused(store: SqlStore, ws: Workspace) -> None:
    names = ("workspace_id", "platform", "handle", "updated_at")
    with store.engine.begin() as conn, pytest.raises(ValueError, match="must have 4 values"):
        bulk_upsert(
            conn,
            authors,
            [(ws.id, "x", "a-user-1", AT), (ws.id, "x")],
            names=names,
            conflict=CONFLICT,
            refresh=_refresh,
            returning=(),
        )
    assert _stored(store) == []
