"""Mentions per hour (``mention_counts``) and per day (``mention_counts_daily``), topic,
platform, language and sentiment.

Every write that changes mentions or matches (``save_batch``, ``replace_matches``,
removing a topic) applies the difference it makes here in the same transaction: what the
touched mentions contributed before is subtracted, what they contribute now is added. A
mention contributes 1 to topic 0 (all mentions), 1 to each topic it matches, or 1 to
topic -1 when it matches none, in the hour of its ``posted_at`` with its platform,
language ("und" when unknown) and sentiment label ("none" without one; migration 0007).

``count_mentions``, ``count_by`` (platform, lang, day, topic) and ``volume`` read these
counts instead of the mentions when the filter allows it (``answers``): no filter but a
topic and a time range on whole hours (the daily table when on whole days). The overview
of a year of a busy brand then sums a few thousand rows instead of counting millions of
mentions. ``sentiment_volume`` and ``sentiment_by_topic`` count the sentiment labels the
same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.store.base import MentionFilter
from resonanz.store.bulk import bulk_upsert, chunks
from resonanz.store.reads import order_counts
from resonanz.store.schema import (
    matches,
    mention_counts,
    mention_counts_daily,
    mentions,
    topics,
)
from resonanz.store.types import to_utc

ALL = 0
NO_TOPIC = -1
UNKNOWN_LANG = "und"
NO_SENTIMENT = "none"

Key = tuple[datetime, int, str, str, str]  # (hour, topic id, platform, lang, sentiment)
_c = mention_counts.c
_TABLES = ((mention_counts, "hour"), (mention_counts_daily, "day"))


@dataclass(frozen=True)
class State:
    """What decides a mention's counts."""

    posted_at: datetime
    platform: str
    lang: str | None
    topics: frozenset[int]
    sentiment: str | None = None


def hour_of(stamp: datetime) -> datetime:
    """The UTC hour a timestamp falls in."""
    return to_utc(stamp).replace(minute=0, second=0, microsecond=0)


def contributions(states: Iterable[State]) -> Counter[Key]:
    """The counts these mentions make."""
    out: Counter[Key] = Counter()
    for state in states:
        hour = hour_of(state.posted_at)
        lang = UNKNOWN_LANG if state.lang is None else state.lang
        sentiment = NO_SENTIMENT if state.sentiment is None else state.sentiment
        out[(hour, ALL, state.platform, lang, sentiment)] += 1
        for topic_id in state.topics or (NO_TOPIC,):
            out[(hour, topic_id, state.platform, lang, sentiment)] += 1
    return out


def apply(conn: Connection, workspace_id: int, before: Counter[Key], after: Counter[Key]) -> None:
    """Change the stored counts (hourly and daily) by ``after - before``."""
    hourly: Counter[Key] = Counter(after)
    hourly.subtract(before)
    daily: Counter[Key] = Counter()
    for (hour, topic_id, platform, lang, sentiment), n in hourly.items():
        if n:
            daily[(hour.replace(hour=0), topic_id, platform, lang, sentiment)] += n
    for (table, column), delta in zip(_TABLES, (hourly, daily), strict=True):
        rows = [
            {
                "workspace_id": workspace_id,
                "topic_id": topic_id,
                column: at,
                "platform": platform,
                "lang": lang,
                "sentiment": sentiment,
                "n": n,
            }
            for (at, topic_id, platform, lang, sentiment), n in delta.items()
            if n
        ]
        if rows:
            counted = table.c.n
            bulk_upsert(
                conn,
                table,
                rows,
                conflict=(
                    "workspace_id",
                    "topic_id",
                    column,
                    "platform",
                    "lang",
                    "sentiment",
                ),
                refresh=lambda new, counted=counted: {"n": counted + new.n},  # type: ignore[misc]
                returning=(),
            )


def states_of(conn: Connection, ids: Sequence[int]) -> dict[int, State]:
    """The current state of these stored mentions."""
    rows: list[Any] = []
    found: dict[int, set[int]] = {}
    for part in chunks(ids):
        rows.extend(
            conn.execute(
                sa.select(
                    mentions.c.id,
                    mentions.c.posted_at,
                    mentions.c.platform,
                    mentions.c.lang,
                    mentions.c.sentiment,
                ).where(mentions.c.id.in_(part))
            )
        )
        for mention_id, topic_id in conn.execute(
            sa.select(matches.c.mention_id, matches.c.topic_id).where(
                matches.c.mention_id.in_(part)
            )
        ):
            found.setdefault(mention_id, set()).add(topic_id)
    return {
        r.id: State(r.posted_at, r.platform, r.lang, frozenset(found.get(r.id, ())), r.sentiment)
        for r in rows
    }


