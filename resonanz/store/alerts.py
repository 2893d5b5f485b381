"""Alert channels, rules, incidents and deliveries; the counts the detectors read.

``SqlStore.alerts`` is an ``AlertStore`` sharing the store's engine and transactions. An
incident's state change and the deliveries of its message are written in one
transaction (the outbox): a message that was decided is never lost, and a delivery is
only marked sent after the notifier returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from resonanz.alerts.rules import Channel, Delivery, Incident, Rule
from resonanz.errors import ConflictError, NotFoundError
from resonanz.store.schema import (
    alert_channels,
    alert_deliveries,
    alert_incidents,
    alert_rules,
    authors,
    matches,
    mention_counts,
    mentions,
    topics,
)
from resonanz.store.transactions import TxStore
from resonanz.store.types import to_utc

_ch, _ru, _in, _de = alert_channels.c, alert_rules.c, alert_incidents.c, alert_deliveries.c


@dataclass(frozen=True)
class AuthorMention:
    """A mention by an author with many followers (for the new-author detector)."""

    mention_id: int
    platform: str
    handle: str
    name: str | None
    followers: int
    text: str
    url: str | None
    posted_at: datetime


def _channel(row: Row[Any]) -> Channel:
    return Channel(
        id=row.id,
        workspace_id=row.workspace_id,
        name=row.name,
        kind=row.kind,
        config=dict(row.config),
        has_secrets=row.secrets is not None,
        created_at=row.created_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
    )


def _rule(row: Row[Any]) -> Rule:
    return Rule(
        id=row.id,
        workspace_id=row.workspace_id,
        topic_id=row.topic_id,
        topic=row.topic,
        detector=row.detector,
        params=dict(row.params),
        quiet_hours=row.quiet_hours,
        timezone=row.timezone,
        lang=row.lang,
        channel_ids=tuple(row.channels),
        enabled=bool(row.enabled),
        created_at=row.created_at,
        checked_at=row.checked_at,
    )


def _incident(row: Row[Any]) -> Incident:
    return Incident(
        id=row.id,
        workspace_id=row.workspace_id,
        rule_id=row.rule_id,
        topic_id=row.topic_id,
        topic=row.topic,
        kind=row.kind,
        subject=row.subject,
        status=row.status,
        started_at=row.started_at,
        last_seen_at=row.last_seen_at,
        resolved_at=row.resolved_at,
        notified_ratio=row.notified_ratio,
        notified_at=row.notified_at,
        peak_ratio=row.peak_ratio,
        sequence=row.sequence,
        observed=row.observed,
        expected=row.expected,
        explanation=row.explanation,
        mention_ids=tuple(row.mention_ids),
    )


_INCIDENT_COLUMNS = (*alert_incidents.c, topics.c.name.label("topic"))


class AlertStore(TxStore):
    """Reads and writes of the alert tables."""

    # -- channels
    def add_channel(
        self,
        workspace_id: int,
        name: str,
        kind: str,
        config: Mapping[str, str],
        secrets: str | None,
        *,
        at: datetime,
    ) -> Channel:
        """Store a channel; ``secrets`` is already encrypted. ConflictError for a taken name."""
        with self._write("adding an alert channel") as conn:
            taken = conn.execute(
                sa.select(_ch.id).where(_ch.workspace_id == workspace_id, _ch.name == name)
            ).first()
            if taken is not None:
                raise ConflictError(f"an alert channel named {name!r} already exists")
            channel_id = conn.execute(
                sa.insert(alert_channels).values(
                    workspace_id=workspace_id,
                    name=name,
                    kind=kind,
                    config=dict(config),
                    secrets=secrets,
                    created_at=at,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        return self.get_channel_by_id(int(channel_id))

    def list_channels(self, workspace_id: int) -> list[Channel]:
        with self._read("listing alert channels") as conn:
            rows = conn.execute(
                sa.select(alert_channels).where(_ch.workspace_id == workspace_id).order_by(_ch.name)
            )
            return [_channel(r) for r in rows]

    def get_channel(self, workspace_id: int, name: str) -> Channel:
        with self._read("reading an alert channel") as conn:
            row = conn.execute(
                sa.select(alert_channels).where(_ch.workspace_id == workspace_id, _ch.name == name)
            ).first()
        if row is None:
            raise NotFoundError(f"no alert channel named {name!r}")
        return _channel(row)

    def get_channel_by_id(self, channel_id: int) -> Channel:
        with self._read("reading an alert channel") as conn:
            row = conn.execute(sa.select(alert_channels).where(_ch.id == channel_id)).first()
        if row is None:
            raise NotFoundError(f"no alert channel with id {channel_id}")
        return _channel(row)

    def channel_secrets(self, channel_id: int) -> str | None:
        """The channel's encrypted secrets (decrypt with resonanz.secrets)."""
        with self._read("reading an alert channel") as conn:
            value = conn.execute(sa.select(_ch.secrets).where(_ch.id == channel_id)).scalar()
        return None if value is None else str(value)

    def remove_channel(self, workspace_id: int, name: str) -> None:
        channel = self.get_channel(workspace_id, name)
        with self._write("removing an alert channel") as conn:
            conn.execute(sa.delete(alert_channels).where(_ch.id == channel.id))
            # Rules keep working with their other channels.
            for row in conn.execute(
                sa.select(_ru.id, _ru.channels).where(_ru.workspace_id == workspace_id)
            ).all():
                if channel.id in row.channels:
                    kept = [c for c in row.channels if c != channel.id]
                    conn.execute(
                        sa.update(alert_rules).where(_ru.id == row.id).values(channels=kept)
                    )

    def record_channel_result(self, channel_id: int, at: datetime, error: str | None) -> None:
        """Remember the last success or the last error of a channel (shown to users)."""
        values: dict[str, Any] = (
            {"last_success_at": at} if error is None else {"last_error": error, "last_error_at": at}
        )
        with self._write("recording an alert channel's result") as conn:
            conn.execute(sa.update(alert_channels).where(_ch.id == channel_id).values(**values))

    # -- rules
    def add_rule(
        self,
        workspace_id: int,
        topic_id: int,
        detector: str,
        params: Mapping[str, Any],
        *,
        quiet_hours: str | None,
        timezone: str,
        lang: str,
        channel_ids: Sequence[int],
        at: datetime,
    ) -> Rule:
        """Store a rule; ConflictError when the topic already has one for this detector."""
        with self._write("adding an alert rule") as conn:
            taken = conn.execute(
                sa.select(_ru.id).where(_ru.topic_id == topic_id, _ru.detector == detector)
            ).first()
            if taken is not None:
                raise ConflictError(f"this topic already has a {detector} rule")
            rule_id = conn.execute(
                sa.insert(alert_rules).values(
                    workspace_id=workspace_id,
                    topic_id=topic_id,
                    detector=detector,
                    params=dict(params),
                    quiet_hours=quiet_hours,
                    timezone=timezone,
                    lang=lang,
                    channels=list(channel_ids),
                    enabled=True,
                    created_at=at,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        return self._rules(sa.and_(_ru.id == int(rule_id)))[0]

    def list_rules(self, workspace_id: int, *, enabled_only: bool = False) -> list[Rule]:
        cond = _ru.workspace_id == workspace_id
        if enabled_only:
            cond = sa.and_(cond, _ru.enabled.is_(True))
        return self._rules(cond)

    def _rules(self, cond: Any) -> list[Rule]:
        stmt = (
            sa.select(*alert_rules.c, topics.c.name.label("topic"))
            .join(topics, topics.c.id == _ru.topic_id)
            .where(cond)
            .order_by(topics.c.name, _ru.detector)
        )
        with self._read("listing alert rules") as conn:
            return [_rule(r) for r in conn.execute(stmt)]  # type: ignore[arg-type]

    def remove_rule(self, workspace_id: int, topic_id: int, detector: str) -> None:
        with self._write("removing an alert rule") as conn:
            deleted = conn.execute(
                sa.delete(alert_rules).where(
                    _ru.workspace_id == workspace_id,
                    _ru.topic_id == topic_id,
                    _ru.detector == detector,
                )
            ).rowcount
        if not deleted:
            raise NotFoundError(f"this topic has no {detector} rule")

    def get_rule_by_id(self, rule_id: int) -> Rule:
        """One rule; NotFoundError when there is none with this id."""
        found = self._rules(_ru.id == rule_id)
        if not found:
            raise NotFoundError(f"no alert rule with id {rule_id}")
        return found[0]

    def update_rule(
        self,
        rule_id: int,
        *,
        params: Mapping[str, Any],
        quiet_hours: str | None,
        timezone: str,
        lang: str,
        channel_ids: Sequence[int],
    ) -> Rule:
        """Replace a rule's settings (topic and detector stay; checked by the caller)."""
        with self._write("changing an alert rule") as conn:
            changed = conn.execute(
                sa.update(alert_rules)
                .where(_ru.id == rule_id)
                .values(
                    params=dict(params),
                    quiet_hours=quiet_hours,
                    timezone=timezone,
                    lang=lang,
                    channels=list(channel_ids),
                )
            ).rowcount
        if not changed:
            raise NotFoundError(f"no alert rule with id {rule_id}")
        return self.get_rule_by_id(rule_id)

    def set_rule_enabled(self, rule_id: int, enabled: bool) -> None:
        with self._write("changing an alert rule") as conn:
            conn.execute(sa.update(alert_rules).where(_ru.id == rule_id).values(enabled=enabled))

    def set_rule_checked(self, rule_id: int, at: datetime) -> None:
        with self._write("recording an alert check") as conn:
            conn.execute(sa.update(alert_rules).where(_ru.id == rule_id).values(checked_at=at))

    # -- incidents and deliveries
    def open_incidents(self, rule_id: int) -> list[Incident]:
        stmt = (
            sa.select(*_INCIDENT_COLUMNS)
            .join(topics, topics.c.id == _in.topic_id)
            .where(_in.rule_id == rule_id, _in.status == "open")
        )
        with self._read("reading open incidents") as conn:
            return [_incident(r) for r in conn.execute(stmt)]

    def save_incident(
        self,
        values: Mapping[str, Any],
        *,
        incident_id: int | None,
        messages: Mapping[int, Mapping[str, Any]],
        send_at: datetime,
        at: datetime,
    ) -> int:
        """Insert or update an incident and queue its message for each channel, atomically.

        ``messages`` maps channel id to the message to deliver (empty: nothing to send).
        Returns the incident id. A message already queued for the same incident, channel
        and sequence is not queued twice.
        """
        with self._write("saving an incident") as conn:
            if incident_id is None:
                result = conn.execute(sa.insert(alert_incidents).values(**values))
                incident_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            else:
                conn.execute(
                    sa.update(alert_incidents).where(_in.id == incident_id).values(**values)
                )
            sequence = conn.execute(
                sa.select(_in.sequence).where(_in.id == incident_id)
            ).scalar_one()
            for channel_id, message in messages.items():
                exists = conn.execute(
                    sa.select(_de.id).where(
                        _de.incident_id == incident_id,
                        _de.channel_id == channel_id,
                        _de.sequence == sequence,
                    )
                ).first()
                if exists is not None:
                    continue
                conn.execute(
                    sa.insert(alert_deliveries).values(
                        incident_id=incident_id,
                        channel_id=channel_id,
                        sequence=sequence,
                        status="pending",
                        attempts=0,
                        next_attempt_at=send_at,
                        message={**message, "incident_id": incident_id},
                        created_at=at,
                    )
                )
        return incident_id

    def due_deliveries(
        self, now: datetime, *, limit: int = 100, events_only: bool = False
    ) -> list[Delivery]:
        """Pending deliveries whose time has come, oldest first (``events_only``: those
        of publishing events, which have no incident)."""
        cond = sa.and_(_de.status == "pending", _de.next_attempt_at <= now)
        if events_only:
            cond = sa.and_(cond, _de.incident_id.is_(None))
        return self._deliveries(cond, limit=limit)

    def claim_delivery(self, delivery_id: int, now: datetime, *, until: datetime) -> bool:
        """Take a due delivery for sending: its next attempt moves to ``until`` unless
        another sender took it first (then False). The sender records the outcome with
        ``update_delivery``; if it dies, the delivery is due again at ``until``."""
        with self._write("claiming an alert delivery") as conn:
            taken = conn.execute(
                sa.update(alert_deliveries)
                .where(
                    _de.id == delivery_id,
                    _de.status == "pending",
                    _de.next_attempt_at <= now,
                )
                .values(next_attempt_at=until)
            ).rowcount
        return bool(taken)

    def deliveries(self, incident_ids: Iterable[int]) -> list[Delivery]:
        ids = list(incident_ids)
        if not ids:
            return []
        return self._deliveries(_de.incident_id.in_(ids), limit=None)

    def _deliveries(self, cond: Any, *, limit: int | None) -> list[Delivery]:
        stmt = (
            sa.select(*alert_deliveries.c, _ch.name.label("channel"))
            .join(alert_channels, _ch.id == _de.channel_id)
            .where(cond)
            .order_by(_de.next_attempt_at, _de.id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read("reading alert deliveries") as conn:
            return [
                Delivery(
                    id=r.id,
                    incident_id=r.incident_id,
                    channel_id=r.channel_id,
                    channel=r.channel,
                    sequence=r.sequence,
                    status=r.status,
                    attempts=r.attempts,
                    next_attempt_at=r.next_attempt_at,
                    last_error=r.last_error,
                    message=dict(r.message),
                    created_at=r.created_at,
                    sent_at=r.sent_at,
                )
                for r in conn.execute(stmt)
            ]

    def update_delivery(
        self,
        delivery_id: int,
        *,
        status: str,
        attempts: int,
        next_attempt_at: datetime,
        error: str | None,
        sent_at: datetime | None = None,
    ) -> None:
        with self._write("recording an alert delivery") as conn:
            conn.execute(
                sa.update(alert_deliveries)
                .where(_de.id == delivery_id)
                .values(
                    status=status,
                    attempts=attempts,
                    next_attempt_at=next_attempt_at,
                    last_error=error,
                    sent_at=sent_at,
                )
            )

    def history(
        self, workspace_id: int, *, topic_id: int | None = None, limit: int = 50
    ) -> list[Incident]:
        """Incidents, newest first."""
        cond = _in.workspace_id == workspace_id
        if topic_id is not None:
            cond = sa.and_(cond, _in.topic_id == topic_id)
        stmt = (
            sa.select(*_INCIDENT_COLUMNS)
            .join(topics, topics.c.id == _in.topic_id)
            .where(cond)
            .order_by(_in.started_at.desc(), _in.id.desc())
            .limit(limit)
        )
        with self._read("reading alert history") as conn:
            return [_incident(r) for r in conn.execute(stmt)]

    # -- what the detectors read
    def hour_counts(
        self, workspace_id: int, topic_id: int, since: datetime, until: datetime
    ) -> dict[datetime, int]:
        """Mentions of the topic per UTC hour in [since, until), from the kept counts."""
        c = mention_counts.c
        stmt = (
            sa.select(c.hour, sa.func.sum(c.n))
            .where(
                c.workspace_id == workspace_id,
                c.topic_id == topic_id,
                c.hour >= to_utc(since),
                c.hour < to_utc(until),
            )
            .group_by(c.hour)
        )
        with self._read("reading hourly counts") as conn:
            return {to_utc(hour): int(n) for hour, n in conn.execute(stmt)}

    def sentiment_counts(
        self, workspace_id: int, topic_id: int, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(negative, with any sentiment label) among the topic's mentions in [since, until)."""
        m = mentions.c
        stmt = (
            sa.select(
                sa.func.count(sa.case((m.sentiment == "negative", 1))),
                sa.func.count(m.sentiment),
            )
            .join(matches, sa.and_(matches.c.mention_id == m.id, matches.c.topic_id == topic_id))
            .where(m.workspace_id == workspace_id, m.posted_at >= since, m.posted_at < until)
        )
        with self._read("counting sentiment") as conn:
            negative, total = conn.execute(stmt).one()
        return int(negative or 0), int(total or 0)

    def posted_times(
        self, workspace_id: int, topic_id: int, since: datetime, until: datetime
    ) -> list[datetime]:
        """posted_at of the topic's mentions in [since, until), oldest first."""
        m = mentions.c
        stmt = (
            sa.select(m.posted_at)
            .join(matches, sa.and_(matches.c.mention_id == m.id, matches.c.topic_id == topic_id))
            .where(m.workspace_id == workspace_id, m.posted_at >= since, m.posted_at < until)
            .order_by(m.posted_at)
        )
        with self._read("reading recent mentions") as conn:
            return [to_utc(t) for (t,) in conn.execute(stmt)]

    def newest_mentions(
        self,
        workspace_id: int,
        topic_id: int,
        since: datetime,
        until: datetime,
        limit: int,
        *,
        sentiment: str | None = None,
    ) -> list[tuple[int, str, str, str | None]]:
        """(id, author handle, text, url) of the topic's newest mentions in the range (of
        one sentiment label when given)."""
        m = mentions.c
        stmt = (
            sa.select(m.id, authors.c.handle, m.text, m.url)
            .join(matches, sa.and_(matches.c.mention_id == m.id, matches.c.topic_id == topic_id))
            .outerjoin(authors, authors.c.id == m.author_id)
            .where(m.workspace_id == workspace_id, m.posted_at >= since, m.posted_at < until)
            .where(m.sentiment == sentiment if sentiment else sa.true())
            .order_by(m.posted_at.desc())
            .limit(limit)
        )
        with self._read("reading example mentions") as conn:
            return [(r.id, r.handle or "", r.text, r.url) for r in conn.execute(stmt)]

    def high_reach_mentions(
        self,
        workspace_id: int,
        topic_id: int,
        since: datetime,
        until: datetime,
        *,
        min_followers: int,
        new_for: timedelta = timedelta(days=30),
    ) -> list[AuthorMention]:
        """The topic's mentions in [since, until) by authors with at least ``min_followers``
        who had not mentioned the topic in the ``new_for`` before ``since``; the first
        mention per author."""
        m = mentions.c
        earlier = mentions.alias("earlier")
        earlier_match = matches.alias("earlier_match")
        seen_before = (
            sa.select(earlier.c.id)
            .join(
                earlier_match,
                sa.and_(
                    earlier_match.c.mention_id == earlier.c.id,
                    earlier_match.c.topic_id == topic_id,
                ),
            )
            .where(
                earlier.c.author_id == m.author_id,
                earlier.c.posted_at >= since - new_for,
                earlier.c.posted_at < since,
            )
            .exists()
        )
        stmt = (
            sa.select(
                m.id,
                m.platform,
                authors.c.handle,
                authors.c.name,
                authors.c.followers,
                m.text,
                m.url,
                m.posted_at,
                m.author_id,
            )
            .join(matches, sa.and_(matches.c.mention_id == m.id, matches.c.topic_id == topic_id))
            .join(authors, authors.c.id == m.author_id)
            .where(
                m.workspace_id == workspace_id,
                m.posted_at >= since,
                m.posted_at < until,
                authors.c.followers >= min_followers,
                ~seen_before,
            )
            .order_by(m.posted_at, m.id)
        )
        out: dict[int, AuthorMention] = {}
        with self._read("reading high-reach mentions") as conn:
            for r in conn.execute(stmt):
                out.setdefault(
                    r.author_id,
                    AuthorMention(
                        r.id,
                        r.platform,
                        r.handle,
                        r.name,
                        int(r.followers),
                        r.text,
                        r.url,
                        to_utc(r.posted_at),
                    ),
                )
        return list(out.values())
