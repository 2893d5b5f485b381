"""Recurring posts: the series rows and the occurrences made from them.

An occurrence is an ordinary post (with its deliveries in the outbox) that records its
series and its wall time; ``UNIQUE (series_id, occurrence)`` makes a second copy of one
occurrence impossible, and each series is advanced under its row lock (``FOR UPDATE`` on
PostgreSQL; SQLite's write lock), so two schedulers making occurrences at once make each
one once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from resonanz.errors import NotFoundError
from resonanz.publishing import states as st
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.recurrence import Rule
from resonanz.store.publishing import PublishingStore, insert_post
from resonanz.store.schema import post_deliveries, post_series, posts, publish_channels
from resonanz.store.transactions import TxStore

_s, _p, _d, _c = post_series.c, posts.c, post_deliveries.c, publish_channels.c
ACTIVE, STOPPED, FINISHED = "active", "stopped", "finished"


@dataclass(frozen=True)
class Series:
    """A recurring post: the text each occurrence gets, its channels and its rule."""

    id: int
    workspace_id: int
    author_id: int | None
    text: str
    variants: Mapping[int, str]
    channel_ids: tuple[int, ...]
    timezone: str
    rule: Rule
    status: str  # active | stopped | finished
    made: int  # occurrences passed so far (made, or skipped as too late)
    next_local: str | None
    version: int
    note: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Occurrence:
    """One occurrence to make: its wall time and UTC instant, or why it is skipped."""

    local: str
    utc: datetime
    skip: str | None = None


@dataclass(frozen=True)
class Made:
    """What advancing one series did: posts made and occurrences skipped (why)."""

    series_id: int
    post_ids: tuple[int, ...]
    skipped: tuple[tuple[str, str], ...]


def _series(row: Row[Any]) -> Series:
    return Series(
        id=row.id,
        workspace_id=row.workspace_id,
        author_id=row.author_id,
        text=row.text,
        variants={int(k): str(v) for k, v in dict(row.variants).items()},
        channel_ids=tuple(int(c) for c in row.channel_ids),
        timezone=row.timezone,
        rule=Rule.from_json(row.rule),
        status=row.status,
        made=row.made,
        next_local=row.next_local,
        version=row.version,
        note=row.note,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@dataclass(frozen=True)
class OccurrencePost:
    """A post made from a series, with how many of its deliveries are (un)sent."""

    post_id: int
    occurrence: str
    status: str
    scheduled_at: datetime | None
    unsent: int
    sent: int


# Plans the next occurrences of a locked series: (occurrences, how many the rule has
# passed after them, the next wall time or None when the series is over).
Planner = Callable[[Series], tuple[Sequence[Occurrence], int, str | None]]


class SeriesStore(TxStore):
    """Reads and writes of post series and their occurrences."""

    def create(
        self,
        workspace_id: int,
        *,
        text: str,
        variants: Mapping[int, str],
        channels: Sequence[PublishChannel],
        author_id: int | None,
        timezone: str,
        rule: Rule,
        next_local: str | None,
        at: datetime,
    ) -> Series:
        with self._write("creating a recurring post") as conn:
            new_id = conn.execute(
                sa.insert(post_series)
                .values(
                    workspace_id=workspace_id,
                    author_id=author_id,
                    text=text,
                    variants={str(k): v for k, v in variants.items()},
                    channel_ids=[c.id for c in channels],
                    timezone=timezone,
                    rule=rule.to_json(),
                    status=ACTIVE,
                    made=0,
                    next_local=next_local,
                    version=1,
                    created_at=at,
                    updated_at=at,
                )
                .returning(_s.id)
            ).scalar_one()
        return self.get(workspace_id, int(new_id))

    def get(self, workspace_id: int, series_id: int) -> Series:
        with self._read("reading a recurring post") as conn:
            row = conn.execute(
                sa.select(post_series).where(_s.id == series_id, _s.workspace_id == workspace_id)
            ).first()
        if row is None:
            raise NotFoundError(f"no recurring post (series) with id {series_id}")
        return _series(row)

    def all(self, workspace_id: int) -> list[Series]:
        with self._read("listing recurring posts") as conn:
            rows = conn.execute(
                sa.select(post_series).where(_s.workspace_id == workspace_id).order_by(_s.id)
            )
            return [_series(r) for r in rows]

    def active(self) -> list[tuple[int, str | None, str]]:
        """(id, next wall time, zone) of every workspace's active series (for the
        scheduler's tick, which advances only those due within its horizon)."""
        with self._read("listing recurring posts") as conn:
            rows = conn.execute(
                sa.select(_s.id, _s.next_local, _s.timezone).where(_s.status == ACTIVE)
            )
            return [(int(r.id), r.next_local, str(r.timezone)) for r in rows]

    def occurrence_posts(self, series_id: int) -> list[OccurrencePost]:
        """The series' posts with their unsent and sent deliveries, in order."""
        unsent = sa.func.sum(sa.case((_d.state != st.SENT, 1), else_=0))
        sent = sa.func.sum(sa.case((_d.state == st.SENT, 1), else_=0))
        with self._read("listing a series' posts") as conn:
            rows = conn.execute(
                sa.select(_p.id, _p.occurrence, _p.status, _p.scheduled_at, unsent, sent)
                .select_from(posts.outerjoin(post_deliveries, _d.post_id == _p.id))
                .where(_p.series_id == series_id)
                .group_by(_p.id, _p.occurrence, _p.status, _p.scheduled_at)
                .order_by(_p.scheduled_at, _p.id)
            ).all()
        return [
            OccurrencePost(int(r[0]), str(r[1]), str(r[2]), r[3], int(r[4] or 0), int(r[5] or 0))
            for r in rows
        ]

    def advance(self, series_id: int, plan: Planner, *, at: datetime) -> Made:
        """Make the occurrences ``plan`` returns for the series (locked meanwhile) as
        scheduled posts, and move the series on. An occurrence that exists already (the
        unique key) is not made again."""
        with self._write("making recurring posts") as conn:
            row = conn.execute(
                sa.select(post_series).where(_s.id == series_id).with_for_update()
            ).first()
            if row is None or row.status != ACTIVE:
                return Made(series_id, (), ())
            series = _series(row)
            channels = self._channels(conn, series)
            if not channels:
                gone = "stopped: none of its channels exists any more"
                conn.execute(
                    sa.update(post_series)
                    .where(_s.id == series_id)
                    .values(status=STOPPED, next_local=None, note=gone, updated_at=at)
                )
                return Made(series_id, (), ((series.next_local or "-", gone),))
            planned, made, next_local = plan(series)
            ids: list[int] = []
            skipped: list[tuple[str, str]] = []
            for occ in planned:
                if occ.skip is not None:
                    skipped.append((occ.local, occ.skip))
                    continue
                exists = conn.execute(
                    sa.select(_p.id).where(_p.series_id == series_id, _p.occurrence == occ.local)
                ).first()
                if exists is None:
                    ids.append(self._make(conn, series, channels, occ, at))
            note = skipped[-1][1] if skipped else series.note
            conn.execute(
                sa.update(post_series)
                .where(_s.id == series_id)
                .values(
                    made=made,
                    next_local=next_local,
                    status=ACTIVE if next_local is not None else FINISHED,
                    note=note,
                    updated_at=at,
                )
            )
        return Made(series_id, tuple(ids), tuple(skipped))

    def _channels(self, conn: Connection, series: Series) -> list[Row[Any]]:
        rows: list[Row[Any]] = list(
            conn.execute(
                sa.select(publish_channels).where(
                    _c.id.in_(series.channel_ids), _c.workspace_id == series.workspace_id
                )
            )
        )
        return sorted(rows, key=lambda r: series.channel_ids.index(int(r.id)))

    def _make(
        self,
        conn: Connection,
        series: Series,
        channels: Sequence[Row[Any]],
        occ: Occurrence,
        at: datetime,
    ) -> int:
        """One occurrence: a scheduled post with a scheduled delivery per channel."""
        kept = {c.id for c in channels}
        return insert_post(
            conn,
            series.workspace_id,
            channels,
            state=st.SCHEDULED,
            at=at,
            due_at=occ.utc,
            author_id=series.author_id,
            text=series.text,
            variants={str(k): v for k, v in series.variants.items() if k in kept},
            scheduled_at=occ.utc,
            timezone=series.timezone,
            local_time=occ.local,
            series_id=series.id,
            occurrence=occ.local,
        )

    def update_text(
        self,
        workspace_id: int,
        series_id: int,
        *,
        text: str,
        variants: Mapping[int, str],
        at: datetime,
    ) -> Series:
        """The text occurrences made from now on get (made ones are edited by the caller)."""
        with self._write("editing a recurring post") as conn:
            row = conn.execute(
                sa.select(post_series)
                .where(_s.id == series_id, _s.workspace_id == workspace_id)
                .with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no recurring post (series) with id {series_id}")
            conn.execute(
                sa.update(post_series)
                .where(_s.id == series_id)
                .values(
                    text=text,
                    variants={str(k): v for k, v in variants.items()},
                    version=row.version + 1,
                    updated_at=at,
                )
            )
        return self.get(workspace_id, series_id)

    def stop(self, workspace_id: int, series_id: int, *, at: datetime, note: str) -> Series:
        """No more occurrences are made (the caller deletes the unsent ones made)."""
        with self._write("stopping a recurring post") as conn:
            changed = conn.execute(
                sa.update(post_series)
                .where(_s.id == series_id, _s.workspace_id == workspace_id)
                .values(status=STOPPED, next_local=None, note=note, updated_at=at)
            ).rowcount
        if not changed:
            raise NotFoundError(f"no recurring post (series) with id {series_id}")
        return self.get(workspace_id, series_id)


def series_store(store: Any) -> SeriesStore:
    """The series tables of an open SqlStore (sharing its engine and transactions)."""
    from resonanz.store.publishing import publishing_store

    return series_of(publishing_store(store))


def series_of(pub: PublishingStore) -> SeriesStore:
    """The series tables beside a PublishingStore (the same transactions)."""
    return SeriesStore(pub._write, pub._read)
