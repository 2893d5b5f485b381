"""Time series of mentions per minute, hour or day, per platform, language or sentiment.

``series(store, workspace_id, topic_id, resolution=..., start=..., end=..., by=...)``
gives every bucket of the range in order, empty ones included (zero-filled), with its
total and its count per group.

Hours and days are kept incrementally: every write updates ``mention_counts`` and
``mention_counts_daily`` (``store/rollup.py``), and these series only sum those rows, so a
year of days costs the same however many mentions there are. Minutes are not kept; they
are counted from the mentions' posting times on request (an index range scan), so a
minute series covers at most ``MAX_SPAN["minute"]`` (48 hours); longer ranges are refused
with a pointer to the hour resolution.

All buckets are UTC. A range not on bucket starts is widened to the buckets it touches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, get_args

from resonanz.errors import ValidationError
from resonanz.store import Store
from resonanz.store.series import GroupBy, Resolution
from resonanz.store.types import to_utc

RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
GROUPINGS: tuple[GroupBy, ...] = get_args(GroupBy)
STEP: dict[Resolution, timedelta] = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}
# Minutes are counted from the mentions, so their range is bounded; hours and days only
# by the number of buckets one answer lists.
MAX_SPAN: dict[Resolution, timedelta] = {
    "minute": timedelta(hours=48),
    "hour": timedelta(hours=10_000),
    "day": timedelta(days=10_000),
}
_SENTIMENT_ORDER = ("negative", "neutral", "positive", "none")


@dataclass(frozen=True)
class Bucket:
    """One bucket: its UTC start, its mentions, and their count per group (every group)."""

    start: datetime
    total: int
    by_group: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    """Buckets of [start, end) in time order; ``groups`` ordered for display."""

    topic_id: int | None
    resolution: Resolution
    start: datetime
    end: datetime
    by: GroupBy | None
    groups: tuple[str, ...]
    buckets: tuple[Bucket, ...]

    def as_json(self, topic: str | None) -> dict[str, Any]:
        """The series as one JSON object (times as ISO 8601 UTC)."""
        return {
            "topic": topic,
            "resolution": self.resolution,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "by": self.by,
            "groups": list(self.groups),
            "buckets": [
                {"start": b.start.isoformat(), "total": b.total, "by_group": b.by_group}
                for b in self.buckets
            ],
        }


def floor(stamp: datetime, resolution: Resolution) -> datetime:
    """The start of the UTC bucket a moment falls in."""
    stamp = to_utc(stamp).replace(second=0, microsecond=0)
    if resolution in ("hour", "day"):
        stamp = stamp.replace(minute=0)
    if resolution == "day":
        stamp = stamp.replace(hour=0)
    return stamp


def ceil(stamp: datetime, resolution: Resolution) -> datetime:
    """The first bucket start at or after a moment."""
    start = floor(stamp, resolution)
    return start if start == to_utc(stamp) else start + STEP[resolution]


def check_span(resolution: str, span: timedelta) -> None:
    """ValidationError unless a range this long may be asked at this resolution."""
    if resolution not in RESOLUTIONS:
        raise ValidationError(
            f"resolution must be one of {', '.join(RESOLUTIONS)}, not {resolution!r}"
        )
    if span <= timedelta(0):
        raise ValidationError("the range of a series must end after it starts")
    longest = MAX_SPAN[resolution]  # type: ignore[index]
    if span > longest:
        if resolution == "minute":
            raise ValidationError(
                f"a minute series covers at most {longest // timedelta(hours=1)} hours "
                f"(asked: {_hours(span)}): minutes are counted from the mentions on request; "
                "use the hour resolution for longer ranges"
            )
        raise ValidationError(
            f"a {resolution} series lists at most {longest // STEP[resolution]:,} buckets "  # type: ignore[index]
            f"(asked: {_hours(span)}); use a coarser resolution or a shorter range"
        )


def _hours(span: timedelta) -> str:
    hours = span / timedelta(hours=1)
    return f"{hours:g} hours"


def _order(by: GroupBy, totals: Counter[str]) -> tuple[str, ...]:
    if by == "sentiment":
        known = [g for g in _SENTIMENT_ORDER if g in totals]
        return (*known, *sorted(g for g in totals if g not in _SENTIMENT_ORDER))
    return tuple(sorted(totals, key=lambda g: (-totals[g], g)))


def series(
    store: Store,
    workspace_id: int,
    topic_id: int | None,
    *,
    resolution: Resolution,
    start: datetime,
    end: datetime,
    by: GroupBy | None = None,
) -> Series:
    """Mentions of a topic (None: all of the workspace) per bucket of [start, end).

    ``by`` splits each bucket per platform, language ("und" when unknown) or sentiment
    label ("none" without one); groups with no mention in the range are left out.
    """
    if by is not None and by not in GROUPINGS:
        raise ValidationError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    check_span(resolution, to_utc(end) - to_utc(start))
    first, last = floor(start, resolution), ceil(end, resolution)
    check_span(resolution, last - first)
    counts = store.series.counts(
        workspace_id, topic_id, resolution=resolution, since=first, until=last, by=by
    )
    totals: Counter[str] = Counter()
    per_bucket: dict[datetime, Counter[str]] = {}
    for (at, group), n in counts.items():
        totals[group] += n
        per_bucket.setdefault(at, Counter())[group] += n
    groups = _order(by, totals) if by is not None else ()
    step = STEP[resolution]
    buckets = []
    at = first
    while at < last:
        found = per_bucket.get(at, Counter())
        buckets.append(Bucket(at, sum(found.values()), {g: found.get(g, 0) for g in groups}))
        at += step
    return Series(topic_id, resolution, first, last, by, groups, tuple(buckets))
