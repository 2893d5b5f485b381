"""Mentions per hour, topic, platform and language: the ``mention_counts`` table.

Every write that changes mentions or matches (``save_batch``, ``replace_matches``,
removing a topic) applies the difference it makes here in the same transaction: what the
touched mentions contributed before is subtracted, what they contribute now is added. A
mention contributes 1 to topic 0 (all mentions), 1 to each topic it matches, or 1 to
topic -1 when it matches none, in the hour of its ``posted_at`` with its platform and
language ("und" when unknown).

``count_mentions``, ``count_by`` (platform, lang, day, topic) and ``volume`` read these
counts instead of the mentions when the filter allows it (``answers``): no filter but a
topic and a time range on whole hours. The overview of a year of a busy brand then sums a
few thousand rows instead of counting millions of mentions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.store.base import MentionFilter
from resonanz.store.bulk import bulk_upsert, chunks
from resonanz.store.schema import matches, mention_counts, mentions, topics
from resonanz.store.types import to_utc

ALL = 0
NO_TOPIC = -1
UNKNOWN_LANG = "und"

Key = tuple[datetime, int, str, str]  # (hour, topic id, platform, lang)
_c = mention_counts.c


@dataclass(frozen=True)
class State:
    """What decides a mention's counts."""

    posted_at: datetime
    platform: str
    lang: str | None
    topics: frozenset[int]


def hour_of(stamp: datetime) -> datetime:
    """The UTC hour a timestamp falls in."""
    return to_utc(stamp).replace(minute=0, second=0, microsecond=0)


def contributions(states: Iterable[State]) -> Counter[Key]:
    """The counts these mentions make."""
    out: Counter[Key] = Counter()
    for state in states:
        hour = hour_of(state.posted_at)
        lang = UNKNOWN_LANG if state.lang is None else state.lang
        out[(hour, ALL, state.platform, lang)] += 1
        for topic_id in state.topics or (NO_TOPIC,):
            out[(hour, topic_id, state.platform, lang)] += 1
    return out


def apply(conn: Connection, workspace_id: int, before: Counter[Key], after: Counter[Key]) -> None:
    """Change the stored counts by ``after - before``."""
    delta: Counter[Key] = Counter(after)
    delta.subtract(before)
    rows = [
        {
            "workspace_id": workspace_id,
            "topic_id": topic_id,
            "hour": hour,
            "platform": platform,
            "lang": lang,
            "n": n,
        }
        for (hour, topic_id, platform, lang), n in delta.items()
        if n
    ]
    if rows:
        bulk_upsert(
            conn,
            mention_counts,
            rows,
            conflict=("workspace_id", "topic_id", "hour", "platform", "lang"),
            refresh=lambda new: {"n": _c.n + new.n},
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
                    mentions.c.id, mentions.c.posted_at, mentions.c.platform, mentions.c.lang
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
        r.id: State(r.posted_at, r.platform, r.lang, frozenset(found.get(r.id, ()))) for r in rows
    }


def states_by_key(
    conn: Connection, workspace_id: int, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], State]:
    """The state of those (platform, native id) keys that are stored."""
    by_platform: dict[str, list[str]] = {}
    for platform, native_id in keys:
        by_platform.setdefault(platform, []).append(native_id)
    ids: dict[int, tuple[str, str]] = {}
    for platform, natives in by_platform.items():
        for part in chunks(natives):
            rows = conn.execute(
                sa.select(mentions.c.id, mentions.c.native_id).where(
                    mentions.c.workspace_id == workspace_id,
                    mentions.c.platform == platform,
                    mentions.c.native_id.in_(part),
                )
            )
            ids.update((id_, (platform, native)) for id_, native in rows)
    if not ids:
        return {}
    return {ids[id_]: state for id_, state in states_of(conn, list(ids)).items()}


