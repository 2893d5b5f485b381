"""Per-period budgets that a connector never exceeds: YouTube's daily quota units, X's
monthly posts read.

A :class:`Budget` lives in the source's cursor (``{"period", "used", "limit"}``), so what
was spent survives restarts and is stored with the batches it paid for. A new period
(Pacific day for Google, UTC month for X) starts from zero. ``charge`` refuses a cost that
would take ``used`` past ``limit`` with :class:`RateLimited` whose ``retry_after`` is the
time to the next period (longer than any backoff, so the run ends instead of sleeping).
:class:`MeteredTransport` charges a budget before every HTTP request it sends, retries
included, for platforms that bill per call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from resonanz.errors import RateLimited

__all__ = ["Budget", "MeteredTransport", "pacific_day", "utc_month"]

_PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True)
class Period:
    """A budget period: its key (``2026-11-23``, ``2026-11``) and when the next one starts."""

    key: str
    resets_at: datetime


def pacific_day(now: datetime | None = None) -> Period:
    """Today in Pacific time, which is when Google resets API quotas (midnight PT)."""
    local = (now or datetime.now(UTC)).astimezone(_PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), _PACIFIC)
    return Period(local.date().isoformat(), midnight.astimezone(UTC))


def utc_month(now: datetime | None = None) -> Period:
    """This calendar month in UTC."""
    current = (now or datetime.now(UTC)).astimezone(UTC)
    year, month = (
        (current.year + 1, 1) if current.month == 12 else (current.year, current.month + 1)
    )
    return Period(f"{current.year:04d}-{current.month:02d}", datetime(year, month, 1, tzinfo=UTC))


class Budget:
    """Units spent in the current period against a limit; refuses what would exceed it."""

    def __init__(
        self,
        what: str,
        limit: int,
        period: Period,
        saved: Mapping[str, Any] | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.what = what
        self.limit = limit
        self.period = period
        self._clock = clock
        used = saved.get("used") if saved and saved.get("period") == period.key else 0
        self.used = used if isinstance(used, int) and used >= 0 else 0

    @property
    def remaining(self) -> int:
        """What may still be spent this period."""
        return max(0, self.limit - self.used)

    def resets_in(self) -> float:
        """Seconds until the next period starts."""
        return max(0.0, (self.period.resets_at - self._clock()).total_seconds())

    def exhausted(self, needed: int, doing: str) -> RateLimited:
        """The error that says ``doing`` (costing ``needed``) does not fit the budget."""
        when = self.period.resets_at.strftime("%Y-%m-%d %H:%M UTC")
        return RateLimited(
            f"{self.what}: {doing} needs {needed}, but only {self.remaining} of the "
            f"{self.limit:,} for {self.period.key} are left ({self.used:,} used); "
            f"the budget renews at {when}",
            retry_after=self.resets_in(),
        )

    def charge(self, units: int, doing: str) -> None:
        """Spend ``units``, or raise RateLimited when that would exceed the limit."""
        if units > self.remaining:
            raise self.exhausted(units, doing)
        self.used += units

    def to_cursor(self) -> dict[str, Any]:
        """What to keep in the cursor."""
        return {"period": self.period.key, "used": self.used, "limit": self.limit}


class MeteredTransport(httpx.BaseTransport):
    """An httpx transport that charges ``budget`` with ``cost(request)`` before it sends
    each request, so retries are paid for too and the budget is never overrun."""

    def __init__(
        self,
        budget: Budget,
        cost: Callable[[httpx.Request], int],
        inner: httpx.BaseTransport | None = None,
    ) -> None:
        self.budget = budget
        self._cost = cost
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Charge the budget, then send."""
        self.budget.charge(self._cost(request), f"GET {request.url.path}")
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()
