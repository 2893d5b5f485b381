"""Sentiment counts for the dashboard: per time bucket and label, per topic and label.

``SqlStore.sentiment`` is a ``SentimentStore``. Where the kept counts can answer (a topic
and whole hours, see ``rollup.answers``) it sums ``mention_counts`` (migration 0007), like
the volume; otherwise it counts ``mentions.sentiment`` (migration 0006) through the
(workspace_id, sentiment, posted_at) index: one range per label, the index alone, a probe
of ``matches`` per labelled mention for a topic filter. Mentions without a label (not
analysed, or a language the model does not know) are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.store import rollup
from resonanz.store.base import MentionFilter, TimeBucket
from resonanz.store.reads import _day, _where
from resonanz.store.schema import matches, mentions, topics
from resonanz.store.transactions import Tx

_m = mentions.c


def _labelled(conn: Connection, workspace_id: int, flt: MentionFilter | None) -> list[Any]:
    """The filter's conditions, limited to mentions with one of the labels."""
    return [*_where(conn, workspace_id, flt), _m.sentiment.in_(SENTIMENT_LABELS)]


def over_time(
    conn: Connection, workspace_id: int, flt: MentionFilter | None, *, bucket: TimeBucket
) -> list[tuple[str, str, int]]:
    """(bucket, label, mentions) in time order; buckets as ``reads.volume`` names them."""
    at = _day(conn, bucket).label("bucket")
    stmt = (
        sa.select(at, _m.sentiment, sa.func.count().label("n"))
        .where(*_labelled(conn, workspace_id, flt))
        .group_by(at, _m.sentiment)
    )
    suffix = ":00" if bucket == "hour" else ""
    rows = [(str(r.bucket) + suffix, str(r.sentiment), int(r.n)) for r in conn.execute(stmt)]
    return sorted(rows, key=lambda row: (row[0], SENTIMENT_LABELS.index(row[1])))


def by_topic(
    conn: Connection, workspace_id: int, flt: MentionFilter | None
) -> list[tuple[str, str, int]]:
    """(topic name, label, mentions) of every topic, whatever topic the filter names."""
    if flt is not None:
        flt = replace(flt, topic_id=None)
    source = mentions.join(matches, matches.c.mention_id == _m.id).join(
        topics, topics.c.id == matches.c.topic_id
    )
    stmt = (
        sa.select(topics.c.name, _m.sentiment, sa.func.count().label("n"))
        .select_from(source)
        .where(*_labelled(conn, workspace_id, flt))
        .group_by(topics.c.name, _m.sentiment)
    )
    rows = [(str(r.name), str(r.sentiment), int(r.n)) for r in conn.execute(stmt)]
    return sorted(rows, key=lambda row: (row[0], SENTIMENT_LABELS.index(row[1])))


class SentimentStore:
    """Sentiment counts of a workspace's mentions, per time bucket and per topic.

    ``use_counts`` says whether the kept counts may answer (the store's switch, which the
    tests turn off to compare both ways).
    """

    def __init__(self, read: Tx, use_counts: Callable[[], bool]) -> None:
        self._read = read
        self._use_counts = use_counts

    def over_time(
        self, workspace_id: int, flt: MentionFilter | None = None, *, bucket: TimeBucket = "day"
    ) -> list[tuple[str, str, int]]:
        """Labelled mentions per day ('YYYY-MM-DD') or hour ('YYYY-MM-DD HH:00') and label."""
        with self._read(f"counting sentiment by {bucket}") as conn:
            if self._use_counts() and rollup.answers(flt):
                return rollup.sentiment_volume(conn, workspace_id, flt, bucket=bucket)
            return over_time(conn, workspace_id, flt, bucket=bucket)

    def by_topic(
        self, workspace_id: int, flt: MentionFilter | None = None
    ) -> list[tuple[str, str, int]]:
        """Labelled mentions per topic name and label (the filter's topic is ignored)."""
        with self._read("counting sentiment by topic") as conn:
            if self._use_counts() and rollup.answers(flt):
                return rollup.sentiment_by_topic(conn, workspace_id, flt)
            return by_topic(conn, workspace_id, flt)
