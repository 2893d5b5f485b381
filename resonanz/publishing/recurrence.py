"""When a recurring post repeats: daily, weekly on given weekdays, or monthly on a day of
the month, at one wall time in the series' IANA zone, until a date or a number of times.

Occurrences are wall times ("2027-03-29 09:00"): 09:00 Europe/Berlin stays 09:00 in
summer and winter. Each becomes a UTC instant through ``when.plan``, so a wall time that
does not exist on a spring-forward day is moved forward by the gap (02:30 -> 03:30) and a
doubled one on the fall-back day means the first (summer-time) one, as for single posts.

A monthly day beyond the month's length (31 in April) is the month's last day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from resonanz.errors import ValidationError

FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_COUNT = 1000  # occurrences of one series at most
_LONG = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Rule:
    """How a series repeats. ``weekdays``: 0 Monday .. 6 Sunday (weekly); ``day``: the
    day of the month (monthly); ``until`` (inclusive, local date) or ``count`` ends it."""

    freq: str
    time: str  # "HH:MM"
    start: date  # the first day an occurrence may fall on
    weekdays: tuple[int, ...] = ()
    day: int | None = None
    until: date | None = None
    count: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "freq": self.freq,
            "time": self.time,
            "start": self.start.isoformat(),
            "weekdays": list(self.weekdays),
            "day": self.day,
            "until": self.until.isoformat() if self.until else None,
            "count": self.count,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rule:
        until = data.get("until")
        return cls(
            freq=str(data["freq"]),
            time=str(data["time"]),
            start=date.fromisoformat(str(data["start"])),
            weekdays=tuple(int(d) for d in data.get("weekdays") or ()),
            day=None if data.get("day") is None else int(data["day"]),
            until=date.fromisoformat(str(until)) if until else None,
            count=None if data.get("count") is None else int(data["count"]),
        )

    def describe(self) -> str:
        """In words, e.g. "weekly on mon, thu at 09:00 until 2027-03-01"."""
        what = self.freq
        if self.freq == "weekly":
            what += " on " + ", ".join(WEEKDAYS[d] for d in self.weekdays)
        elif self.freq == "monthly":
            what += f" on day {self.day}"
        what += f" at {self.time}"
        if self.until:
            what += f" until {self.until.isoformat()}"
        if self.count:
            what += f", {self.count} times"
        return what


def parse_weekdays(text: str) -> tuple[int, ...]:
    """``"mon,thu"`` (or ``"monday,thursday"``) -> (0, 3); ValidationError naming an
    unknown day."""
    found: list[int] = []
    for part in text.replace(" ", "").lower().split(","):
        if not part:
            continue
        index = next((i for i, name in enumerate(WEEKDAYS) if part in (name, _LONG[i])), None)
        if index is None:
            raise ValidationError(
                f"unknown weekday {part!r}: use {', '.join(WEEKDAYS)} (e.g. --on mon,thu)"
            )
        found.append(index)
    if not found:
        raise ValidationError("name at least one weekday, e.g. --on mon,thu")
    return tuple(sorted(set(found)))


def check_time(text: str) -> str:
    """``"9:05"`` -> ``"09:05"``; ValidationError for anything else."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValidationError(
            f"cannot read the time of day {text!r}: write it as HH:MM, e.g. 09:00"
        )
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def make_rule(
    freq: str,
    first: datetime,
    *,
    on: str | None = None,
    day: int | None = None,
    until: str | None = None,
    count: int | None = None,
) -> Rule:
    """The rule of ``--repeat FREQ`` for a series whose first wall time is ``first``:
    weekly repeats on ``on`` (default: the weekday of ``first``), monthly on ``day``
    (default: the day of ``first``). Exactly one of ``until`` / ``count`` may be given;
    neither repeats without end."""
    if freq not in FREQUENCIES:
        raise ValidationError(f"--repeat must be one of {', '.join(FREQUENCIES)}, not {freq!r}")
    if on is not None and freq != "weekly":
        raise ValidationError("--on is for --repeat weekly")
    if day is not None and freq != "monthly":
        raise ValidationError("--day is for --repeat monthly")
    if until is not None and count is not None:
        raise ValidationError("give --until or --count, not both")
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise ValidationError(f"--count must be between 1 and {MAX_COUNT}")
    if day is not None and not 1 <= day <= 31:
        raise ValidationError("--day must be a day of the month, 1 to 31")
    end = None
    if until is not None:
        try:
            end = date.fromisoformat(until.strip())
        except ValueError:
            raise ValidationError(
                f"cannot read the date {until!r}: write it as YYYY-MM-DD"
            ) from None
        if end < first.date():
            raise ValidationError(f"--until {end.isoformat()} is before the first post")
    return Rule(
        freq=freq,
        time=f"{first:%H:%M}",
        start=first.date(),
        weekdays=parse_weekdays(on) if on is not None else (first.weekday(),),
        day=(day or first.day) if freq == "monthly" else None,
        until=end,
        count=count,
    )


def _days(rule: Rule) -> Iterator[date]:
    """Every day the rule falls on, from its start on."""
    current = rule.start
    if rule.freq == "daily":
        while True:
            yield current
            current += timedelta(days=1)
    elif rule.freq == "weekly":
        while True:
            if current.weekday() in rule.weekdays:
                yield current
            current += timedelta(days=1)
    else:
        wanted = rule.day or rule.start.day
        year, month = current.year, current.month
        while True:
            last = calendar.monthrange(year, month)[1]
            day = date(year, month, min(wanted, last))
            if day >= rule.start:
                yield day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def occurrences(rule: Rule, *, skip: int = 0) -> Iterator[str]:
    """The wall times ("YYYY-MM-DD HH:MM") of the series in order, after the first
    ``skip`` ones; ends at ``until`` or after ``count`` occurrences in all."""
    for index, day in enumerate(_days(rule)):
        if rule.until is not None and day > rule.until:
            return
        if rule.count is not None and index >= rule.count:
            return
        if index >= skip:
            yield f"{day.isoformat()} {rule.time}"


def weekday_names(days: Sequence[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in days)
