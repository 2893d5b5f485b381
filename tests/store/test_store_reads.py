"""iter_mentions, count_mentions and count_by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resonanz.models import TopicMatch, Workspace
from resonanz.store import MentionFilter, SqlStore

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)  # as in tests/store/conftest.py


@pytest.fixture
def corpus(store: SqlStore, ws: Workspace, make_mention) -> Workspace:
    """25 mentions: 5 share one timestamp, 20 a minute apart; mixed platforms, langs, topics."""
    flixbus, bahn = store.get_topic(ws.id, "Flixbus"), store.get_topic(ws.id, "Bahn")
    batch = []
    for i in range(25):
        matches = []
        if i % 2 == 0:
            matches.append(TopicMatch(flixbus.id, ("flixbus",)))
        if i % 3 == 0:
            matches.append(TopicMatch(bahn.id, ("bahn",)))
        batch.append(
            make_mention(
                str(i),
                minutes=0 if i < 5 else i,
                platform="mastodon" if i % 5 == 0 else "bluesky",
                lang=None if i % 4 == 0 else ("de" if i % 2 else "en"),
                handle=f"user{i % 3}",
                matches=tuple(matches),
            )
        )
    # Saved in an order unlike time order, over several batches.
    for part in (batch[10:], batch[:10]):
        store.save_batch(ws.id, part)
    return ws


def _expected(newest_first: bool) -> list[str]:
    minute = {i: 0 if i < 5 else i for i in range(25)}
    # Same timestamp: ordered by row id, and rows 0-4 were inserted in the second batch.
    order = sorted(range(25), key=lambda i: (minute[i], i if i < 5 else i - 100))
    ids = [str(i) for i in order]
    return ids[::-1] if newest_first else ids


@pytest.mark.parametrize("newest_first", [True, False])
def test_keyset_iteration_across_chunks(
    store: SqlStore, corpus: Workspace, newest_first: bool
) -> None:
    for chunk_size in (1, 3, 5, 24, 25, 100):
        it = store.iter_mentions(corpus.id, newest_first=newest_first, chunk_size=chunk_size)
        assert [m.native_id for m in it] == _expected(newest_first), chunk_size


def test_iteration_is_lazy(store: SqlStore, corpus: Workspace) -> None:
    it = store.iter_mentions(corpus.id, chunk_size=2)
    first = next(it)
    assert first.native_id == "24" and first.author is not None and first.matches
    assert len(list(it)) == 24


def test_filters(store: SqlStore, corpus: Workspace) -> None:
    flixbus = store.get_topic(corpus.id, "Flixbus")
    count = store.count_mentions
    assert count(corpus.id) == 25
    assert count(corpus.id, MentionFilter(platform="mastodon")) == 5
    assert count(corpus.id, MentionFilter(lang="de")) == 12
    assert count(corpus.id, MentionFilter(topic_id=flixbus.id)) == 13
    since, until = T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)
    assert count(corpus.id, MentionFilter(since=since)) == 15
    assert count(corpus.id, MentionFilter(since=since, until=until)) == 10
    flt = MentionFilter(topic_id=flixbus.id, platform="bluesky", since=since)
    got = [m.native_id for m in store.iter_mentions(corpus.id, flt, newest_first=False)]
    assert got == ["12", "14", "16", "18", "22", "24"]
    assert count(corpus.id, flt) == 6
    other = store.create_workspace("other", "Other")
    assert count(other.id) == 0 and list(store.iter_mentions(other.id)) == []


def test_count_by(store: SqlStore, corpus: Workspace) -> None:
    assert store.count_by(corpus.id, "platform") == [("bluesky", 20), ("mastodon", 5)]
    assert store.count_by(corpus.id, "topic") == [("Flixbus", 13), ("Bahn", 9)]
    assert store.count_by(corpus.id, "lang") == [("de", 12), ("und", 7), ("en", 6)]
    assert store.count_by(corpus.id, "author", limit=2) == [("user0", 9), ("user1", 8)]
    assert store.count_by(corpus.id, "day") == [("2024-03-01", 25)]
    flt = MentionFilter(platform="mastodon")
    assert store.count_by(corpus.id, "topic", flt) == [("Flixbus", 3), ("Bahn", 2)]


def test_count_by_day_falls_back_to_collected_at(
    store: SqlStore, ws: Workspace, make_mention
) -> None:
    batch = [make_mention(str(i), created_at=T0 + timedelta(days=i % 4)) for i in range(8)] + [
        make_mention("x", created_at=None, collected_at=T0 + timedelta(days=10))
    ]
    store.save_batch(ws.id, batch)
    assert store.count_by(ws.id, "day", limit=3) == [
        ("2024-03-03", 2),
        ("2024-03-04", 2),
        ("2024-03-11", 1),
    ]
    (undated,) = store.iter_mentions(ws.id, MentionFilter(since=T0 + timedelta(days=9)))
    assert undated.native_id == "x" and undated.created_at is None


def test_chunk_size_must_be_positive(store: SqlStore, ws: Workspace) -> None:
    with pytest.raises(ValueError, match="chunk_size must be at least 1"):
        list(store.iter_mentions(ws.id, chunk_size=0))