def remove_topic(conn: Connection, workspace_id: int, topic_id: int) -> None:
    """Take a topic out of the counts (before its matches are deleted)."""
    ids = list(
        conn.execute(
            sa.select(matches.c.mention_id).where(matches.c.topic_id == topic_id)
        ).scalars()
    )
    for part in chunks(ids, 5000):
        before = states_of(conn, part)
        after = [
            State(s.posted_at, s.platform, s.lang, s.topics - {topic_id}) for s in before.values()
        ]
        apply(conn, workspace_id, contributions(before.values()), contributions(after))
    conn.execute(
        sa.delete(mention_counts).where(_c.workspace_id == workspace_id, _c.topic_id == topic_id)
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


def _where(workspace_id: int, flt: MentionFilter | None, topic: int | None) -> list[Any]:
    out: list[Any] = [_c.workspace_id == workspace_id]
    if topic is not None:
        out.append(_c.topic_id == topic)
    if flt is not None and flt.since is not None:
        out.append(_c.hour >= flt.since)
    if flt is not None and flt.until is not None:
        out.append(_c.hour < flt.until)
    return out


def _topic(flt: MentionFilter | None) -> int:
    return flt.topic_id if flt is not None and flt.topic_id is not None else ALL


def count(conn: Connection, workspace_id: int, flt: MentionFilter | None) -> int:
    """Mentions in the filter."""
    stmt = sa.select(sa.func.coalesce(sa.func.sum(_c.n), 0)).where(
        *_where(workspace_id, flt, _topic(flt))
    )
    return int(conn.execute(stmt).scalar_one())


def _bucket(conn: Connection, bucket: Literal["day", "hour"]) -> Any:
    if conn.dialect.name == "sqlite":
        return sa.func.substr(sa.cast(_c.hour, sa.Text), 1, 10 if bucket == "day" else 13)
    fmt = "YYYY-MM-DD" if bucket == "day" else "YYYY-MM-DD HH24"
    return sa.func.to_char(sa.func.timezone("UTC", _c.hour), fmt)


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
    n = sa.func.sum(_c.n).label("n")
    if dimension == "topic":
        label: Any = topics.c.name
        stmt = (
            sa.select(label.label("label"), n)
            .select_from(mention_counts.join(topics, topics.c.id == _c.topic_id))
            .where(*_where(workspace_id, flt, None), _c.topic_id > 0)
        )
    else:
        label = {"platform": _c.platform, "lang": _c.lang}.get(dimension)
        if label is None:
            label = _bucket(conn, "day")
        stmt = sa.select(label.label("label"), n).where(*_where(workspace_id, flt, _topic(flt)))
    stmt = stmt.group_by(label).having(n > 0)
    if dimension == "day":
        stmt = stmt.order_by(sa.desc("label"))
    else:
        stmt = stmt.order_by(n.desc(), sa.asc("label"))
    if limit > 0:
        stmt = stmt.limit(limit)
    rows = [(str(row.label), int(row.n)) for row in conn.execute(stmt)]
    return sorted(rows) if dimension == "day" else rows


def volume(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter | None,
    *,
    bucket: Literal["day", "hour"],
) -> list[tuple[str, str | None, int]]:
    """Mentions per bucket and topic name (None: no topic), as ``reads.volume`` gives them."""
    label = _bucket(conn, bucket).label("bucket")
    n = sa.func.sum(_c.n).label("n")
    where = _where(workspace_id, flt, None)
    if flt is not None and flt.topic_id is not None:
        where.append(_c.topic_id == flt.topic_id)
    else:
        where.append(_c.topic_id != ALL)
    stmt = (
        sa.select(label, topics.c.name, n)
        .select_from(mention_counts.outerjoin(topics, topics.c.id == _c.topic_id))
        .where(*where)
        .group_by(label, topics.c.name)
        .having(n > 0)
    )
    rows = [
        (str(r.bucket) + (":00" if bucket == "hour" else ""), r.name, int(r.n))
        for r in conn.execute(stmt)
    ]
    return sorted(rows, key=lambda row: (row[0], row[1] or ""))


def check(conn: Connection, workspace_id: int) -> Mapping[Key, int]:
    """The stored non-zero counts of a workspace (for tests and repairs)."""
    rows = conn.execute(
        sa.select(_c.hour, _c.topic_id, _c.platform, _c.lang, _c.n).where(
            _c.workspace_id == workspace_id, _c.n != 0
        )
    )
    return {(r.hour, r.topic_id, r.platform, r.lang): int(r.n) for r in rows}
