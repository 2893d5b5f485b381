"""Queue slots: weekly wall-clock times per channel ("mon 09:00" in Europe/Berlin) and
queuing a post into the next slot free on all its channels.

A slot is a wall time in its zone, so "mon 09:00" Europe/Berlin is 09:00 in summer and
winter (08:00 UTC in winter, 07:00 UTC in summer). On the days clocks change, a slot
time follows ``when.plan``: one that does not exist (02:30 on the spring-forward
Sunday) is the instant 03:30 local, one that exists twice (02:30 on the fall-back
Sunday) is the first. Slots of several channels are common when they are the same UTC
instant. Queuing looks ``WEEKS`` weeks ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from resonanz.errors import NotFoundError, ValidationError
from resonanz.publishing.compose import problems
from resonanz.publishing.models import Post
from resonanz.publishing.recurrence import WEEKDAYS, check_time, parse_weekdays
from resonanz.publishing.when import plan, zone
from resonanz.store.publishing import PublishingStore
from resonanz.store.queue_slots import Candidate, Slot, slots_of

WEEKS = 8  # how far ahead a post is queued


def parse_slot(text: str) -> tuple[int, str]:
    """``"mon 09:00"`` -> (0, "09:00"); ValidationError saying how to write it."""
    parts = text.split()
    if len(parts) != 2:
        raise ValidationError(
            f"cannot read the slot {text!r}: write it as DAY HH:MM, e.g. 'mon 09:00'"
        )
    (day,) = parse_weekdays(parts[0])
    return day, check_time(parts[1])


def slot_label(slot: Slot) -> str:
    return f"{WEEKDAYS[slot.weekday]} {slot.time}"


def add_slots(
    pub: PublishingStore,
    workspace_id: int,
    channel_name: str,
    specs: Sequence[str],
    *,
    timezone: str,
    now: datetime | None = None,
) -> list[Slot]:
    """Add weekly slots to a channel (all checked first); returns the channel's slots."""
    zone(timezone)
    channel = pub.get_channel(workspace_id, channel_name)
    parsed = [parse_slot(spec) for spec in specs]
    if not parsed:
        raise ValidationError("name at least one slot, e.g. 'mon 09:00'")
    store = slots_of(pub)
    have = {(s.weekday, s.time) for s in store.slots(workspace_id, [channel.id])}
    for weekday, time in dict.fromkeys(parsed):
        if (weekday, time) not in have:
            store.add(
                workspace_id, channel.id, weekday, time, timezone, at=now or datetime.now(UTC)
            )
    return store.slots(workspace_id, [channel.id])


def remove_slots(
    pub: PublishingStore, workspace_id: int, channel_name: str, specs: Sequence[str]
) -> list[Slot]:
    """Remove slots (each must exist); returns the channel's slots left."""
    channel = pub.get_channel(workspace_id, channel_name)
    store = slots_of(pub)
    for spec in specs:
        weekday, time = parse_slot(spec)
        if not store.remove(workspace_id, channel.id, weekday, time):
            raise NotFoundError(f"channel {channel_name!r} has no slot {spec!r}")
    return store.slots(workspace_id, [channel.id])


def slot_instants(slot: Slot, now: datetime, weeks: int = WEEKS) -> dict[datetime, str]:
    """The slot's UTC instants after ``now`` for ``weeks`` weeks: instant -> wall time."""
    local_today = now.astimezone(zone(slot.timezone)).date()
    first = local_today + timedelta(days=(slot.weekday - local_today.weekday()) % 7)
    found: dict[datetime, str] = {}
    for week in range(weeks + 1):
        local = f"{(first + timedelta(weeks=week)).isoformat()} {slot.time}"
        utc = plan(local, slot.timezone).utc
        if utc > now:
            found.setdefault(utc, local)
    return found


def candidates(
    slots: Sequence[Slot], channel_ids: Sequence[int], now: datetime, weeks: int = WEEKS
) -> list[Candidate]:
    """The instants that are a slot of every channel, earliest first."""
    per_channel: dict[int, dict[datetime, tuple[str, str]]] = {c: {} for c in channel_ids}
    for slot in slots:
        if slot.channel_id in per_channel:
            for utc, local in slot_instants(slot, now, weeks).items():
                per_channel[slot.channel_id].setdefault(utc, (local, slot.timezone))
    common: set[datetime] | None = None
    for instants in per_channel.values():
        common = set(instants) if common is None else common & set(instants)
    first = per_channel[channel_ids[0]] if channel_ids else {}
    return [Candidate(utc, *first[utc]) for utc in sorted(common or ())]


def queue_post(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    post_id: int,
    *,
    now: datetime | None = None,
) -> tuple[Post, Candidate]:
    """Schedule the post into the next slot free on all its channels (checks as for
    scheduling first; a post that cannot be queued stays a draft and the error says
    why)."""
    moment = now or datetime.now(UTC)
    post = pub.get_post(workspace_id, post_id)
    deliveries = pub.deliveries(workspace_id, post_id=post_id)
    channels = [pub.get_channel_by_id(d.channel_id) for d in deliveries if d.channel_id]
    found = problems(post, channels, classes, require_alt=pub.require_alt(workspace_id))
    if found:
        raise ValidationError(f"post {post_id} kept as a draft, not queued: {'; '.join(found)}")
    store = slots_of(pub)
    slots = store.slots(workspace_id, [c.id for c in channels])
    without = sorted({c.name for c in channels} - {s.channel_name for s in slots})
    if without:
        raise ValidationError(
            f"post {post_id} kept as a draft, not queued: channel {without[0]!r} has no "
            f"queue slots; add some with 'resonanz channels slots {without[0]} add "
            '"mon 09:00"\''
        )
    options = candidates(slots, [c.id for c in channels], moment)
    slot = store.queue_post(workspace_id, post_id, options, at=moment)
    return replace(pub.get_post(workspace_id, post_id)), slot


def slots_zone(pub: PublishingStore, workspace_id: int) -> str:
    """The zone of the workspace's queue slots when they all share one, else UTC (the
    zone best-time suggestions are given in unless asked for another)."""
    zones = {slot.timezone for slot in slots_of(pub).slots(workspace_id)}
    return zones.pop() if len(zones) == 1 else "UTC"
