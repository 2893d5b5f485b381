"""Benchmark: volume-spike alerts on a replayed real stream with injected bursts.

The stream. Real tweets carry their posting time in their status id; their days are the
material. Each topic's stream is built day by day on a simulated clock by laying real
days on top of each other, each whole day shifted by up to ±15 minutes, until the topic
has the asked mean rate: within a day every mention keeps its real time of day, so the
stream has the real diurnal shape, real quiet nights and real busy evenings. A simulated
day takes distinct real days (those of its own weekday first, then the others, in random
order): copying one real day several times into the same simulated day would turn that
day's clumps (a TV show, a retweet wave) into bursts of several times their real size
that no real stream has. When a rate needs more days than there are (about 5.5 mentions
per minute with the shared data), the further copies keep their day's shape but each
post is moved by up to ±30 minutes, so that no real clump is copied. Sources: SB10k
(train, dev), PotTS and the GermEval 2017 Twitter URLs from ``--data`` (the shared data
folder), else the Twitter URLs of the bundled GermEval sample.

The bursts. In the evaluated weeks (after ``warmup_weeks`` of history) each topic gets
``bursts_per_size`` bursts of each size (3x, 5x, 10x its true rate at that hour of the
week, i.e. (size - 1) x the rate added) lasting ``burst_minutes``, at random times at
least six hours apart. Their extra mentions arrive as a Poisson process.

Detection runs the real detector (``analytics.spikes`` and ``alerts.incidents``) every
60 simulated seconds, on the counts of the ``BIN_S``-second bins before the tick, with
the tick's phase against the bursts' start uniformly random (a burst starts at any
second). A burst counts as found when an incident opens (or grows: "updated") between
its start and its end; latency is the time from its start to that tick. An incident that
opens outside every burst (and the 30 minutes after one) is a false alarm.

``latency_p95_s`` is the p95 over the found 5x bursts, the size the recall target is set
for; the other sizes and all together are reported beside it.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from resonanz.alerts.incidents import IncidentState, TrackerPolicy, step
from resonanz.analytics.spikes import (
    BIN_S,
    SpikeParams,
    find_spike,
    minute_dispersion,
    seasonal_expectation,
)
from resonanz.errors import ValidationError

Progress = Callable[[str, int, int], None]
TWITTER_EPOCH_MS = 1288834974657
WEEK_MIN = 7 * 24 * 60
DAY_S = 86_400
PER_MIN = 60 // BIN_S  # bins per minute
WEEK_BINS = WEEK_MIN * PER_MIN
REUSE_JITTER_S = 1800
SIZES = (3, 5, 10)
BANDS = (("<1/min", 1.0), ("1-5/min", 5.0), (">=5/min", math.inf))
_STATUS_RE = re.compile(r"status(?:es)?/(\d{15,20})")
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: simulated time starts here


def status_time(status_id: int) -> float:
    """Unix seconds a tweet was posted, from its status id (snowflake)."""
    return ((status_id >> 22) + TWITTER_EPOCH_MS) / 1000


def load_times(data_dir: Path | None) -> list[float]:
    """Posting times (Unix seconds) of the real tweets the streams are made of."""
    ids: list[int] = []
    if data_dir is None:
        sample = resources.files("resonanz").joinpath("data", "demo", "germeval2017_sample.tsv")
        ids = [int(m.group(1)) for m in _STATUS_RE.finditer(sample.read_text(encoding="utf-8"))]
    else:
        files = {
            "sb10k/train.tsv": "id",
            "sb10k/dev.tsv": "id",
            "potts/dev.tsv": "id",
            "germeval2017/dev.tsv": "url",
        }
        missing = [name for name in files if not (data_dir / name).is_file()]
        if missing:
            raise ValidationError(
                f"{data_dir}: missing {', '.join(missing)} (expected the shared data folder)"
            )
        for name, kind in files.items():
            text = (data_dir / name).read_text(encoding="utf-8", errors="replace")
            if kind == "url":
                ids.extend(int(m.group(1)) for m in _STATUS_RE.finditer(text))
            else:
                ids.extend(
                    int(line.split("\t", 1)[0])
                    for line in text.splitlines()
                    if line[:1].isdigit() and line.split("\t", 1)[0].isdigit()
                )
    return sorted({status_time(i) for i in ids if i > 0})


def day_pool(times: Sequence[float]) -> dict[int, list[list[float]]]:
    """Weekday (0 Monday) -> the real days of that weekday, as seconds after midnight UTC."""
    days: dict[int, list[float]] = {}
    for t in times:
        days.setdefault(int(t // DAY_S), []).append(t % DAY_S)
    pool: dict[int, list[list[float]]] = {wd: [] for wd in range(7)}
    for day, seconds in days.items():
        pool[(day + 3) % 7].append(seconds)  # 1970-01-01 was a Thursday
    empty = [wd for wd, ds in pool.items() if not ds]
    if empty:
        raise ValidationError(f"the real stream has no day for weekday(s) {empty}")
    return pool


def make_stream(
    pool: dict[int, list[list[float]]], weeks: int, rate: float, rng: random.Random
) -> tuple[list[int], int]:
    """Bin counts (``BIN_S`` seconds) of one topic's stream with the mean ``rate`` per
    minute; and the number of real days laid on each simulated day."""
    days = [d for ds in pool.values() for d in ds]
    per_day = sum(map(len, days)) / len(days)
    copies = max(1, round(rate * 1440 / per_day))
    counts = [0] * (weeks * WEEK_BINS)
    total = weeks * WEEK_MIN * 60
    for day in range(weeks * 7):
        base = day * DAY_S
        for n, real in enumerate(_distinct_days(pool, day % 7, copies, rng)):
            shift = base + rng.uniform(-900, 900)
            jitter = REUSE_JITTER_S if n >= len(days) else 0
            for second in real:
                t = second + shift + (rng.uniform(-jitter, jitter) if jitter else 0.0)
                if 0 <= t < total:
                    counts[int(t // BIN_S)] += 1
    return counts, copies


def _distinct_days(
    pool: dict[int, list[list[float]]], weekday: int, copies: int, rng: random.Random
) -> list[list[float]]:
    """``copies`` real days for one simulated day: the weekday's own days, then the
    others, each in random order, all of them before any comes again."""
    own = list(pool[weekday])
    rest = [d for wd, ds in pool.items() if wd != weekday for d in ds]
    rng.shuffle(own)
    rng.shuffle(rest)
    order = own + rest
    return [order[i % len(order)] for i in range(copies)]


@dataclass(frozen=True, slots=True)
class Burst:
    """An injected burst: start (seconds on the simulated clock), size, minutes."""

    start: float
    size: int
    minutes: int

    @property
    def end(self) -> float:
        return self.start + self.minutes * 60


def poisson(mean: float, rng: random.Random) -> int:
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def true_rates(counts: Sequence[int]) -> list[float]:
    """Mentions per minute of each hour of the week, averaged over all weeks (from bins)."""
    weeks = len(counts) // WEEK_BINS
    sums = [0.0] * (WEEK_MIN // 60)
    for i, c in enumerate(counts):
        sums[(i % WEEK_BINS) // (60 * PER_MIN)] += c
    return [s / weeks / 60 for s in sums]


def place_bursts(
    first_s: float, last_s: float, per_size: int, minutes: int, rng: random.Random
) -> list[Burst]:
    """per_size bursts of each size at random times at least six hours apart."""
    wanted = [size for size in SIZES for _ in range(per_size)]
    rng.shuffle(wanted)
    gap = 6 * 3600 + minutes * 60
    starts: list[float] = []
    tries = 0
    while len(starts) < len(wanted):
        tries += 1
        if tries > 100_000:
            raise ValidationError("too many bursts for the evaluated weeks; use fewer")
        s = rng.uniform(first_s, last_s - minutes * 60 - 1800)
        if all(abs(s - other) >= gap for other in starts):
            starts.append(s)
    return [Burst(s, size, minutes) for s, size in zip(sorted(starts), wanted, strict=True)]


def inject(
    counts: list[int], bursts: Sequence[Burst], rates: Sequence[float], rng: random.Random
) -> None:
    """Add each burst's extra mentions to the bin counts."""
    for burst in bursts:
        t = burst.start
        while t < burst.end:
            b = int(t // BIN_S)
            until = min(burst.end, (b + 1) * BIN_S)
            rate = rates[(b % WEEK_BINS) // (60 * PER_MIN)]
            counts[b] += poisson((burst.size - 1) * rate * (until - t) / 60, rng)
            t = until


@dataclass
class TopicResult:
    """What detection made of one topic's stream."""

    found: dict[int, float]  # burst index -> latency in seconds
    false_alarms: int
    alerts: int


def _hours_before(hours: Sequence[int], hour: int) -> Callable[[int], int | None]:
    """The count of the hour ``back`` hours before ``hour`` (None before the stream)."""
    return lambda back: hours[hour - back] if hour - back >= 0 else None


def detect(
    counts: Sequence[int],
    bursts: Sequence[Burst],
    first_minute: int,
    params: SpikeParams,
    policy: TrackerPolicy,
) -> TopicResult:
    """Run the detector every simulated minute from ``first_minute`` on (``counts`` are
    ``BIN_S``-second bins)."""
    hour_bins = 60 * PER_MIN
    hours = [
        sum(counts[h * hour_bins : (h + 1) * hour_bins]) for h in range(len(counts) // hour_bins)
    ]
    minutes = [sum(counts[m * PER_MIN : (m + 1) * PER_MIN]) for m in range(len(counts) // PER_MIN)]
    cache_hour = -1
    expect = None
    rates: dict[int, float] = {}  # hour -> expected mentions per bin
    clumping = 1.0
    state: IncidentState | None = None
    found: dict[int, float] = {}
    false_alarms = alerts = 0
    width = params.bins
    b = 0  # first burst that may still matter
    for k in range(first_minute, len(minutes) + 1):
        hour = (k - 1) // 60
        if hour != cache_hour:
            cache_hour = hour
            expect = seasonal_expectation(_hours_before(hours, hour), params.weeks)
            per_bin = expect.per_minute / PER_MIN
            rates = {hour: per_bin, hour - 1: rates.get(hour - 1, per_bin)}
            clumping = minute_dispersion(
                [minutes[h * 60 : h * 60 + 60] for h in range(hour - 24, hour) if h >= 0]
            )
        assert expect is not None
        end = k * PER_MIN
        fallback = expect.per_minute / PER_MIN
        expected = [rates.get(i // hour_bins, fallback) for i in range(end - width, end)]
        finding = find_spike(counts[end - width : end], expected, expect, params, clumping=clumping)
        now = START + timedelta(minutes=k)
        state, event = step(state, now, finding.ratio if finding else None, policy)
        if event not in ("opened", "updated"):
            continue
        t = k * 60
        while b < len(bursts) and bursts[b].end + 1800 < t:
            b += 1
        inside = [i for i in range(b, len(bursts)) if bursts[i].start <= t <= bursts[i].end + 1800]
        if event == "opened":
            alerts += 1
            if not inside:
                false_alarms += 1
        for i in inside:
            if t <= bursts[i].end and i not in found:
                found[i] = t - bursts[i].start
    return TopicResult(found, false_alarms, alerts)


def _p50(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[(len(ordered) - 1) // 2], 1)


def _p95(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)], 1)


def bench_alerts(
    *,
    topics: int = 10,
    weeks: int = 8,
    warmup_weeks: int = 4,
    rate: float = 30.0,
    bursts_per_size: int = 10,
    burst_minutes: int = 30,
    sensitivity: float = SpikeParams().alpha,
    data_dir: Path | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Build the streams, inject the bursts, detect; return the figures."""
    if weeks <= warmup_weeks:
        raise ValidationError("weeks must be more than warmup_weeks")
    report = progress or (lambda stage, done, total: None)
    rng = random.Random(seed)
    pool = day_pool(load_times(data_dir))
    params = SpikeParams(alpha=sensitivity, weeks=min(4, warmup_weeks))
    policy = TrackerPolicy()
    first_minute = warmup_weeks * WEEK_MIN
    found: dict[int, list[float]] = {size: [] for size in SIZES}
    totals = dict.fromkeys(SIZES, 0)
    false_alarms = alerts = mentions = 0
    copies = 0
    by_band: dict[str, list[float]] = {band: [] for band, _ in BANDS}
    for topic in range(topics):
        report("topics", topic, topics)
        counts, copies = make_stream(pool, weeks, rate, rng)
        rates = true_rates(counts)
        bursts = place_bursts(
            first_minute * 60, weeks * WEEK_MIN * 60, bursts_per_size, burst_minutes, rng
        )
        inject(counts, bursts, rates, rng)
        mentions += sum(counts)
        result = detect(counts, bursts, first_minute, params, policy)
        false_alarms += result.false_alarms
        alerts += result.alerts
        for i, burst in enumerate(bursts):
            totals[burst.size] += 1
            if i in result.found:
                found[burst.size].append(result.found[i])
                if burst.size >= 5:
                    rate_then = rates[(int(burst.start // 60) % WEEK_MIN) // 60]
                    band = next(name for name, upper in BANDS if rate_then < upper)
                    by_band[band].append(result.found[i])
    report("topics", topics, topics)
    evaluated_weeks = weeks - warmup_weeks
    latencies = [t for size in SIZES for t in found[size]]
    out: dict[str, Any] = {
        f"recall_{size}x": round(len(found[size]) / max(1, totals[size]), 3) for size in SIZES
    }
    out.update(
        {
            "false_alarms_per_topic_week": round(false_alarms / (topics * evaluated_weeks), 3),
            "latency_p95_s": _p95(found[5]),
            **{f"latency_p95_s_{size}x": _p95(found[size]) for size in SIZES},
            "latency_p95_s_all": _p95(latencies),
            "latency_p50_s_5x": _p50(found[5]),
            # 5x and 10x bursts by the true rate when they started (mentions per minute).
            "latency_p95_s_5x_10x_by_baseline": {b: _p95(v) for b, v in by_band.items()},
            "bursts_5x_10x_by_baseline": {b: len(v) for b, v in by_band.items()},
            "bursts_per_size": totals[SIZES[0]],
            "alerts": alerts,
            "false_alarms": false_alarms,
            "topics": topics,
            "weeks_evaluated": evaluated_weeks,
            "mean_rate_per_min": round(mentions / (topics * weeks * WEEK_MIN), 2),
            "real_days_per_simulated_day": copies,
            "real_days": sum(len(ds) for ds in pool.values()),
            "burst_minutes": burst_minutes,
            "alpha": sensitivity,
            "cadence_s": 60,
            "bin_s": BIN_S,
            "data": str(data_dir) if data_dir else "bundled GermEval sample",
            "seed": seed,
        }
    )
    return out
