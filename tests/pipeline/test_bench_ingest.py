"""The ingest benchmark stores every generated mention and names the enrichers that ran."""

from __future__ import annotations

from resonanz.bench.ingest import bench_ingest
from resonanz.config import Settings


def test_bench_ingest_without_enrichers_by_default(store_url: str) -> None:
    url = None if store_url.startswith("sqlite") else store_url
    figures = bench_ingest(Settings(), n_mentions=300, database_url=url)
    assert figures["stored"] == 300
    assert 0 < figures["matched"] <= 300
    assert figures["mentions_per_s"] > 0
    assert figures["enrichers"] == []
    assert figures["language_detection"] is False
    assert figures["backend"] == ("sqlite" if url is None else "postgresql+psycopg")


def test_bench_ingest_runs_the_enrichers_the_settings_turn_on() -> None:
    figures = bench_ingest(Settings(), n_mentions=200, language=True, enrichers=True)
    assert figures["stored"] == 200
    assert {"language", "sentiment", "keywords"} <= set(figures["enrichers"])
    assert "aspects" not in figures["enrichers"]  # off in the default settings
    off = bench_ingest(Settings(sentiment_analysis=False), n_mentions=200, enrichers=True)
    assert "sentiment" not in off["enrichers"] and "keywords" in off["enrichers"]
