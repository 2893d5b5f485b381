"""The matching benchmark runs on small sizes and reports consistent figures."""

from __future__ import annotations

import random

from resonanz.bench.match import bench_match, load_rows, make_posts, make_queries
from resonanz.query import lint


def test_generated_queries_are_valid_and_varied() -> None:
    rows = load_rows()
    assert len(rows) > 1000
    queries = make_queries(rows, 300, random.Random(1))
    assert all(lint(q).ok for q in queries)
    text = " ".join(queries)
    for feature in (" OR ", " AND ", "NOT ", "NEAR/", '"', "*", "#", "@", ":"):
        assert feature in text, feature


def test_generated_posts_come_from_the_sample() -> None:
    rows = load_rows()
    posts = make_posts(rows, 50, random.Random(2))
    texts = {row.text[:1000] for row in rows}
    assert any(post.text in texts for post in posts)
    assert all(len(post.text) <= 1000 for post in posts)
    assert {post.platform for post in posts} & {"twitter", "facebook"}


def test_bench_match_reports_its_figures() -> None:
    seen: list[str] = []
    result = bench_match(
        n_queries=200, n_posts=400, seed=3, progress=lambda stage, done, total: seen.append(stage)
    )
    assert result["n_queries"] == 200 and result["n_posts"] == 400
    for key in ("posts_per_s", "scan_posts_per_s", "compile_s", "peak_rss_mb"):
        assert result[key] > 0, key
    assert result["candidates_per_post"] >= result["matches_per_post"]
    assert abs(result["matches_total"] / 400 - result["matches_per_post"]) < 0.01
    assert {"prepare", "match", "scan"} <= set(seen)
    again = bench_match(n_queries=200, n_posts=400, seed=3)
    assert again["matches_total"] == result["matches_total"]  # seeded: same work
    dense = bench_match(n_queries=200, n_posts=400, seed=3, shared_texts=True)
    assert dense["shared_texts"] is True
