"""Texts of the newest mentions, without loading whole mentions (for term statistics)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.store.base import MentionFilter
from resonanz.store.reads import _ordered, _where
from resonanz.store.schema import mentions


def recent_texts(
    conn: Connection, workspace_id: int, flt: MentionFilter | None, limit: int
) -> list[tuple[str, str]]:
    """(search_text, text) of the newest ``limit`` mentions in the filter."""
    stmt = sa.select(mentions.c.search_text, mentions.c.text).where(
        *_where(conn, workspace_id, flt)
    )
    rows = conn.execute(_ordered(stmt, newest_first=True).limit(limit))
    return [(row.search_text, row.text) for row in rows]
