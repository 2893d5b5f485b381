"""Time series per minute, hour and day (analytics.series, store.series) and `resonanz
trends`, on SQLite and PostgreSQL: every series is compared with a plain count over the
mentions that were saved."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from resonanz.analytics.series import GROUPINGS, RESOLUTIONS, Series, floor, series
from resonanz.cli import app
from resonanz.errors import ValidationError
from resonanz.models import Mention, TopicMatch
from resonanz.store import SqlStore, open_store
from resonanz.store.series import GroupBy, Resolution

PLATFORMS = ("mastodon", "bluesky", "reddit")
LANGS = ("de", "en", None)
SENTIMENTS = ("negative", "neutral", "positive", None)
BASE = datetime(2024, 3, 10, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Saved:
    """What a saved mention is counted by."""

    posted_at: datetime
    platform: str
    lang: str | None
    sentiment: str | None
    topics: frozenset[int]


def _mention(i: int, item: Saved) -> Mention:
    enrichments: dict[str, Any] = {}
    if item.sentiment is not None:
        enrichments["sentiment"] = {"label": item.sentiment, "score": 0.0}
    return Mention(
        platform=item.platform,
        native_id=f"m{i}",
        text=f"post {i}",
        collected_at=item.posted_at,
        created_at=item.posted_at,
        lang=item.lang,
        enrichments=enrichments,
        matches=tuple(TopicMatch(t, ("x",)) for t in sorted(item.topics)),
    )


def _world(
    store: SqlStore, rng: random.Random, now: datetime
) -> tuple[int, list[int], list[Saved]]:
    """A workspace with two topics and mentions of mixed platforms, languages and labels:
    dense minutes in a burst, scattered hours over ten days, quiet gaps between."""
    ws = store.create_workspace("series", "Series")
    topic_ids = [store.add_topic(ws.id, name, name, "brand").id for name in ("Bahn", "Lufthansa")]
    times = [now + timedelta(seconds=rng.randrange(0, 3 * 3600)) for _ in range(150)]
    times += [now + timedelta(minutes=rng.randrange(-8 * 1440, 2 * 1440)) for _ in range(250)]
    saved = []
    for t in times:
        picked = frozenset(x for x in topic_ids if rng.random() < 0.55)
        saved.append(
            Saved(
                posted_at=t + timedelta(microseconds=rng.randrange(1_000_000)),
                platform=rng.choice(PLATFORMS),
                lang=rng.choice(LANGS),
                sentiment=rng.choice(SENTIMENTS),
                topics=picked,
            )
        )
    store.save_batch(ws.id, [_mention(i, s) for i, s in enumerate(saved)])
    return ws.id, topic_ids, saved


def _group(item: Saved, by: GroupBy | None) -> str:
    if by == "platform":
        return item.platform
    if by == "language":
        return item.lang or "und"
    if by == "sentiment":
        return item.sentiment or "none"
    return ""


def _naive(
    saved: list[Saved],
    topic_id: int | None,
    resolution: Resolution,
    start: datetime,
    end: datetime,
    by: GroupBy | None,
) -> Counter[tuple[datetime, str]]:
    """Mentions per (bucket, group), counted one by one."""
    out: Counter[tuple[datetime, str]] = Counter()
    for item in saved:
        if start <= item.posted_at < end and (topic_id is None or topic_id in item.topics):
            out[(floor(item.posted_at, resolution), _group(item, by))] += 1
    return out


def _check(found: Series, expected: Counter[tuple[datetime, str]], step: timedelta) -> int:
    """Assert the series is the plain count, bucket by bucket; returns its empty buckets."""
    starts = [b.start for b in found.buckets]
    assert starts == [found.start + i * step for i in range(len(starts))]
    assert found.start + len(starts) * step == found.end
    assert {g for (_, g) in expected if found.by} == set(found.groups)
    for bucket in found.buckets:
        assert bucket.total == sum(n for (at, _), n in expected.items() if at == bucket.start)
        assert bucket.by_group == {g: expected.get((bucket.start, g), 0) for g in found.groups}
    assert sum(b.total for b in found.buckets) == sum(expected.values())
    return sum(1 for b in found.buckets if b.total == 0)


STEP = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def _compare_all(store: SqlStore, ws_id: int, topic_ids: list[int], saved: list[Saved]) -> None:
    # (asked start, asked end, the buckets' start and end): unaligned ranges are widened
    day = BASE.replace(hour=0)
    ranges: dict[Resolution, tuple[datetime, ...]] = {
        "minute": (
            BASE - timedelta(minutes=20, seconds=7),
            BASE + timedelta(hours=3, minutes=10, seconds=30),
            BASE - timedelta(minutes=21),
            BASE + timedelta(hours=3, minutes=11),
        ),
        "hour": (
            BASE - timedelta(days=3, minutes=30),
            BASE + timedelta(days=1, hours=2),
            BASE - timedelta(days=3, hours=1),
            BASE + timedelta(days=1, hours=2),
        ),
        "day": (
            BASE - timedelta(days=9),
            BASE + timedelta(days=3),
            day - timedelta(days=9),
            day + timedelta(days=4),
        ),
    }
    for resolution in RESOLUTIONS:
        start, end, first, last = ranges[resolution]
        for topic_id in (None, *topic_ids):
            for by in (None, *GROUPINGS):
                found = series(
                    store, ws_id, topic_id, resolution=resolution, start=start, end=end, by=by
                )
                assert (found.start, found.end) == (first, last)
                expected = _naive(saved, topic_id, resolution, found.start, found.end, by)
                assert expected, (resolution, topic_id, by)
                empty = _check(found, expected, STEP[resolution])
                if resolution != "day":
                    assert empty > 0, "the data leaves empty buckets to zero-fill"


def test_series_equals_plain_counts(store: SqlStore) -> None:
    rng = random.Random(7)
    ws_id, topic_ids, saved = _world(store, rng, BASE)
    _compare_all(store, ws_id, topic_ids, saved)

    # Later writes change labels, languages and topics; the kept hours and days follow.
    # (An update without a language keeps the stored one, so each brings one.)
    changed = []
    for i, item in enumerate(saved):
        if i % 3 == 0:
            item = Saved(
                item.posted_at,
                item.platform,
                rng.choice(LANGS[:2]),
                rng.choice(SENTIMENTS[:3]),
                item.topics,
            )
        changed.append(item)
    store.save_batch(ws_id, [_mention(i, s) for i, s in enumerate(changed) if i % 3 == 0])
    ids = {m.native_id: m.id for m in store.iter_mentions(ws_id) if m.id is not None}
    first = topic_ids[0]
    moved: dict[int, list[TopicMatch]] = {}
    for i, item in enumerate(changed):
        if i % 4 == 1:
            topics = item.topics ^ {first}
            changed[i] = Saved(item.posted_at, item.platform, item.lang, item.sentiment, topics)
            moved[ids[f"m{i}"]] = [TopicMatch(first, ("x",))] if first in topics else []
    store.replace_matches(ws_id, moved, [first])
    _compare_all(store, ws_id, topic_ids, changed)


def test_series_refuses_bad_requests(store: SqlStore) -> None:
    ws = store.create_workspace("series", "Series")
    at = datetime(2024, 3, 10, tzinfo=UTC)
    ok = series(store, ws.id, None, resolution="minute", start=at, end=at + timedelta(hours=48))
    assert len(ok.buckets) == 48 * 60 and all(b.total == 0 for b in ok.buckets)
    with pytest.raises(ValidationError, match=r"at most 48 hours.*hour resolution"):
        series(store, ws.id, None, resolution="minute", start=at, end=at + timedelta(hours=49))
    with pytest.raises(ValidationError, match="resolution must be one of minute, hour, day"):
        series(store, ws.id, None, resolution="week", start=at, end=at + timedelta(days=1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="by must be one of platform, language, sentiment"):
        series(store, ws.id, None, resolution="hour", start=at, end=at, by="colour")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="end after it starts"):
        series(store, ws.id, None, resolution="hour", start=at, end=at)
    with pytest.raises(ValidationError, match="at most 10,000 buckets"):
        series(store, ws.id, None, resolution="hour", start=at, end=at + timedelta(days=500))


def _plans(store: SqlStore, topic_id: int | None, ws_id: int) -> list[str]:
    """The query plans of the minute read, as the database would run it."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        store.series.counts(
            ws_id,
            topic_id,
            resolution="minute",
            since=BASE,
            until=BASE + timedelta(hours=1),
            by="platform",
        )
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    statement, params = next((s, p) for s, p in seen if "GROUP BY" in s)
    with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            return [str(r[-1]) for r in rows]
        # A handful of rows: forbid the sequential scan a tiny table gets, to see the path
        # the planner has for a big one.
        conn.exec_driver_sql("SET enable_seqscan = off")
        return [str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + statement, params)]


