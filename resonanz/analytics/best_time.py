"""Best times to post, from the workspace's own engagement history.

**Source.** The workspace's own posts are the mentions in its listening store written by
the accounts of its publishing channels (same platform, the channel's handle), reposts
left out; each carries likes, reposts, replies and quotes as collected. Resonanz does not
read engagement back from the platforms for the posts it sent, so an account that is not
also listened to (a source following it) has no history here.

**Estimate.** Per hour of the week in the chosen zone (Monday 00:00 .. Sunday 23:00),
the score of a post is log(1 + engagement) (engagement is heavy-tailed). Each hour's mean
is shrunk towards the overall mean (normal-normal empirical Bayes: the between-hour
variance by the method of moments), so an hour with one lucky post does not win. The
interval is the 90 % posterior interval; ``p_better`` the posterior probability that the
hour beats the overall mean. Estimates are turned back into engagement per post
(exp(score) - 1: a typical post, not the mean).

**Not enough data.** Below ``MIN_POSTS`` own posts in the window the answer says so and
gives the audience's activity instead, labelled as such: the mentions of the workspace's
topics per hour of the week (from the hourly counts), which says when people talk about
the topics, not when the workspace's posts do well.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from statistics import NormalDist
from typing import Any

from resonanz.publishing.models import PublishChannel
from resonanz.publishing.recurrence import WEEKDAYS
from resonanz.publishing.when import zone
from resonanz.store.engagement import own_posts, topic_volume

MIN_POSTS = 30  # own posts needed before engagement-based suggestions are given
WINDOW = timedelta(weeks=26)
TOP = 5
_Z90 = NormalDist().inv_cdf(0.95)


@dataclass(frozen=True)
class HourScore:
    """One hour of the week from the workspace's own posts."""

    weekday: int
    hour: int
    posts: int
    engagement: float  # typical engagement per post, shrunk
    low: float  # 90 % interval
    high: float
    p_better: float  # probability the hour beats the overall mean

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.hour:02d}:00"


@dataclass(frozen=True)
class AudienceHour:
    """One hour of the week by the volume of mentions of the workspace's topics."""

    weekday: int
    hour: int
    mentions: int
    per_week: float

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.hour:02d}:00"


@dataclass(frozen=True)
class BestTime:
    """The suggestion: from own posts when there are enough, else the audience's."""

    source: str  # own_posts | audience
    timezone: str
    accounts: tuple[str, ...]
    posts: int  # own posts found in the window
    enough: bool
    overall: float | None  # typical engagement per own post
    hours: tuple[HourScore, ...] = ()  # the TOP best hours
    audience: tuple[AudienceHour, ...] = ()  # the TOP busiest hours
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Every hour of the week with a post (or with mentions), for a heatmap.
    cells: tuple[HourScore, ...] = ()
    audience_cells: tuple[AudienceHour, ...] = ()


def accounts_of(channels: Sequence[PublishChannel]) -> list[tuple[str, str]]:
    """(platform, handle) of the channels' accounts, where the channel knows one."""
    found: list[tuple[str, str]] = []
    for channel in channels:
        config = channel.config
        handle = config.get("handle") or config.get("username") or config.get("account")
        if isinstance(handle, str) and handle.strip("@ "):
            found.append((channel.kind, handle.strip().lstrip("@")))
    return list(dict.fromkeys(found))


def _hour_of_week(moment: datetime, tz: Any) -> tuple[int, int]:
    local = moment.astimezone(tz)
    return local.weekday(), local.hour


def shrink(groups: dict[Any, list[float]]) -> dict[Any, tuple[float, float, int]]:
    """Normal-normal empirical Bayes: per group (posterior mean, posterior sd, n), and the
    overall mean under the key None."""
    values = [v for vs in groups.values() for v in vs]
    grand = sum(values) / len(values)
    within = sum((v - sum(vs) / len(vs)) ** 2 for vs in groups.values() for v in vs)
    dof = max(len(values) - len(groups), 1)
    sigma2 = max(within / dof, 1e-6)
    means = [(sum(vs) / len(vs), len(vs)) for vs in groups.values()]
    spread = sum((m - grand) ** 2 for m, _ in means) / max(len(means) - 1, 1)
    noise = sum(sigma2 / n for _, n in means) / len(means)
    tau2 = max(spread - noise, 1e-6)
    out: dict[Any, tuple[float, float, int]] = {None: (grand, 0.0, len(values))}
    for key, vs in groups.items():
        n = len(vs)
        precision = n / sigma2 + 1 / tau2
        mean = (sum(vs) / sigma2 + grand / tau2) / precision
        out[key] = (mean, math.sqrt(1 / precision), n)
    return out