def remove_topic(conn: Connection, workspace_id: int, topic_id: int) -> None:
    """Take a topic out of the counts (before its matches are deleted)."""
    ids = list(
        conn.execute(
            sa.select(matches.c.mention_id).where(matches.c.topic_id == topic_id)
        ).scalars()
    )
    for part in chunks(ids, 5000):
        before = states_of(conn, part)
        after = [replace(s, topics=s.topics - {topic_id}) for s in before.values()]
        apply(conn, workspace_id, contributions(before.values()), contributions(after))
    for table, _ in _TABLES:
        conn.execute(
            sa.delete(table).where(
                table.c.workspace_id == workspace_id, table.c.topic_id == topic_id
            )
        )


# -- reads


def answers(flt: MentionFilter | None) -> bool:
    """True when the counts can answer for this filter exactly."""
    if flt is None:
        return True
    for field in fields(flt):
        if field.name not in ("topic_id", "since", "until") and getattr(flt, field.name):
            return False
    return all(stamp is None or hour_of(stamp) == to_utc(stamp) for stamp in (flt.since, flt.until))


def _source(flt: MentionFilter | None, bucket: str) -> tuple[sa.Table, Any]:
    """The daily table when the range is whole days and no hours are asked, else hourly."""
    stamps = () if flt is None else (flt.since, flt.until)
    whole_days = all(s is None or hour_of(s).hour == 0 for s in stamps)
    if bucket != "hour" and whole_days:
        return mention_counts_daily, mention_counts_daily.c.day
    return mention_counts, _c.hour


def _where(
    table: sa.Table,
    at: Any,
    workspace_id: int,
    flt: MentionFilter | None,
    topic_ids: Any,
) -> list[Any]:
    out: list[Any] = [table.c.workspace_id == workspace_id]
    if isinstance(topic_ids, int):
        out.append(table.c.topic_id == topic_ids)
    else:
        out.append(table.c.topic_id.in_(topic_ids))
    if flt is not None and flt.since is not None:
        out.append(at >= flt.since)
    if flt is not None and flt.until is not None:
        out.append(at < flt.until)
    return out


def _topic(flt: MentionFilter | None) -> int:
    return flt.topic_id if flt is not None and flt.topic_id is not None else ALL


def _topic_names(conn: Connection, workspace_id: int) -> dict[int, str]:
    """The workspace's topic names by id."""
    rows = conn.execute(
        sa.select(topics.c.id, topics.c.name).where(topics.c.workspace_id == workspace_id)
    )
    return {topic_id: name for topic_id, name in rows}


def count(conn: Connection, workspace_id: int, flt: MentionFilter | None) -> int:
    """Mentions in the filter."""
    table, at = _source(flt, "day")
    stmt = sa.select(sa.func.coalesce(sa.func.sum(table.c.n), 0)).where(
        *_where(table, at, workspace_id, flt, _topic(flt))
    )
    return int(conn.execute(stmt).scalar_one())


def _bucket(conn: Connection, at: Any, bucket: Literal["day", "hour"]) -> Any:
    """The SQL grouping key of a bucket: the stored column itself where it already is one."""
    if at.name == bucket:  # the daily table's day, or the hourly table's hour
        return at
    if conn.dialect.name == "sqlite":
        return sa.func.substr(sa.cast(at, sa.Text), 1, 10 if bucket == "day" else 13)
    return sa.func.date_trunc(bucket, sa.func.timezone("UTC", at))


