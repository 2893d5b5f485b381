"""volume, top_authors and newest_posted_at: the overview's reads, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from resonanz.models import Mention, TopicMatch, Workspace
from resonanz.store import MentionFilter, SqlStore, reads, sql
from resonanz.store.base import AuthorReach

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)  # as in tests/store/conftest.py


def _fill(store: SqlStore, ws: Workspace, make_mention: Callable[..., Mention]) -> tuple[int, int]:
    """Six mentions over two days: topics, authors with and without follower counts."""
    flixbus, bahn = store.get_topic(ws.id, "Flixbus").id, store.get_topic(ws.id, "Bahn").id
    specs = [
        # native id, minutes after T0, topics, handle, followers
        ("1", 0, (flixbus,), "anna", 500),
        ("2", 30, (flixbus, bahn), "anna", 500),
        ("3", 90, (bahn,), "ben", 20_000),
        ("4", 60 * 24, (), "carl", None),
        ("5", 60 * 24 + 5, (flixbus,), "dora", 7),
        ("6", 60 * 24 + 10, (), None, None),
    ]
    batch = [
        make_mention(
            nid,
            minutes=minutes,
            handle=handle,
            followers=followers,
            matches=tuple(TopicMatch(t, ("x",)) for t in tids),
        )
        for nid, minutes, tids, handle, followers in specs
    ]
    store.save_batch(ws.id, batch)
    return flixbus, bahn


def test_volume_per_day_and_topic(
    store: SqlStore, ws: Workspace, make_mention: Callable[..., Mention]
) -> None:
    _fill(store, ws, make_mention)
    assert store.volume(ws.id) == [
        ("2024-03-01", "Bahn", 2),
        ("2024-03-01", "Flixbus", 2),
        ("2024-03-02", None, 2),
        ("2024-03-02", "Flixbus", 1),
    ]


def test_volume_per_hour_with_topic_and_range(
    store: SqlStore, ws: Workspace, make_mention: Callable[..., Mention]
) -> None:
    _, bahn = _fill(store, ws, make_mention)
    assert store.volume(ws.id, MentionFilter(topic_id=bahn), bucket="hour") == [
        ("2024-03-01 12:00", "Bahn", 1),
        ("2024-03-01 13:00", "Bahn", 1),
    ]
    day2 = MentionFilter(since=T0 + timedelta(hours=12))
    assert store.volume(ws.id, day2, bucket="hour") == [
        ("2024-03-02 12:00", None, 2),
        ("2024-03-02 12:00", "Flixbus", 1),
    ]


def test_top_authors_by_followers_then_unknown(
    store: SqlStore, ws: Workspace, make_mention: Callable[..., Mention]
) -> None:
    _fill(store, ws, make_mention)
    top = store.top_authors(ws.id, limit=10)
    assert [(a.handle, a.followers, a.mentions) for a in top] == [
        ("ben", 20_000, 1),
        ("anna", 500, 2),
        ("dora", 7, 1),
        ("carl", None, 1),
    ]
    assert top[1] == AuthorReach("bluesky", "anna", "Anna", 500, 2)
    assert [a.handle for a in store.top_authors(ws.id, limit=2)] == ["ben", "anna"]


def test_top_authors_follow_the_filter(
    store: SqlStore, ws: Workspace, make_mention: Callable[..., Mention]
) -> None:
    flixbus, _ = _fill(store, ws, make_mention)
    top = store.top_authors(ws.id, MentionFilter(topic_id=flixbus))
    assert [(a.handle, a.mentions) for a in top] == [("anna", 2), ("dora", 1)]
    later = MentionFilter(since=T0 + timedelta(minutes=20), until=T0 + timedelta(days=1))
    assert [(a.handle, a.mentions) for a in store.top_authors(ws.id, later)] == [
        ("ben", 1),
        ("anna", 1),
    ]
    other = store.create_workspace("other", "Other")
    assert store.top_authors(other.id) == []


def test_newest_posted_at(
    store: SqlStore, ws: Workspace, make_mention: Callable[..., Mention]
) -> None:
    assert store.newest_posted_at(ws.id) is None
    _fill(store, ws, make_mention)
    assert store.newest_posted_at(ws.id) == T0 + timedelta(days=1, minutes=10)


@pytest.mark.parametrize(("page", "pages"), [(1, 4), (1, 1), (256, 0)])
def test_top_authors_paged_walk_and_grouped_fallback(
    store: SqlStore,
    ws: Workspace,
    make_mention: Callable[..., Mention],
    monkeypatch: pytest.MonkeyPatch,
    page: int,
    pages: int,
) -> None:
    monkeypatch.setattr(reads, "_AUTHOR_PAGE", page)
    monkeypatch.setattr(reads, "_AUTHOR_PAGES", pages)
    monkeypatch.setattr(sql, "GROUP_AUTHORS_BELOW", -1)  # walk even for a few mentions
    monkeypatch.setattr(sql, "GROUP_AUTHORS_BELOW_POSTGRESQL", -1)
    flixbus, _ = _fill(store, ws, make_mention)
    top = store.top_authors(ws.id, limit=10)
    assert [(a.handle, a.followers, a.mentions) for a in top] == [
        ("ben", 20_000, 1),
        ("anna", 500, 2),
        ("dora", 7, 1),
        ("carl", None, 1),
    ]
    flix = store.top_authors(ws.id, MentionFilter(topic_id=flixbus), limit=1)
    assert [(a.handle, a.mentions) for a in flix] == [("anna", 2)]


def test_refresh_statistics_runs_on_both_backends(
    store: SqlStore, ws: Workspace, make_mention: Callable[..., Mention]
) -> None:
    _fill(store, ws, make_mention)
    store.refresh_statistics()
    assert store.count_mentions(ws.id) == 6
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            # Vacuumed (the visibility map set for index-only scans) and analysed.
            done = conn.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                "AND relid = ANY(ARRAY['mentions'::regclass, 'mention_counts'::regclass])"
            ).all()
        assert sorted(row[0] for row in done) == ["mention_counts", "mentions"]
