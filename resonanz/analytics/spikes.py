"""Volume spikes against a seasonal baseline, with an explanation a person can check.

The expected rate of a topic at a moment is the mean count of the same hour of the week
over the last ``weeks`` weeks (hour of day x day of week), corrected by how the last day
ran against its own seasonal expectation (a brand that grew this month is not in a spike
all month). With less than two weeks of history the mean of the last day's hours stands in.

How sure that expectation is decides how surprising a count is. The rate is treated as
uncertain with a relative variance ``cv2`` made of two parts: the estimate's own
(1 / (mentions behind it + 1): a sparse topic's baseline is a guess) and the week-to-week
variation of its hours beyond chance (``dispersion``, measured on the topic's history).
A count of mentions over a window is then negative-binomial (a Poisson count with a
gamma-distributed rate), and the spike test is its upper tail: P(X >= observed).

Each detection tick tests windows ending at the tick, from 30 seconds to 15 minutes, on
counts of ``BIN_S``-second bins: a burst that began 40 seconds before a tick is tested on
its own 40-odd seconds instead of being diluted into a whole minute (or waiting for the
next tick). A window fires when its tail probability is below ``alpha`` (the rule's
sensitivity), it holds at least ``min_mentions`` mentions and at least ``min_ratio`` times
the expected number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

BIN_S = 15  # seconds per count bin
WINDOWS_S = (30, 60, 90, 120, 180, 300, 900)  # window lengths tested at every tick
SENSITIVITY = {"low": 1e-8, "normal": 1e-6, "high": 1e-4}
MAX_DISPERSION = 1.0
MIN_DISPERSION = 0.005


@dataclass(frozen=True, slots=True)
class SpikeParams:
    """A rule's knobs for the volume detector."""

    alpha: float = SENSITIVITY["normal"]
    min_mentions: int = 10
    min_ratio: float = 2.0
    weeks: int = 4
    windows_s: tuple[int, ...] = WINDOWS_S  # multiples of BIN_S

    @property
    def bins(self) -> int:
        """How many bins the longest window spans."""
        return max(self.windows_s) // BIN_S


@dataclass(frozen=True, slots=True)
class Expectation:
    """Expected mentions per minute at one moment, and how uncertain that rate is."""

    per_minute: float
    cv2: float  # relative variance of the rate
    weeks: int  # weeks of the same hour behind it; 0: the last day's mean stands in

    def basis(self, lang: str = "en") -> str:
        """Where the expectation comes from, in words."""
        if self.weeks:
            if lang == "de":
                return f"aus derselben Stunde der letzten {self.weeks} Wochen"
            return f"from the same hour of the last {self.weeks} weeks"
        return "aus den letzten 24 Stunden" if lang == "de" else "from the last 24 hours"


@dataclass(frozen=True, slots=True)
class SpikeFinding:
    """One window whose count is too high to be chance."""

    window_s: int
    observed: int
    expected: float
    spread: float  # standard deviation of the count under the expectation
    p_value: float
    expectation: Expectation

    @property
    def ratio(self) -> float:
        """Observed over expected."""
        return self.observed / max(self.expected, 1e-9)

    @property
    def window_min(self) -> int:
        """The window in whole minutes, rounded up (where example mentions are taken from)."""
        return max(1, math.ceil(self.window_s / 60))

    def explain(self, lang: str = "en") -> str:
        """'412 mentions in the last 15 min, expected 40 ± 9 from the same hour of ...'."""
        expected, spread = _round(self.expected), _round(self.spread)
        basis = self.expectation.basis(lang)
        if lang == "de":
            return (
                f"{self.observed} Erwähnungen in den letzten {_span(self.window_s, lang)}, "
                f"erwartet {expected} ± {spread} {basis}"
            )
        return (
            f"{self.observed} mentions in the last {_span(self.window_s, lang)}, "
            f"expected {expected} ± {spread} {basis}"
        )


def _span(seconds: int, lang: str) -> str:
    """'15 min' / '90 s' (German '15 Min.' / '90 Sek.')."""
    if seconds % 60 == 0:
        return f"{seconds // 60} Min." if lang == "de" else f"{seconds // 60} min"
    return f"{seconds} Sek." if lang == "de" else f"{seconds} s"


