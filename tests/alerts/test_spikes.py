"""The volume-spike statistics against brute force and hand-checked cases."""

from __future__ import annotations

import math

import pytest

from resonanz.analytics.spikes import (
    Expectation,
    SpikeFinding,
    SpikeParams,
    expectation,
    find_spike,
    measure_dispersion,
    minute_dispersion,
    nb_tail,
    robust,
)


def _poisson_tail(x: int, mean: float) -> float:
    return 1.0 - sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(x))


def _nb_tail(x: int, mean: float, cv2: float) -> float:
    r = 1 / cv2
    p = mean / (r + mean)
    pmf = [
        math.exp(
            math.lgamma(k + r)
            - math.lgamma(r)
            - math.lgamma(k + 1)
            + r * math.log1p(-p)
            + k * math.log(p)
        )
        for k in range(x)
    ]
    return 1.0 - sum(pmf)


@pytest.mark.parametrize(("x", "mean"), [(0, 3.0), (1, 0.5), (5, 3.0), (12, 3.0), (40, 20.0)])
def test_poisson_tail_matches_brute_force(x: int, mean: float) -> None:
    assert nb_tail(x, mean, 0.0) == pytest.approx(_poisson_tail(x, mean), rel=1e-6, abs=1e-12)


@pytest.mark.parametrize(("x", "mean", "cv2"), [(3, 5.0, 0.1), (15, 5.0, 0.1), (60, 20.0, 0.3)])
def test_negative_binomial_tail_matches_brute_force(x: int, mean: float, cv2: float) -> None:
    assert nb_tail(x, mean, cv2) == pytest.approx(_nb_tail(x, mean, cv2), rel=1e-6, abs=1e-12)


def test_uncertain_rate_makes_a_count_less_surprising() -> None:
    assert nb_tail(30, 10.0, 0.2) > nb_tail(30, 10.0, 0.01) > nb_tail(30, 10.0, 0.0)


def test_seasonal_expectation_ignores_one_past_incident() -> None:
    # Same hour in the last four weeks: one of them held an incident.
    history = [[600, 3000, 620, 580]] + [[600, 600, 600, 600]] * 24
    recent = [0] + [600] * 24
    expect = expectation(history, recent, dispersion=measure_dispersion(history))
    assert expect.weeks == 4
    assert expect.per_minute == pytest.approx(10.0, rel=0.05)
    assert robust([1, 9, 2]) == [1, 2]


def test_level_follows_a_busier_last_day() -> None:
    history = [[600] * 4] * 25
    busier = expectation(history, [0] + [900] * 24, dispersion=0.01)
    usual = expectation(history, [0] + [600] * 24, dispersion=0.01)
    assert busier.per_minute > usual.per_minute * 1.3


def test_without_history_the_last_day_stands_in() -> None:
    expect = expectation([[]], [0] + [120] * 24, dispersion=0.05)
    assert expect.weeks == 0
    assert expect.per_minute == pytest.approx(2.0)
    assert "24" in expect.basis("en") and "24" in expect.basis("de")


def test_clumping_is_measured_from_minute_counts() -> None:
    steady = [[5] * 30 + [6] * 30] * 10
    clumped = [[0, 0, 0, 0, 25] * 12] * 10
    assert minute_dispersion(steady) == 1.0
    assert minute_dispersion(clumped) > 5


def test_a_spike_fires_and_explains_itself() -> None:
    """Bins of 15 s; three minutes of 20-30 a minute against 3 expected."""
    expect = Expectation(per_minute=3.0, cv2=0.02, weeks=4)
    quiet = [1, 1, 0, 1] * 15
    assert find_spike(quiet, [0.75] * 60, expect, SpikeParams()) is None
    spike = [*quiet[:48], 5, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8]
    finding = find_spike(spike, [0.75] * 60, expect, SpikeParams())
    assert finding is not None and finding.ratio > 2
    assert finding.window_s in SpikeParams().windows_s
    text = finding.explain("en")
    assert f"{finding.observed} mentions in the last " in text
    assert "expected" in text and "same hour of the last 4 weeks" in text
    assert "Erwähnungen" in finding.explain("de")


def test_a_burst_younger_than_a_minute_is_tested_on_its_own_seconds() -> None:
    """45 s of burst right before the tick: a 45-60 s window sees it undiluted."""
    expect = Expectation(per_minute=5.0, cv2=0.01, weeks=4)
    bins = [1, 1, 2, 1] * 14 + [1, 9, 10, 9]
    finding = find_spike(bins, [1.25] * 60, expect, SpikeParams())
    assert finding is not None
    assert finding.window_s <= 60
    assert finding.observed >= 28


def test_windows_are_spoken_in_seconds_or_minutes() -> None:
    expect = Expectation(per_minute=1.0, cv2=0.01, weeks=0)
    short = SpikeFinding(90, 30, 1.5, 1.2, 1e-9, expect)
    assert "in the last 90 s," in short.explain("en")
    assert "in den letzten 90 Sek.," in short.explain("de")
    assert short.window_min == 2
    long = SpikeFinding(900, 80, 15.0, 4.0, 1e-9, expect)
    assert "in the last 15 min," in long.explain("en")
    assert "15 Min." in long.explain("de")


def test_min_mentions_keeps_sparse_topics_quiet() -> None:
    expect = Expectation(per_minute=0.01, cv2=0.5, weeks=4)
    few = [0] * 59 + [4]
    assert find_spike(few, [0.0025] * 60, expect, SpikeParams(min_mentions=10)) is None
    assert find_spike(few, [0.0025] * 60, expect, SpikeParams(min_mentions=3)) is not None