def _label(value: Any, bucket: Literal["day", "hour"]) -> str:
    """'YYYY-MM-DD' or 'YYYY-MM-DD HH' of a grouping key (a datetime or stored text)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if bucket == "day" else "%Y-%m-%d %H")
    return str(value)[: 10 if bucket == "day" else 13]


def count_by(
    conn: Connection,
    workspace_id: int,
    dimension: Literal["platform", "lang", "day", "topic"],
    flt: MentionFilter | None,
    *,
    limit: int,
) -> list[tuple[str, int]]:
    """Counts per platform, lang, day or topic name, as ``reads.count_by`` orders them.

    For "topic" the filter must have no topic (co-occurring topics are not counted here).
    """
    table, at = _source(flt, "day")
    n = sa.func.sum(table.c.n).label("n")
    if dimension == "topic":
        names = _topic_names(conn, workspace_id)
        grouped = sa.select(table.c.topic_id, n).where(
            *_where(table, at, workspace_id, flt, list(names))
        )
        counted = [
            (str(names[r.topic_id]), int(r.n))
            for r in conn.execute(grouped.group_by(table.c.topic_id))
            if r.n > 0
        ]
        counted.sort(key=lambda item: (-item[1], item[0]))
        return counted[:limit] if limit > 0 else counted
    else:
        label = {"platform": table.c.platform, "lang": table.c.lang}.get(dimension)
        if label is None:
            label = _bucket(conn, at, "day")
        stmt = sa.select(label.label("label"), n).where(
            *_where(table, at, workspace_id, flt, _topic(flt))
        )
    stmt = order_counts(stmt.group_by(label).having(n > 0), n, dimension, limit)
    if dimension == "day":
        return sorted((_label(row.label, "day"), int(row.n)) for row in conn.execute(stmt))
    return [(str(row.label), int(row.n)) for row in conn.execute(stmt)]


def volume(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter | None,
    *,
    bucket: Literal["day", "hour"],
) -> list[tuple[str, str | None, int]]:
    """Mentions per bucket and topic name (None: no topic), as ``reads.volume`` gives them."""
    table, at = _source(flt, bucket)
    label = _bucket(conn, at, bucket).label("bucket")
    n = sa.func.sum(table.c.n).label("n")
    names: dict[int, str | None] = {**_topic_names(conn, workspace_id), NO_TOPIC: None}
    if flt is not None and flt.topic_id is not None:
        wanted: Any = flt.topic_id
    else:
        wanted = list(names)
    stmt = (
        sa.select(label, table.c.topic_id, n)
        .where(*_where(table, at, workspace_id, flt, wanted))
        .group_by(label, table.c.topic_id)
    )
    totals: Counter[tuple[str, str | None]] = Counter()
    for r in conn.execute(stmt):
        if r.topic_id in names:
            text = _label(r.bucket, bucket) + (":00" if bucket == "hour" else "")
            totals[(text, names[r.topic_id])] += int(r.n)
    rows = [(at_, name, count) for (at_, name), count in totals.items() if count > 0]
    return sorted(rows, key=lambda row: (row[0], row[1] or ""))


def sentiment_volume(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter | None,
    *,
    bucket: Literal["day", "hour"],
) -> list[tuple[str, str, int]]:
    """Labelled mentions per bucket and label, as ``store.sentiment.over_time`` gives them."""
    table, at = _source(flt, bucket)
    label = _bucket(conn, at, bucket).label("bucket")
    n = sa.func.sum(table.c.n).label("n")
    stmt = (
        sa.select(label, table.c.sentiment, n)
        .where(
            *_where(table, at, workspace_id, flt, _topic(flt)),
            table.c.sentiment.in_(SENTIMENT_LABELS),
        )
        .group_by(label, table.c.sentiment)
    )
    suffix = ":00" if bucket == "hour" else ""
    rows = [
        (_label(r.bucket, bucket) + suffix, str(r.sentiment), int(r.n))
        for r in conn.execute(stmt)
        if r.n > 0
    ]
    return sorted(rows, key=lambda row: (row[0], SENTIMENT_LABELS.index(row[1])))


def sentiment_by_topic(
    conn: Connection, workspace_id: int, flt: MentionFilter | None
) -> list[tuple[str, str, int]]:
    """Labelled mentions per topic name and label, every topic (the filter's is ignored)."""
    table, at = _source(flt, "day")
    names = _topic_names(conn, workspace_id)
    n = sa.func.sum(table.c.n).label("n")
    stmt = (
        sa.select(table.c.topic_id, table.c.sentiment, n)
        .where(
            *_where(table, at, workspace_id, flt, list(names)),
            table.c.sentiment.in_(SENTIMENT_LABELS),
        )
        .group_by(table.c.topic_id, table.c.sentiment)
    )
    rows = [(names[r.topic_id], str(r.sentiment), int(r.n)) for r in conn.execute(stmt) if r.n > 0]
    return sorted(rows, key=lambda row: (row[0], SENTIMENT_LABELS.index(row[1])))


def check(conn: Connection, workspace_id: int, *, daily: bool = False) -> Mapping[Key, int]:
    """The stored non-zero counts of a workspace (for tests and repairs)."""
    table, at = (
        (mention_counts_daily, mention_counts_daily.c.day) if daily else (mention_counts, _c.hour)
    )
    rows = conn.execute(
        sa.select(
            at.label("at"),
            table.c.topic_id,
            table.c.platform,
            table.c.lang,
            table.c.sentiment,
            table.c.n,
        ).where(table.c.workspace_id == workspace_id, table.c.n != 0)
    )
    return {(r.at, r.topic_id, r.platform, r.lang, r.sentiment): int(r.n) for r in rows}