def test_minute_read_is_an_index_range_scan(store: SqlStore) -> None:
    ws_id, topic_ids, _ = _world(store, random.Random(3), BASE)
    store.refresh_statistics()
    for topic_id in (None, topic_ids[0]):
        plan = "\n".join(_plans(store, topic_id, ws_id))
        assert "ix_mentions_ws_posted" in plan, plan  # or its covering twin (migration 0003)
        if store.engine.dialect.name == "sqlite":
            assert "SEARCH" in plan and "posted_at>? AND posted_at<?" in plan, plan
        else:
            assert "Index Cond" in plan and "posted_at >=" in plan, plan


# -- the command line


@pytest.fixture
def cli(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RESONANZ_DATABASE_URL", store_url)
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESONANZ_WORKSPACE", "series")
    monkeypatch.setenv("RESONANZ_LANGUAGE_DETECTION", "false")
    monkeypatch.setenv("COLUMNS", "250")
    yield CliRunner()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_trends_command(cli: CliRunner, store_url: str) -> None:
    now = datetime.now(UTC)
    store = open_store(store_url)
    try:
        _, topic_ids, saved = _world(store, random.Random(11), now - timedelta(hours=2))
    finally:
        store.close()
    bahn = topic_ids[0]
    for args in (
        ("--resolution", "minute", "--hours", "3"),
        ("--resolution", "minute", "--by", "platform", "--hours", "2"),
        ("--by", "sentiment"),
        ("--resolution", "day", "--by", "language", "--days", "9"),
        ("--resolution", "hour", "--days", "2"),
    ):
        got = json.loads(run(cli, "trends", "Bahn", *args, "--json"))
        resolution = got["resolution"]
        by = got["by"]
        assert got["topic"] == "Bahn" and resolution in RESOLUTIONS
        start, end = datetime.fromisoformat(got["start"]), datetime.fromisoformat(got["end"])
        assert start < now < end
        expected = _naive(saved, bahn, resolution, start, end, by)
        assert expected, args
        buckets = got["buckets"]
        assert len(buckets) == (end - start) / STEP[resolution]
        for bucket in buckets:
            at = datetime.fromisoformat(bucket["start"])
            assert bucket["total"] == sum(n for (a, _), n in expected.items() if a == at)
            assert bucket["by_group"] == {g: expected.get((at, g), 0) for g in got["groups"]}
        assert sum(b["total"] for b in buckets) == sum(expected.values())

    table = run(cli, "trends", "Bahn", "--resolution", "minute", "--by", "platform")
    for platform in PLATFORMS:
        assert platform in table
    assert "minute (UTC)" in table and floor(now, "minute").strftime("%Y-%m-%d %H:%M") in table
    hourly = run(cli, "trends", "Bahn", "--hours", "5")
    assert "same hour, 4 weeks before" in hourly and "per minute" in hourly
    assert ("Spike" in hourly) or ("No spike now." in hourly)
    assert floor(now, "hour").strftime("%Y-%m-%d %H:00") in hourly
    daily = run(cli, "trends", "Bahn", "--resolution", "day", "--by", "sentiment", "--days", "3")
    assert "day (UTC)" in daily and "negative" in daily and "same hour" not in daily

    # Errors: exit code 1 or 2 and the option named.
    assert "'Nope' does not exist" in run(cli, "trends", "Nope", code=1)
    assert "--resolution" in run(cli, "trends", "Bahn", "--resolution", "week", code=2)
    assert "--by" in run(cli, "trends", "Bahn", "--by", "colour", code=2)
    out = run(cli, "trends", "Bahn", "--resolution", "minute", "--hours", "49", code=1)
    assert "--hours 49" in out and "48 hours" in out and "hour resolution" in out
    out = run(cli, "trends", "Bahn", "--resolution", "minute", "--days", "3", code=1)
    assert "--days 3" in out and "48 hours" in out
    assert "not both" in run(cli, "trends", "Bahn", "--hours", "2", "--days", "1", code=1)
    assert "--hours must be at least 1" in run(cli, "trends", "Bahn", "--hours", "0", code=1)
