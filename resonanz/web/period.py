"""The overview's date range: from/to dates or a preset, defaulting to the newest data.

A period covers whole UTC days, ``start`` and ``end`` both included. Without dates it is
the last 30 days ending on the day of the newest mention, so old data (the demo) shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from resonanz.web.i18n import gettext as _

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
HOURLY_MAX_DAYS = 3  # up to this many days the volume chart counts per hour
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    """Whole UTC days from start to end, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        """The first instant of the period (inclusive)."""
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def hourly(self) -> bool:
        """True when the volume chart should count per hour."""
        return self.days <= HOURLY_MAX_DAYS


def _date(value: str, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = _("Enter a date as YYYY-MM-DD.")
        return None


def parse_period(
    params: Mapping[str, str], newest: datetime | None, today: date | None = None
) -> tuple[Period, dict[str, str]]:
    """The period asked for by ``from``/``to``/``days`` and the errors per field.

    ``days`` (one of PRESETS) counts back from ``to`` or from the newest mention's day.
    With errors the default period comes back, so the page can still render.
    """
    errors: dict[str, str] = {}
    anchor = newest.astimezone(UTC).date() if newest else (today or datetime.now(UTC).date())
    days = DEFAULT_DAYS
    if params.get("days"):
        try:
            days = int(params["days"])
        except ValueError:
            days = 0
        if days not in PRESETS:
            errors["days"] = _("Choose 7, 30 or 90 days.")
            days = DEFAULT_DAYS
    end = _date(params["to"], "to", errors) if params.get("to") else anchor
    start = _date(params["from"], "from", errors) if params.get("from") else None
    default = Period(anchor - timedelta(days=DEFAULT_DAYS - 1), anchor)
    if errors or end is None:
        return default, errors
    if start is None or params.get("days"):
        start = end - timedelta(days=days - 1)
    if start > end:
        return default, {"from": _("The start must not be after the end.")}
    period = Period(start, end)
    if period.days > MAX_DAYS:
        return default, {"from": _("Choose at most 10 years.")}
    return period, {}
