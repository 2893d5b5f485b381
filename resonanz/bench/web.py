"""Benchmark: the dashboard on a big workspace (``resonanz bench web``).

Generates n mentions (``bench.web_data``) into a fresh store, then, through the real app
with a session of an owner:

- ``overview_p95_ms``: ``GET /w/{slug}`` over 30 requests with different date ranges
  (presets, month windows, two-day hourly ranges) and topic filters;
- ``search_p95_ms``: ``GET /w/{slug}/mentions?q=...`` for 20 queries, or, while that page
  does not exist, the same search through the store (full-text prefilter, exact
  evaluation, first 50 hits and the count) — ``search_via`` says which;
- ``export_peak_rss_mb``: the peak resident memory growth while 100,000 rows of
  ``GET /w/{slug}/mentions/export.csv`` are streamed (the ASGI app is driven directly so
  that no client buffers the body), or, without that route, while ``iter_mentions`` feeds
  100,000 rows to a CSV writer — ``export_via`` says which.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resonanz.bench.web_data import END, SPAN, Generated, Progress, generate
from resonanz.bench.web_export import export_page, export_store
from resonanz.bench.web_search import QUERIES, search_page, search_store, timed_gets
from resonanz.config import Settings
from resonanz.store import Store, open_store
from resonanz.web import create_app
from resonanz.web.security import hash_password

EXPORT_ROWS = 100_000
OVERVIEW_REQUESTS = 30
PASSWORD = "bench password 1234"


def p95(samples: list[float]) -> float:
    """The 95th percentile in milliseconds of samples in seconds."""
    ordered = sorted(samples)
    return round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)


def overview_urls(data: Generated, rng: random.Random) -> list[str]:
    """Overview requests: presets, month windows, short hourly ranges; some per topic."""
    base = f"/w/{data.slug}"
    topics = [None, *data.topic_ids.values()]
    urls = []
    for i in range(OVERVIEW_REQUESTS):
        topic = topics[i % len(topics)] if i % 2 else None
        suffix = f"&topic={topic}" if topic else ""
        kind = i % 3
        if kind == 0:
            urls.append(f"{base}?days={(7, 30, 90)[i % 9 // 3]}{suffix}")
            continue
        length = 30 if kind == 1 else 2
        start = (END - SPAN).date() + timedelta(days=rng.randrange(365 - length))
        end = start + timedelta(days=length - 1)
        urls.append(f"{base}?from={start}&to={end}{suffix}")
    return urls


def _login(app: FastAPI, store: Store, workspace_id: int, slug: str) -> TestClient:
    email = f"owner-{slug}@bench.test"  # users are global: one per workspace
    found = store.accounts.find_user(email)
    if found is None:
        user = store.accounts.create_user(email, "Owner", hash_password(PASSWORD))
    else:
        user = store.accounts.update_user(found.id, password_hash=hash_password(PASSWORD))
    store.accounts.add_member(workspace_id, user.id, "owner")
    client = TestClient(app)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "/w"},
        follow_redirects=False,
    )
    if answer.status_code != 303:
        raise RuntimeError(f"bench login failed with {answer.status_code}")
    return client


@contextmanager
def rss_peak() -> Iterator[Callable[[], float]]:
    """Sample this process's RSS every 5 ms; yields a function giving the growth in MB."""
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], process.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield lambda: round((peak[0] - baseline) / 2**20, 1)
    finally:
        stop.set()
        thread.join()
        peak[0] = max(peak[0], process.memory_info().rss)


def reuse(store: Store, slug: str) -> Generated | None:
    """The kept workspace of an earlier run, or None."""
    found = {w.slug: w for w in store.list_workspaces()}.get(slug)
    if found is None:
        return None
    topic_ids = {t.name: t.id for t in store.list_topics(found.id)}
    return Generated(workspace_id=found.id, slug=slug, topic_ids=topic_ids)


def _has_page(client: TestClient, path: str) -> bool:
    """True unless the app answers 404 (the workspace exists, so the route is missing)."""
    status: int = client.get(path).status_code
    return status != 404


def bench_web(
    settings: Settings,
    *,
    n_mentions: int = 1_000_000,
    database_url: str | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """Generate n mentions into a fresh store and time the dashboard on them.

    With ``keep`` (and a database_url) the workspace ``bench-web-kept-<n>-<seed>`` stays
    after the run, and a later run with the same n and seed measures it again without
    generating (``generate_s`` is then null).
    """
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="resonanz-bench-web-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = open_store(url)
        kept = f"bench-web-kept-{n_mentions}-{seed}"
        slug = kept if keep else f"bench-web-{int(time.time() * 1000)}"
        try:
            started = time.perf_counter()
            data = reuse(store, kept) if keep else None
            if data is None:
                data = generate(store, slug, n_mentions, seed=seed, progress=progress)
                store.refresh_statistics()  # as autovacuum would after a load this size
                generate_s: float | None = time.perf_counter() - started
            else:
                generate_s = None
            web_settings = Settings(
                data_dir=str(Path(tmp) / "data"),
                secret_key="b" * 40,
                cookie_secure=False,
                default_locale="en",
            )
            app = create_app(web_settings, store)
            with _login(app, store, data.workspace_id, slug) as client:
                if progress:
                    progress("overview", 0, 1)
                client.get(f"/w/{slug}")  # warm-up: templates, plans, caches
                overview = timed_gets(client, overview_urls(data, rng))
                if progress:
                    progress("search", 0, 1)
                if _has_page(client, f"/w/{slug}/mentions?q=bahn"):
                    search_via, search = "page", search_page(client, slug)
                else:
                    search_via, search = "store", search_store(store, data.workspace_id)
                if progress:
                    progress("export", 0, 1)
                rows_wanted = min(EXPORT_ROWS, n_mentions)
                export_via = "page"
                with rss_peak() as growth:
                    rows, export_s = export_page(app, client, slug, rows_wanted)
                export_mb = growth()
                if rows < 0:  # no export route yet
                    export_via = "store"
                    with rss_peak() as growth:
                        rows, export_s = export_store(store, data.workspace_id, rows_wanted)
                    export_mb = growth()
        finally:
            if keep:
                pass
            elif database_url and slug in {w.slug for w in store.list_workspaces()}:
                store.delete_workspace(slug)
            store.close()
    return {
        "mentions": n_mentions,
        "backend": url.split(":", 1)[0].split("+", 1)[0],
        "generate_s": None if generate_s is None else round(generate_s, 1),
        "generate_per_s": None if generate_s is None else round(n_mentions / generate_s, 1),
        "overview_requests": len(overview),
        "overview_p50_ms": round(1000 * statistics.median(overview), 1),
        "overview_p95_ms": p95(overview),
        "search_via": search_via,
        "search_queries": len(QUERIES),
        "search_p50_ms": round(1000 * statistics.median(search), 1),
        "search_p95_ms": p95(search),
        "export_via": export_via,
        "export_rows": rows,
        "export_s": round(export_s, 2),
        "export_peak_rss_mb": export_mb,
    }
