"""Schedule times: a wall-clock time in an IANA time zone, turned into UTC.

Daylight saving time, with Europe/Berlin as the example:

- A time that does not exist (02:30 on the spring-forward day, when clocks jump from
  02:00 to 03:00) is moved forward by the length of the gap: it is published at 03:30
  local time, the instant 02:30 would have been without the jump (01:30 UTC). The
  returned note says so.
- A time that exists twice (02:30 on the fall-back day) means the first one, still in
  summer time (00:30 UTC). The note says so too.

The UTC instant is what the scheduler uses; the zone and the wall time as typed are kept
on the post for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from resonanz.errors import ValidationError

_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class PlannedTime:
    """A schedule time: the UTC instant, the zone and wall time it was planned in, and a
    note when DST changed or disambiguated the wall time."""

    utc: datetime
    timezone: str
    local_time: str
    note: str | None = None


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValidationError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin or UTC"
        ) from None


def plan(text: str, timezone: str) -> PlannedTime:
    """Turn ``"2026-12-24 09:00"`` in ``timezone`` into a PlannedTime (see module doc)."""
    tz = zone(timezone)
    wall = _parse(text)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    offset0, offset1 = first.utcoffset(), second.utcoffset()
    note = None
    if offset0 == offset1:
        instant = first.astimezone(UTC)
    elif _round_trips(first):
        instant = first.astimezone(UTC)
        note = (
            f"{wall:%Y-%m-%d %H:%M} happens twice in {timezone} (clocks go back); "
            f"the first one ({first.tzname()}) is used"
        )
    else:
        # fold=0 of a time in the gap has the offset from before the jump: the instant
        # "the same number of minutes after the gap starts".
        instant = first.astimezone(UTC)
        shown = instant.astimezone(tz)
        note = (
            f"{wall:%Y-%m-%d %H:%M} does not exist in {timezone} (clocks jump forward); "
            f"it is published at {shown:%H:%M} {shown.tzname()}"
        )
    return PlannedTime(
        utc=instant, timezone=timezone, local_time=f"{wall:%Y-%m-%d %H:%M}", note=note
    )


def _round_trips(aware: datetime) -> bool:
    back = aware.astimezone(UTC).astimezone(aware.tzinfo)
    return back.replace(tzinfo=None) == aware.replace(tzinfo=None)


def _parse(text: str) -> datetime:
    cleaned = text.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    raise ValidationError(
        f"cannot read the time {text!r}: write it as YYYY-MM-DD HH:MM, e.g. 2026-12-24 09:00"
    )


def check_future(planned: PlannedTime, now: datetime, *, grace: timedelta = timedelta(0)) -> None:
    """ValidationError when the planned instant has already passed."""
    if planned.utc < now - grace:
        ago = now - planned.utc
        minutes = int(ago.total_seconds() // 60)
        raise ValidationError(
            f"{planned.local_time} {planned.timezone} is in the past ({minutes} min ago); "
            "pick a later time or use publish-now"
        )
