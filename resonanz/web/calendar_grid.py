"""The calendar's days and hours in an IANA time zone, and the posts placed in them.

A day runs from its local midnight to the next one, so it has 23 hours on the
spring-forward day and 25 on the fall-back day (Europe/Berlin: 2026-03-29 and
2026-10-25). Its hour slots are steps of one real hour from its start, each labelled
with the wall time and zone abbreviation it begins at: the fall-back day shows 02:00 CEST
and 02:00 CET, the spring-forward day has no 02:00. A post lies in the slot (and day)
whose real-time interval holds its UTC instant, so it shows at the wall time it is
published at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from resonanz.errors import ValidationError
from resonanz.publishing import states as st
from resonanz.publishing.models import Delivery, Post

VIEWS = ("week", "month")
EXCERPT = 80


@dataclass(frozen=True)
class Entry:
    """A post on the calendar: when (local), its state for colour and label, an excerpt."""

    post: Post
    at: datetime  # in the calendar's zone
    state: str  # scheduled | pending | partial | attention | sent
    excerpt: str
    channels: tuple[str, ...]
    movable: bool


@dataclass
class Slot:
    """One real hour of a day, from ``start`` (UTC), labelled with its local wall time."""

    start: datetime
    end: datetime
    label: str  # "02:00"
    zone: str  # "CEST"
    repeated: bool = False  # the second 02:00 of a fall-back day
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Day:
    """A local day: its real-time bounds, hour slots and posts."""

    day: date
    start: datetime
    end: datetime
    slots: list[Slot]
    in_range: bool = True  # False for the other months' days of a month grid
    entries: list[Entry] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Calendar:
    """A week (7 days) or a month (whole weeks) in one zone, with the posts placed."""

    view: str
    zone: str
    anchor: date
    days: list[Day]
    previous: date
    following: date

    @property
    def start(self) -> datetime:
        return self.days[0].start

    @property
    def end(self) -> datetime:
        return self.days[-1].end

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant the local day begins (the end of the gap when midnight is skipped)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _slots(start: datetime, end: datetime, tz: ZoneInfo) -> list[Slot]:
    slots: list[Slot] = []
    seen: set[str] = set()
    moment = start
    while moment < end:
        local = moment.astimezone(tz)
        label = f"{local:%H:%M}"
        slots.append(
            Slot(moment, min(moment + timedelta(hours=1), end), label, local.tzname() or "")
        )
        slots[-1].repeated = label in seen
        seen.add(label)
        moment += timedelta(hours=1)
    return slots


def _day(day: date, tz: ZoneInfo, in_range: bool = True) -> Day:
    start, end = day_start(day, tz), day_start(day + timedelta(days=1), tz)
    return Day(day, start, end, _slots(start, end, tz), in_range)


def _month_step(anchor: date, months: int) -> date:
    index = anchor.year * 12 + anchor.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def grid(view: str, anchor: date, tz: ZoneInfo) -> Calendar:
    """The empty week (from Monday) or month (Monday before the 1st to Sunday after the
    last) around ``anchor`` in ``tz``."""
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        days = [_day(monday + timedelta(days=i), tz) for i in range(7)]
        return Calendar(
            view, str(tz.key), monday, days, monday - timedelta(7), monday + timedelta(7)
        )
    if view != "month":
        raise ValidationError(f"unknown calendar view {view!r}: use week or month")
    first = anchor.replace(day=1)
    following = _month_step(first, 1)
    begin = first - timedelta(days=first.weekday())
    last = following - timedelta(days=1)
    stop = last + timedelta(days=6 - last.weekday())
    days = [
        _day(begin + timedelta(days=i), tz, first <= begin + timedelta(days=i) < following)
        for i in range((stop - begin).days + 1)
    ]
    return Calendar(view, str(tz.key), first, days, _month_step(first, -1), following)


def post_state(post: Post, deliveries: Iterable[Delivery]) -> str:
    """What the calendar shows: attention (a failed or needs-attention delivery), sent
    (all sent), partial (some sent), pending (waiting for approval) or scheduled."""
    found = [d.state for d in deliveries if d.state != st.CANCELED]
    if any(s in (st.FAILED, st.NEEDS_ATTENTION) for s in found):
        return "attention"
    if found and all(s == st.SENT for s in found):
        return "sent"
    if any(s == st.SENT for s in found):
        return "partial"
    if post.approval == "pending_approval":
        return "pending"
    return "scheduled"


def excerpt(text: str, length: int = EXCERPT) -> str:
    """The text's start on one line, cut at ``length`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def place(
    calendar: Calendar, posts: Iterable[Post], deliveries: dict[int, list[Delivery]]
) -> Calendar:
    """Put each post into the day and hour slot that hold its instant."""
    tz = ZoneInfo(calendar.zone)
    for post in posts:
        if post.scheduled_at is None:
            continue
        mine = deliveries.get(post.id, [])
        state = post_state(post, mine)
        entry = Entry(
            post=post,
            at=post.scheduled_at.astimezone(tz),
            state=state,
            excerpt=excerpt(post.text),
            channels=tuple(d.channel_name for d in mine),
            movable=state != "sent",
        )
        for day in calendar.days:
            if day.start <= post.scheduled_at < day.end:
                day.entries.append(entry)
                for slot in day.slots:
                    if slot.start <= post.scheduled_at < slot.end:
                        slot.entries.append(entry)
                break
    return calendar
