"""`resonanz bench alerts` in reduced size on the bundled sample's tweet times."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from typer.testing import CliRunner

from resonanz.alerts.incidents import TrackerPolicy
from resonanz.analytics.spikes import SpikeParams
from resonanz.bench.alerts import (
    PER_MIN,
    WEEK_MIN,
    _distinct_days,
    day_pool,
    detect,
    inject,
    load_times,
    place_bursts,
    poisson,
    status_time,
)
from resonanz.cli import app


def test_status_ids_decode_to_posting_times() -> None:
    # 20 May 2015 22:17:51 UTC: the first GermEval 2017 tweet in the shared data.
    assert abs(status_time(601135000000000000) - 1432160000) < 86_400 * 3


def test_bundled_sample_gives_days_for_every_weekday() -> None:
    pool = day_pool(load_times(None))
    assert set(pool) == set(range(7))
    assert all(all(0 <= s < 86_400 for s in day) for days in pool.values() for day in days)


def test_bench_alerts_json_has_the_figures(tmp_path: Path) -> None:
    cli_env = {"RESONANZ_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "alerts",
            "--json",
            "--topics",
            "2",
            "--weeks",
            "3",
            "--warmup-weeks",
            "2",
            "--bursts-per-size",
            "2",
            "--rate",
            "10",
        ],
        env=cli_env,
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in (
        "recall_3x",
        "recall_5x",
        "recall_10x",
        "false_alarms_per_topic_week",
        "latency_p95_s",
    ):
        assert key in figures
    assert figures["bursts_per_size"] == 4
    assert figures["data"] == "bundled GermEval sample"
    for size in (3, 5, 10):
        assert 0.0 <= figures[f"recall_{size}x"] <= 1.0
    assert figures["alerts"] >= figures["false_alarms"] >= 0


def test_detector_finds_bursts_in_a_seasonal_poisson_stream() -> None:
    """Where the truth is known: a Poisson stream with a daily cycle (1 to 9 per minute)."""
    rng = random.Random(7)
    weeks = 5
    rates = [5 + 4 * math.sin(2 * math.pi * (h % 24) / 24) for h in range(WEEK_MIN // 60)]
    counts = [
        poisson(rates[(b // PER_MIN % WEEK_MIN) // 60] / PER_MIN, rng)
        for b in range(weeks * WEEK_MIN * PER_MIN)
    ]
    first = 4 * WEEK_MIN
    bursts = place_bursts(first * 60, weeks * WEEK_MIN * 60, 3, 30, rng)
    inject(counts, bursts, rates, rng)
    result = detect(counts, bursts, first, SpikeParams(), TrackerPolicy())
    for i, burst in enumerate(bursts):
        if burst.size >= 5:
            assert i in result.found, burst
        if burst.size == 10:
            # Hours run at 1 to 9 a minute: a 10x burst is caught at the first or second tick.
            assert result.found[i] <= 120, burst
    assert result.false_alarms <= 1


def test_a_simulated_day_takes_distinct_real_days() -> None:
    """Copying one real day twice into a simulated day would double its clumps."""
    pool = {wd: [[float(wd * 100 + i)] for i in range(3)] for wd in range(7)}
    days = _distinct_days(pool, 2, 21, random.Random(1))
    assert len({d[0] for d in days}) == 21
    assert {d[0] for d in days[:3]} == {200.0, 201.0, 202.0}  # its own weekday first
    again = _distinct_days(pool, 2, 25, random.Random(1))
    assert len({d[0] for d in again}) == 21  # only past all 21 does a day come again
