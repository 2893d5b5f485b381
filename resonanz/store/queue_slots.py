"""Queue slots of publishing channels and the claims of queued posts on them.

A slot claim is a row (channel, slot instant) -> post; its primary key lets one post hold
a slot on a channel. Queuing runs in one transaction that locks the post, finds the first
candidate instant free on all its channels (no live claim, no other scheduled post at that
instant), inserts the claims and schedules the post. Two posts queued at the same moment
cannot both insert a claim for the same slot: on PostgreSQL the second insert waits for the
first transaction and then fails on the key (a savepoint rolls just that insert back and
the next candidate is tried); on SQLite the write lock runs one queuing at a time.

A claim whose post was deleted, rescheduled elsewhere or sent back to draft is stale: it
does not hold the slot and is replaced by the next post queued there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from resonanz.errors import ConflictError, NotFoundError
from resonanz.publishing import states as st
from resonanz.store.publishing import PublishingStore
from resonanz.store.schema import (
    post_deliveries,
    posts,
    publish_channels,
    publish_slots,
    slot_claims,
)
from resonanz.store.transactions import TxStore

_s, _k, _p, _d = publish_slots.c, slot_claims.c, posts.c, post_deliveries.c


@dataclass(frozen=True)
class Slot:
    """A weekly wall-clock slot of a channel: weekday 0 (Monday) .. 6, "HH:MM", zone."""

    id: int
    channel_id: int
    channel_name: str
    weekday: int
    time: str
    timezone: str


@dataclass(frozen=True)
class Candidate:
    """A slot instant common to a post's channels: UTC, and the wall time to show."""

    utc: datetime
    local: str
    timezone: str


class SlotStore(TxStore):
    """Reads and writes of queue slots and slot claims."""

    def add(
        self,
        workspace_id: int,
        channel_id: int,
        weekday: int,
        time: str,
        timezone: str,
        *,
        at: datetime,
    ) -> None:
        with self._write("adding a queue slot") as conn:
            taken = conn.execute(
                sa.select(_s.id).where(
                    _s.channel_id == channel_id, _s.weekday == weekday, _s.time == time
                )
            ).first()
            if taken is not None:
                raise ConflictError("the channel has this slot already")
            conn.execute(
                sa.insert(publish_slots).values(
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    weekday=weekday,
                    time=time,
                    timezone=timezone,
                    created_at=at,
                )
            )

    def remove(self, workspace_id: int, channel_id: int, weekday: int, time: str) -> bool:
        with self._write("removing a queue slot") as conn:
            gone = conn.execute(
                sa.delete(publish_slots).where(
                    _s.workspace_id == workspace_id,
                    _s.channel_id == channel_id,
                    _s.weekday == weekday,
                    _s.time == time,
                )
            ).rowcount
        return bool(gone)

    def slots(self, workspace_id: int, channel_ids: Sequence[int] | None = None) -> list[Slot]:
        """The workspace's slots (of these channels), by channel, weekday and time."""
        cond = _s.workspace_id == workspace_id
        if channel_ids is not None:
            cond = sa.and_(cond, _s.channel_id.in_(tuple(channel_ids)))
        with self._read("listing queue slots") as conn:
            rows = conn.execute(
                sa.select(publish_slots, publish_channels.c.name)
                .join(publish_channels, publish_channels.c.id == _s.channel_id)
                .where(cond)
                .order_by(publish_channels.c.name, _s.weekday, _s.time)
            )
            return [Slot(r.id, r.channel_id, r.name, r.weekday, r.time, r.timezone) for r in rows]

    def queue_post(
        self, workspace_id: int, post_id: int, candidates: Sequence[Candidate], *, at: datetime
    ) -> Candidate:
        """Schedule the post into the first candidate free on all its channels (see the
        module doc); ConflictError when none is."""
        with self._write("queuing a post") as conn:
            post = conn.execute(sa.select(posts).where(_p.id == post_id).with_for_update()).first()
            if post is None or post.workspace_id != workspace_id:
                raise NotFoundError(f"no post with id {post_id}")
            if post.status == "deleted":
                raise ConflictError(f"post {post_id} was deleted")
            rows = conn.execute(
                sa.select(_d.channel_id, _d.state).where(
                    _d.post_id == post_id, _d.channel_id.is_not(None)
                )
            ).all()
            if any(r.state in (st.SENDING, st.SENT) for r in rows):
                raise ConflictError(
                    f"post {post_id} is being published or was published; it cannot be queued"
                )
            channels = sorted({int(r.channel_id) for r in rows})
            for slot in candidates:
                if self._taken(conn, post_id, channels, slot.utc):
                    continue
                # Stale claims only: one another transaction committed since the check
                # belongs to a post scheduled there and stays (our insert then fails).
                live = sa.select(_p.id).where(
                    _p.status == st.SCHEDULED, _p.scheduled_at == slot.utc
                )
                conn.execute(
                    sa.delete(slot_claims).where(
                        _k.channel_id.in_(channels),
                        _k.slot_at == slot.utc,
                        _k.post_id.notin_(live),
                    )
                )
                try:
                    with conn.begin_nested():
                        for channel_id in channels:
                            conn.execute(
                                sa.insert(slot_claims).values(
                                    channel_id=channel_id, slot_at=slot.utc, post_id=post_id
                                )
                            )
                except IntegrityError:
                    continue  # queued by another transaction a moment ago
                self._schedule(conn, post_id, slot, at)
                return slot
        raise ConflictError(
            f"post {post_id} kept as a draft, not queued: no free queue slot common to its "
            f"channels in the next weeks; add slots with 'resonanz channels slots NAME add'"
        )

    def _taken(self, conn: Any, post_id: int, channels: Sequence[int], utc: datetime) -> bool:
        """Another live post holds the instant on one of the channels: a claim of a post
        still scheduled there, or any delivery scheduled for that instant."""
        claim = conn.execute(
            sa.select(_k.post_id)
            .join(posts, _p.id == _k.post_id)
            .where(_k.channel_id.in_(channels), _k.slot_at == utc, _k.post_id != post_id)
            .where(_p.status == st.SCHEDULED, _p.scheduled_at == utc)
            .limit(1)
        ).first()
        if claim is not None:
            return True
        other = conn.execute(
            sa.select(_d.id)
            .join(posts, _p.id == _d.post_id)
            .where(_d.channel_id.in_(channels), _d.due_at == utc, _d.post_id != post_id)
            .where(_p.status == st.SCHEDULED, _d.state != st.CANCELED)
            .limit(1)
        ).first()
        return other is not None

    def _schedule(self, conn: Any, post_id: int, slot: Candidate, at: datetime) -> None:
        conn.execute(
            sa.update(posts)
            .where(_p.id == post_id)
            .values(
                status=st.SCHEDULED,
                scheduled_at=slot.utc,
                timezone=slot.timezone,
                local_time=slot.local,
                updated_at=at,
            )
        )
        conn.execute(
            sa.update(post_deliveries)
            .where(
                _d.post_id == post_id,
                _d.channel_id.is_not(None),
                _d.state.in_((st.DRAFT, st.SCHEDULED, st.CLAIMED)),
            )
            .values(
                state=st.SCHEDULED,
                due_at=slot.utc,
                next_attempt_at=slot.utc,
                claimed_by=None,
                claimed_until=None,
                overdue_reported_at=None,
                updated_at=at,
            )
        )


def slots_of(pub: PublishingStore) -> SlotStore:
    """The slot tables beside a PublishingStore (the same transactions)."""
    return SlotStore(pub._write, pub._read)