def best_time(
    store: Any,
    workspace_id: int,
    channels: Sequence[PublishChannel],
    *,
    now: datetime,
    timezone: str = "UTC",
    window: timedelta = WINDOW,
    min_posts: int = MIN_POSTS,
) -> BestTime:
    """Suggest hours of the week to post (module doc)."""
    tz = zone(timezone)
    since = now - window
    accounts = accounts_of(channels)
    labels = tuple(f"{p}:{h}" for p, h in accounts)
    rows = own_posts(store, workspace_id, accounts, since)
    if len(rows) < min_posts:
        busiest = _audience(store, workspace_id, since, window, tz)
        why = (
            f"not enough data: {len(rows)} own posts in the last {window.days} days, "
            f"{min_posts} needed"
            if accounts
            else "not enough data: no channel names an account whose posts are listened to"
        )
        return BestTime(
            source="audience",
            timezone=timezone,
            accounts=labels,
            posts=len(rows),
            enough=False,
            overall=None,
            audience=tuple(busiest[:TOP]),
            audience_cells=tuple(busiest),
            notes=(
                why,
                "showing the audience's activity instead: when mentions of your topics are "
                "posted, not how your own posts did",
            ),
        )
    groups: dict[tuple[int, int], list[float]] = defaultdict(list)
    for posted, engagement in rows:
        groups[_hour_of_week(posted, tz)].append(math.log1p(max(engagement, 0)))
    fitted = shrink(groups)
    grand = fitted.pop(None)[0]
    scores = []
    for (weekday, hour), (mean, sd, n) in fitted.items():
        p_better = NormalDist(mean, sd).cdf(grand) if sd > 0 else 0.5
        scores.append(
            HourScore(
                weekday=weekday,
                hour=hour,
                posts=n,
                engagement=round(math.expm1(mean), 2),
                low=round(math.expm1(mean - _Z90 * sd), 2),
                high=round(math.expm1(mean + _Z90 * sd), 2),
                p_better=round(1 - p_better, 3),
            )
        )
    scores.sort(key=lambda s: (-s.engagement, -s.posts, s.weekday, s.hour))
    return BestTime(
        source="own_posts",
        timezone=timezone,
        accounts=labels,
        posts=len(rows),
        enough=True,
        overall=round(math.expm1(grand), 2),
        hours=tuple(scores[:TOP]),
        cells=tuple(scores),
        notes=(
            f"from {len(rows)} own posts in the last {window.days} days; hours with no "
            "post are not suggested",
        ),
    )


def _audience(
    store: Any, workspace_id: int, since: datetime, window: timedelta, tz: Any
) -> list[AudienceHour]:
    volume: dict[tuple[int, int], int] = defaultdict(int)
    for hour, n in topic_volume(store, workspace_id, since):
        volume[_hour_of_week(hour, tz)] += n
    weeks = window / timedelta(weeks=1)
    ranked = sorted(volume.items(), key=lambda item: (-item[1], item[0]))
    return [
        AudienceHour(weekday=w, hour=h, mentions=n, per_week=round(n / weeks, 2))
        for (w, h), n in ranked
    ]


def best_time_record(found: BestTime) -> dict[str, Any]:
    """The suggestion as plain JSON-ready data (CLI --json, REST)."""
    return {
        "source": found.source,
        "timezone": found.timezone,
        "accounts": list(found.accounts),
        "posts": found.posts,
        "enough": found.enough,
        "overall": found.overall,
        "hours": [{"slot": h.label, **asdict(h)} for h in found.hours],
        "audience": [{"slot": a.label, **asdict(a)} for a in found.audience],
        "notes": list(found.notes),
    }