def _round(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def expectation(
    slot_history: Sequence[Sequence[int]],
    recent: Sequence[int],
    *,
    dispersion: float,
) -> Expectation:
    """The expected rate now.

    ``slot_history[0]`` holds the counts of the current hour of the week in each past week
    (newest first, up to the rule's ``weeks``); ``slot_history[i]`` the same for the hour
    ``i`` hours ago (up to 24). ``recent[i]`` is the observed count ``i`` hours ago
    (``recent[0]`` is ignored: the current hour is still running).
    """
    now_slot = slot_history[0] if slot_history else ()
    weeks = len(now_slot)
    past = list(recent[1:25])
    if weeks >= 2:
        kept = robust(now_slot)
        base = sum(kept) / len(kept)
        support = sum(kept)
        # Level: the last day against its seasonal expectation (shrunk towards 1).
        seen = expected_day = 0.0
        for i, observed in enumerate(past, start=1):
            if i < len(slot_history) and slot_history[i]:
                seen += observed
                usual = robust(slot_history[i])
                expected_day += sum(usual) / len(usual)
        level = (seen + 10.0) / (expected_day + 10.0)
        level = min(2.0, max(0.5, level))
        rate = base * level / 60.0
        cv2 = 1.0 / (support + 1.0) + dispersion
        return Expectation(rate, cv2, weeks)
    total = sum(past)
    rate = total / max(1, len(past)) / 60.0
    cv2 = 1.0 / (total + 1.0) + dispersion
    return Expectation(rate, cv2, 0)


def seasonal_expectation(count: Callable[[int], int | None], weeks: int) -> Expectation:
    """``expectation`` from a lookup of hourly counts, as the detector and the benchmark
    both read them: ``count(k)`` is the count of the hour ``k`` hours before the current
    one, None before the topic's data starts."""
    history = [
        [c for w in range(1, weeks + 1) if (c := count(i + 168 * w)) is not None] for i in range(25)
    ]
    recent = [count(i) or 0 for i in range(25)]
    return expectation(history, recent, dispersion=measure_dispersion(history))


def robust(counts: Sequence[int]) -> Sequence[int]:
    """The counts without the largest one when there are three or more: a past incident in
    one week must not raise the baseline (or its spread) of the weeks after it."""
    if len(counts) < 3:
        return counts
    ordered = sorted(counts)
    return ordered[:-1]


def measure_dispersion(slot_history: Sequence[Sequence[int]]) -> float:
    """Week-to-week variation of the hours beyond Poisson chance, as a relative variance.

    For each hour with at least two past weeks: (sample variance - mean) / mean², averaged
    and clamped to [0.005, 1]. 0 would mean the hours vary no more than chance.
    """
    values: list[float] = []
    weights: list[float] = []
    for week_counts in slot_history:
        counts = robust(week_counts)
        n = len(counts)
        if n < 2:
            continue
        mean = sum(counts) / n
        if mean <= 0:
            continue
        var = sum((c - mean) ** 2 for c in counts) / (n - 1)
        values.append((var - mean) / (mean * mean))
        weights.append(mean)
    if not values:
        return 0.1
    estimate = sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)
    return min(MAX_DISPERSION, max(MIN_DISPERSION, estimate))


def nb_tail(observed: int, mean: float, cv2: float) -> float:
    """P(X >= observed) for a count with this mean whose rate has relative variance cv2.

    Negative binomial with r = 1 / cv2 (Poisson when cv2 is 0). Summed upwards from
    ``observed`` with the pmf recurrence, which converges fast for the upper tail; below
    the mean, 1 - P(X < observed) summed from 0 instead.
    """
    if observed <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    step = _pmf_step(mean, cv2)
    if observed < mean:
        term, below = math.exp(_log_pmf(0, mean, cv2)), 0.0
        for k in range(observed):
            below += term
            term *= step(k)
        return 1.0 - below
    term = math.exp(_log_pmf(observed, mean, cv2))
    total, k = term, observed
    while term > total * 1e-12 and k < observed + 100_000:
        term *= step(k)
        total += term
        k += 1
    return min(1.0, total)


def _log_pmf(k: int, mean: float, cv2: float) -> float:
    """log P(X = k): Poisson when cv2 is (almost) 0, else negative binomial r = 1 / cv2."""
    if cv2 <= 1e-12:
        return k * math.log(mean) - mean - math.lgamma(k + 1)
    r = 1.0 / cv2
    p = mean / (r + mean)
    return (
        math.lgamma(k + r)
        - math.lgamma(r)
        - math.lgamma(k + 1)
        + r * math.log1p(-p)
        + k * math.log(p)
    )


def _pmf_step(mean: float, cv2: float) -> Callable[[int], float]:
    """P(X = k + 1) / P(X = k) as a function of k."""
    if cv2 <= 1e-12:
        return lambda k: mean / (k + 1)
    r = 1.0 / cv2
    p = mean / (r + mean)
    return lambda k: (k + r) / (k + 1) * p


def minute_dispersion(hours: Sequence[Sequence[int]]) -> float:
    """How clumped mentions arrive within an hour: the median over past hours of the
    minute counts' variance over their mean (1 for a Poisson stream, more when posts come
    in clumps: threads, retweet waves). Hours with fewer than 30 mentions are left out;
    1 when none is left. Clamped to [1, 10]."""
    ratios: list[float] = []
    for minutes in hours:
        n = len(minutes)
        total = sum(minutes)
        if n < 2 or total < 30:
            continue
        mean = total / n
        var = sum((c - mean) ** 2 for c in minutes) / (n - 1)
        ratios.append(var / mean)
    if not ratios:
        return 1.0
    ratios.sort()
    middle = len(ratios) // 2
    median = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    return min(10.0, max(1.0, median))


def find_spike(
    bins: Sequence[int],
    expected: Sequence[float],
    expect: Expectation,
    params: SpikeParams,
    *,
    clumping: float = 1.0,
) -> SpikeFinding | None:
    """The most surprising window ending now, if one fires.

    ``bins`` are the counts of the most recent ``BIN_S``-second bins, newest last (at least
    ``params.bins`` of them for every window to be tested), and ``expected`` the expected
    count of each of those bins (bins of an earlier hour have that hour's rate). With
    ``clumping`` above 1 (see ``minute_dispersion``) counts are compared on the scale of
    clumps: observed and expected divided by it.
    """
    best: SpikeFinding | None = None
    for width_s in params.windows_s:
        width = width_s // BIN_S
        if width > len(bins):
            continue
        observed = sum(bins[-width:])
        mean = sum(expected[-width:])
        if observed < params.min_mentions or observed < params.min_ratio * mean:
            continue
        p = nb_tail(math.ceil(observed / clumping), mean / clumping, expect.cv2)
        if p < params.alpha and (best is None or p < best.p_value):
            spread = math.sqrt(mean * clumping + mean * mean * expect.cv2)
            best = SpikeFinding(width_s, observed, mean, spread, p, expect)
    return best
