"""``resonanz bench web`` on a small workspace: it runs and prints its figures (no timings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.cli import app

KEYS = {
    "mentions",
    "backend",
    "overview_p95_ms",
    "search_p95_ms",
    "search_via",
    "export_peak_rss_mb",
    "export_via",
    "export_rows",
}


def test_bench_web_prints_its_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RESONANZ_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["bench", "web", "--mentions", "2000", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) >= KEYS
    assert figures["mentions"] == 2000
    assert figures["backend"] == "sqlite"
    assert figures["export_rows"] == 2000
    assert figures["overview_p95_ms"] > 0 and figures["search_p95_ms"] > 0
