"""Publishing notifications: which alert channels get a workspace's publishing events,
and the queueing of an event's messages into the alerts' delivery queue.

An event has a stable key (``resonanz.publishing.notify``); ``queue`` inserts one alert
delivery per channel with ``ON CONFLICT DO NOTHING`` on the unique (channel, key) index,
so whatever runs concurrently or restarts, an event is queued once per channel, and all
of an event's deliveries are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from resonanz.errors import StoreError
from resonanz.publishing import states as st
from resonanz.publishing.models import Delivery
from resonanz.store.publishing import _delivery
from resonanz.store.schema import alert_channels, alert_deliveries, post_deliveries, publish_notify
from resonanz.store.transactions import TxStore

_n, _de, _d = publish_notify.c, alert_deliveries.c, post_deliveries.c


@dataclass(frozen=True)
class NotifySettings:
    """Where a workspace's publishing events go: alert channel ids, the language of the
    messages, since when (earlier events are not notified), and which events (None: the
    default ones, ``publishing.notify.DEFAULT_EVENTS``)."""

    workspace_id: int
    channel_ids: tuple[int, ...]
    lang: str
    since: datetime
    events: tuple[str, ...] | None = None


class NotifyStore(TxStore):
    """Reads and writes of publish_notify; queueing into alert_deliveries."""

    def get(self, workspace_id: int) -> NotifySettings | None:
        found = self._settings(_n.workspace_id == workspace_id)
        return found[0] if found else None

    def all(self) -> list[NotifySettings]:
        """Every workspace's settings that name at least one channel."""
        return [s for s in self._settings(sa.true()) if s.channel_ids]

    def _settings(self, cond: Any) -> list[NotifySettings]:
        with self._read("reading publishing notifications") as conn:
            rows = conn.execute(sa.select(publish_notify).where(cond)).all()
            existing = {
                int(i)
                for (i,) in conn.execute(
                    sa.select(alert_channels.c.id).where(
                        alert_channels.c.workspace_id.in_([r.workspace_id for r in rows])
                    )
                )
            }
        # A removed alert channel drops out of the list.
        return [
            NotifySettings(
                workspace_id=r.workspace_id,
                channel_ids=tuple(int(c) for c in r.channels if int(c) in existing),
                lang=r.lang,
                since=r.since,
                events=None if r.events is None else tuple(str(e) for e in r.events),
            )
            for r in rows
        ]

    def put(
        self,
        workspace_id: int,
        channel_ids: Sequence[int],
        *,
        lang: str,
        at: datetime,
        events: Sequence[str] | None = None,
    ) -> NotifySettings:
        """Replace the workspace's settings; events from ``at`` on are notified."""
        with self._write("saving publishing notifications") as conn:
            conn.execute(sa.delete(publish_notify).where(_n.workspace_id == workspace_id))
            conn.execute(
                sa.insert(publish_notify).values(
                    workspace_id=workspace_id,
                    channels=list(channel_ids),
                    lang=lang,
                    since=at,
                    events=None if events is None else list(events),
                )
            )
        found = self.get(workspace_id)
        if found is None:
            raise StoreError("saving the publishing notifications did not stick")
        return found

    def clear(self, workspace_id: int) -> bool:
        """Stop notifying publishing events; False when nothing was set."""
        with self._write("removing publishing notifications") as conn:
            gone = conn.execute(
                sa.delete(publish_notify).where(_n.workspace_id == workspace_id)
            ).rowcount
        return bool(gone)

    def failures(self, workspace_id: int, since: datetime) -> list[Delivery]:
        """Deliveries that went to needs_attention or failed at or after ``since``."""
        with self._read("reading failed deliveries") as conn:
            rows = conn.execute(
                sa.select(post_deliveries)
                .where(
                    _d.workspace_id == workspace_id,
                    _d.state.in_((st.NEEDS_ATTENTION, st.FAILED)),
                    _d.last_error_at >= since,
                )
                .order_by(_d.last_error_at, _d.id)
            )
            return [_delivery(r) for r in rows]

    def queued(self, channel_ids: Sequence[int], keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` already queued for every one of the channels."""
        wanted = list(keys)
        if not wanted or not channel_ids:
            return set()
        with self._read("reading queued notifications") as conn:
            rows = conn.execute(
                sa.select(_de.event_key)
                .where(_de.event_key.in_(wanted), _de.channel_id.in_(list(channel_ids)))
                .group_by(_de.event_key)
                .having(sa.func.count(sa.distinct(_de.channel_id)) >= len(set(channel_ids)))
            )
            return {str(k) for (k,) in rows}

    def queue(
        self,
        channel_ids: Sequence[int],
        messages: Mapping[str, Mapping[str, Any]],
        *,
        at: datetime,
    ) -> int:
        """Queue each message (by event key) for each channel, once; returns how many
        deliveries were added."""
        added = 0
        with self._write("queueing publishing notifications") as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            for key, message in messages.items():
                for channel_id in channel_ids:
                    stmt = (
                        dialect.insert(alert_deliveries)
                        .values(
                            incident_id=None,
                            channel_id=channel_id,
                            sequence=0,
                            status="pending",
                            attempts=0,
                            next_attempt_at=at,
                            message=dict(message),
                            created_at=at,
                            event_key=key,
                        )
                        .on_conflict_do_nothing(index_elements=["channel_id", "event_key"])
                        .returning(_de.id)
                    )
                    added += len(conn.execute(stmt).all())
        return added


def notify_store(store: Any) -> NotifyStore:
    """The publishing-notification tables of an open SqlStore (sharing its transactions)."""
    write = getattr(store, "_write", None)
    read = getattr(store, "_read", None)
    if write is None or read is None:
        raise StoreError(f"{store!r} is not a SQL store")
    return NotifyStore(write, read)
