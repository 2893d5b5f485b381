"""Benchmark: file -> pipeline -> store throughput, on mentions shaped like the sample.

By default no enricher runs (issue 3's figure: "pipeline ingest without heavy
enrichers"): normalise, dedupe, match the demo topics, store. ``language`` adds language
detection, ``enrichers`` every other enricher the settings turn on (sentiment,
keywords, ...), as ``collect`` runs them; the figures name the enrichers that ran.
"""

from __future__ import annotations

import json
import random
import resource
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from resonanz.collect import run_source
from resonanz.config import Settings
from resonanz.demo import DEMO_TOPICS, sample_texts
from resonanz.runtime import Runtime
from resonanz.store import open_store

_PLATFORMS = ("twitter", "twitter", "twitter", "facebook", "web")


def write_mentions(path: Path, n: int, seed: int = 0) -> None:
    """Write n JSONL mentions: real sample texts, synthetic ids, authors and times."""
    rng = random.Random(seed)
    texts = sample_texts()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    authors = [f"user{i}" for i in range(max(50, n // 20))]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            row = {
                "id": f"bench-{seed}-{i}",
                "text": rng.choice(texts)[:1000],
                "author": rng.choice(authors),
                "author_followers": rng.randint(0, 50_000),
                "created_at": (start + timedelta(seconds=37 * i)).isoformat(),
                "platform": rng.choice(_PLATFORMS),
                "likes": rng.randint(0, 200),
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def bench_ingest(
    settings: Settings,
    *,
    n_mentions: int = 20_000,
    language: bool = False,
    enrichers: bool = False,
    database_url: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Ingest n mentions from a JSONL file into a fresh store; return the figures."""
    settings = replace(settings, language_detection=language)
    with tempfile.TemporaryDirectory(prefix="resonanz-bench-") as tmp:
        data = Path(tmp) / "mentions.jsonl"
        write_mentions(data, n_mentions, seed)
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = open_store(url)
        try:
            slug = f"bench-{int(time.time() * 1000)}"
            ws = store.create_workspace(slug, "ingest benchmark")
            for topic in DEMO_TOPICS:
                store.add_topic(ws.id, topic.name, topic.query, topic.kind)
            runtime = Runtime.load(settings, load_entry_points=False)
            if not enrichers:  # language detection alone, when asked
                kept = tuple(e for e in runtime.enrichers if e.name == "language")
                runtime = replace(runtime, enrichers=kept)
            # Those that do work here (relevance needs a workspace's trained model).
            ran = [e.name for e in runtime.enrichers if getattr(e, "enabled", False)]
            source_cls = runtime.source_class("file")
            config = source_cls.validate_config({"path": str(data), "format": "jsonl"}, settings)
            source = store.add_source(ws.id, "file", "bench", config)
            started = time.perf_counter()
            report = run_source(store, runtime, source)
            elapsed = time.perf_counter() - started
            stored = store.count_mentions(ws.id)
            if database_url:
                store.delete_workspace(slug)
        finally:
            store.close()
    return {
        "mentions": n_mentions,
        "stored": stored,
        "matched": report.matched,
        "seconds": round(elapsed, 3),
        "mentions_per_s": round(n_mentions / elapsed, 1),
        "language_detection": language,
        "enrichers": ran,
        "batch_size": settings.batch_size,
        "backend": url.split(":", 1)[0],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
