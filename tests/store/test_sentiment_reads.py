"""The sentiment filter and sentiment counts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from resonanz.models import TopicMatch, Workspace
from resonanz.store import MentionFilter, SqlStore
from tests.store.conftest import T0, MakeMention

DAY = T0.replace(hour=0)


def _fill(store: SqlStore, ws: Workspace, make_mention: MakeMention) -> tuple[int, int]:
    """Labelled mentions of both topics on two days; the ids of Flixbus and Bahn."""
    flix, bahn = (store.get_topic(ws.id, name).id for name in ("Flixbus", "Bahn"))
    rows = [
        # (hours after T0, label or None, topics)
        (1, "negative", (flix,)),
        (2, "negative", (flix, bahn)),
        (3, "positive", (flix,)),
        (4, None, (flix,)),  # not analysed: never counted
        (25, "neutral", (bahn,)),
        (26, "positive", ()),
    ]
    mentions = [
        make_mention(
            str(i),
            minutes=60 * hours,
            enrichments={"sentiment": {"label": label, "score": 0.5}} if label else {},
            matches=tuple(TopicMatch(t, ("x",)) for t in topics),
        )
        for i, (hours, label, topics) in enumerate(rows)
    ]
    store.save_batch(ws.id, mentions)
    return flix, bahn


def test_filter_by_sentiment(store: SqlStore, ws: Workspace, make_mention: MakeMention) -> None:
    flix, _ = _fill(store, ws, make_mention)
    negative = list(store.iter_mentions(ws.id, MentionFilter(sentiment="negative")))
    assert [m.native_id for m in negative] == ["1", "0"]
    both = MentionFilter(sentiment="positive", topic_id=flix)
    assert [m.native_id for m in store.iter_mentions(ws.id, both)] == ["2"]
    assert store.count_mentions(ws.id, MentionFilter(sentiment="neutral")) == 1
    assert store.count_by(ws.id, "platform", MentionFilter(sentiment="positive")) == [
        ("bluesky", 2)
    ]


def test_sentiment_over_time_and_by_topic(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    flix, _ = _fill(store, ws, make_mention)
    for use_counts in (True, False):  # the kept counts and the mentions answer alike
        store.use_counts = use_counts
        assert store.sentiment.over_time(ws.id) == [
            ("2024-03-01", "negative", 2),
            ("2024-03-01", "positive", 1),
            ("2024-03-02", "neutral", 1),
            ("2024-03-02", "positive", 1),
        ]
        first_day = MentionFilter(topic_id=flix, until=DAY + timedelta(days=1))
        assert store.sentiment.over_time(ws.id, first_day, bucket="hour") == [
            ("2024-03-01 13:00", "negative", 1),
            ("2024-03-01 14:00", "negative", 1),
            ("2024-03-01 15:00", "positive", 1),
        ]
        # Every topic, whichever the filter names; a mention of two topics counts for both.
        assert store.sentiment.by_topic(ws.id, MentionFilter(topic_id=flix)) == [
            ("Bahn", "negative", 1),
            ("Bahn", "neutral", 1),
            ("Flixbus", "negative", 2),
            ("Flixbus", "positive", 1),
        ]
        later = MentionFilter(since=DAY + timedelta(days=1))
        assert store.sentiment.by_topic(ws.id, later) == [("Bahn", "neutral", 1)]
        assert store.sentiment.over_time(ws.id, MentionFilter(since=DAY + timedelta(9))) == []
