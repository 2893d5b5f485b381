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
    """(search_text, text) of the newest ``limit`` mentions in the filter.

    On PostgreSQL the newest ids are found first, from the indexes alone where the filter
    allows (the covering time index and a topic's (topic_id, mention_id) key), and only
    their rows are read: reading rows in time order and probing the topic per row visited
    every mention of the range (a month of a mid-sized topic at 1,000,000 mentions:
    250-390 ms, now 45-150 ms).
    """
    where = _where(conn, workspace_id, flt)
    if conn.dialect.name == "postgresql":
        newest = _ordered(sa.select(mentions.c.id).where(*where), newest_first=True).limit(limit)
        where = [mentions.c.id.in_(newest.scalar_subquery())]
    stmt = sa.select(mentions.c.search_text, mentions.c.text).where(*where)
    rows = conn.execute(_ordered(stmt, newest_first=True).limit(limit))
    return [(row.search_text, row.text) for row in rows]
