"""Mention counts per minute, hour or day, optionally per platform, language or sentiment.

``SqlStore.series`` is a ``SeriesStore``; ``resonanz.analytics.series`` builds zero-filled
series on it. Hours and days sum the kept counts (``mention_counts`` and
``mention_counts_daily``, see ``store/rollup.py``): a range scan of their primary key
(workspace_id, topic_id, hour/day, ...), never the mentions. Minutes are not kept: they
are counted from the mentions on request: a range scan of the (workspace_id, posted_at, id,
platform, lang, author_id) index ``ix_mentions_ws_posted_cover`` (migration 0003; the
index alone on SQLite unless grouped by sentiment), and for a topic a probe of the matches'
(mention_id, topic_id) key per mention, or PostgreSQL's hash join with the topic's matches
where it estimates that cheaper. Callers bound the range (``analytics.series`` allows 48
hours of minutes).

Group values are those of the kept counts: the platform, the language ("und" when
unknown) and the sentiment label ("none" without one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.store import rollup
from resonanz.store.schema import matches, mention_counts, mention_counts_daily, mentions
from resonanz.store.transactions import Tx
from resonanz.store.types import to_utc

Resolution = Literal["minute", "hour", "day"]
GroupBy = Literal["platform", "language", "sentiment"]
# (bucket start in UTC, group value; "" without grouping) -> mentions
Counts = dict[tuple[datetime, str], int]

_m = mentions.c


def _kept(
    conn: Connection,
    workspace_id: int,
    topic_id: int,
    resolution: Literal["hour", "day"],
    since: datetime,
    until: datetime,
    by: GroupBy | None,
) -> Counts:
    table = mention_counts if resolution == "hour" else mention_counts_daily
    at = table.c[resolution]
    columns = {
        "platform": table.c.platform,
        "language": table.c.lang,
        "sentiment": table.c.sentiment,
    }
    group: Any = sa.literal("") if by is None else columns[by]
    n = sa.func.sum(table.c.n)
    stmt = (
        sa.select(at.label("at"), group.label("grp"), n.label("n"))
        .where(
            table.c.workspace_id == workspace_id,
            table.c.topic_id == topic_id,
            at >= since,
            at < until,
        )
        .group_by(at, group)
    )
    return {(to_utc(r.at), str(r.grp)): int(r.n) for r in conn.execute(stmt) if r.n}


def _minute_key(conn: Connection) -> Any:
    """posted_at cut to its UTC minute ('YYYY-MM-DD HH:MM' text on SQLite)."""
    if conn.dialect.name == "sqlite":
        # Stored as fixed-width 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
        return sa.func.substr(_m.posted_at, 1, 16)
    return sa.func.date_trunc("minute", sa.func.timezone("UTC", _m.posted_at))


def _minute(value: Any) -> datetime:
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(stamp, datetime)
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _minutes(
    conn: Connection,
    workspace_id: int,
    topic_id: int,
    since: datetime,
    until: datetime,
    by: GroupBy | None,
) -> Counts:
    key = _minute_key(conn).label("at")
    group: Any = {
        None: sa.literal(""),
        "platform": _m.platform,
        "language": sa.func.coalesce(_m.lang, rollup.UNKNOWN_LANG),
        "sentiment": sa.func.coalesce(_m.sentiment, rollup.NO_SENTIMENT),
    }[by].label("grp")
    source: Any = mentions
    if topic_id != rollup.ALL:
        source = mentions.join(
            matches, sa.and_(matches.c.mention_id == _m.id, matches.c.topic_id == topic_id)
        )
    stmt = (
        sa.select(key, group, sa.func.count().label("n"))
        .select_from(source)
        .where(_m.workspace_id == workspace_id, _m.posted_at >= since, _m.posted_at < until)
        .group_by(key, group)
    )
    return {(_minute(r.at), str(r.grp)): int(r.n) for r in conn.execute(stmt)}


class SeriesStore:
    """Mentions per minute, hour or day of a workspace (all of them, or one topic's)."""

    def __init__(self, read: Tx) -> None:
        self._read = read

    def counts(
        self,
        workspace_id: int,
        topic_id: int | None,
        *,
        resolution: Resolution,
        since: datetime,
        until: datetime,
        by: GroupBy | None = None,
    ) -> Counts:
        """Non-zero counts per (bucket start, group) in [since, until); ``since`` and
        ``until`` should lie on bucket starts (hours and days read whole kept buckets)."""
        topic = rollup.ALL if topic_id is None else topic_id
        since, until = to_utc(since), to_utc(until)
        with self._read(f"counting mentions per {resolution}") as conn:
            if resolution == "minute":
                return _minutes(conn, workspace_id, topic, since, until, by)
            return _kept(conn, workspace_id, topic, resolution, since, until, by)
