"""The sweeper: every delivery overdue by more than five minutes is reported, with why.

A delivery is overdue when its post is scheduled, it is not sent (scheduled, claimed or
sending) and its due time is more than ``late_by`` past. Each is logged as a warning once
(``overdue_reported_at``); ``overdue()`` lists all of them whenever asked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from resonanz.errors import NotFoundError
from resonanz.publishing import states as st
from resonanz.publishing.models import Delivery
from resonanz.store.publishing import PublishingStore

log = logging.getLogger(__name__)
LATE_BY = timedelta(minutes=5)


@dataclass(frozen=True)
class Overdue:
    """An overdue delivery, how late it is and the likely reason."""

    delivery: Delivery
    late_s: float
    reason: str


def reason(pub: PublishingStore, delivery: Delivery, now: datetime) -> str:
    """The likely reason a delivery is overdue (also in publishing notifications)."""
    pause = pub.paused(delivery.workspace_id)
    if pause is not None:
        return f"publishing is paused ({pause.reason})" if pause.reason else "publishing is paused"
    if pub.awaits_approval(delivery.workspace_id, delivery.post_id):
        return "the post waits for approval ('resonanz post approve')"
    if delivery.channel_id is not None:
        try:
            channel = pub.get_channel_by_id(delivery.channel_id)
        except NotFoundError:
            return "its channel was removed"
        if channel.status != "connected":
            return f"channel {channel.name!r} is disconnected"
    if delivery.state in (st.CLAIMED, st.SENDING):
        return (
            f"{delivery.state} by {delivery.claimed_by} until {delivery.claimed_until:%H:%M:%S} UTC"
        )
    if delivery.last_error and delivery.next_attempt_at and delivery.next_attempt_at > now:
        return f"retrying at {delivery.next_attempt_at:%H:%M:%S} UTC after: {delivery.last_error}"
    return "no scheduler has picked it up (is 'resonanz scheduler run' running?)"


def overdue(
    pub: PublishingStore,
    *,
    now: datetime,
    late_by: timedelta = LATE_BY,
    workspace_id: int | None = None,
) -> list[Overdue]:
    """Every delivery (of one workspace, or of all) overdue by more than ``late_by``,
    oldest first."""
    return [
        Overdue(
            delivery=d,
            late_s=(now - d.due_at).total_seconds() if d.due_at else 0.0,
            reason=reason(pub, d, now),
        )
        for d in pub.overdue(now=now, late_by=late_by, workspace_id=workspace_id)
    ]


def sweep(pub: PublishingStore, *, now: datetime, late_by: timedelta = LATE_BY) -> list[Overdue]:
    """Report (log, mark) the overdue deliveries not reported before; returns them."""
    fresh = [
        item
        for item in overdue(pub, now=now, late_by=late_by)
        if item.delivery.overdue_reported_at is None
    ]
    for item in fresh:
        d = item.delivery
        log.warning(
            "delivery %d (post %d to %s) is %.0f min overdue: %s",
            d.id,
            d.post_id,
            d.channel_name,
            item.late_s / 60,
            item.reason,
        )
    _mark(pub, [item.delivery for item in fresh], now)
    return fresh


def _mark(pub: PublishingStore, deliveries: Sequence[Delivery], now: datetime) -> None:
    pub.mark_overdue_reported([d.id for d in deliveries], at=now)
