"""The sentiment filter and sentiment counts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resonanz.models import Mention, TopicMatch
from resonanz.store import MentionFilter, SqlStore

DAY = datetime(2026, 3, 2, tzinfo=UTC)


def _fill(store: SqlStore) -> tuple[int, int, int]:
    """A workspace with two topics and labelled mentions on two days; (ws, brand, rival)."""
    ws = store.create_workspace("acme", "Acme")
    brand = store.add_topic(ws.id, "Brand", "bahn", "brand").id
    rival = store.add_topic(ws.id, "Rival", "flix", "competitor").id
    rows = [
        # (hours after DAY, label or None, topics)
        (1, "negative", (brand,)),
        (2, "negative", (brand, rival)),
        (3, "positive", (brand,)),
        (4, None, (brand,)),  # not analysed: never counted
        (25, "neutral", (rival,)),
        (26, "positive", ()),
    ]
    store.save_batch(
        ws.id,
        [
            Mention(
                platform="web",
                native_id=str(i),
                text=f"post {i}",
                collected_at=DAY + timedelta(hours=hours),
                created_at=DAY + timedelta(hours=hours),
                enrichments={"sentiment": {"label": label, "score": 0.5, "model": "m"}}
                if label
                else {},
                matches=tuple(TopicMatch(t, ("x",)) for t in topics),
            )
            for i, (hours, label, topics) in enumerate(rows)
        ],
    )
    return ws.id, brand, rival


def test_filter_by_sentiment(store: SqlStore) -> None:
    ws, brand, _ = _fill(store)
    negative = list(store.iter_mentions(ws, MentionFilter(sentiment="negative")))
    assert [m.native_id for m in negative] == ["1", "0"]
    both = MentionFilter(sentiment="positive", topic_id=brand)
    assert [m.native_id for m in store.iter_mentions(ws, both)] == ["2"]
    assert store.count_mentions(ws, MentionFilter(sentiment="neutral")) == 1
    assert store.count_by(ws, "platform", MentionFilter(sentiment="positive")) == [("web", 2)]


def test_sentiment_over_time_and_by_topic(store: SqlStore) -> None:
    ws, brand, _ = _fill(store)
    assert store.sentiment.over_time(ws) == [
        ("2026-03-02", "negative", 2),
        ("2026-03-02", "positive", 1),
        ("2026-03-03", "neutral", 1),
        ("2026-03-03", "positive", 1),
    ]
    hours = store.sentiment.over_time(
        ws, MentionFilter(topic_id=brand, until=DAY + timedelta(days=1)), bucket="hour"
    )
    assert hours == [
        ("2026-03-02 01:00", "negative", 1),
        ("2026-03-02 02:00", "negative", 1),
        ("2026-03-02 03:00", "positive", 1),
    ]
    # Every topic, whichever the filter names; a mention of two topics counts for both.
    assert store.sentiment.by_topic(ws, MentionFilter(topic_id=brand)) == [
        ("Brand", "negative", 2),
        ("Brand", "positive", 1),
        ("Rival", "negative", 1),
        ("Rival", "neutral", 1),
    ]
    later = MentionFilter(since=DAY + timedelta(days=1))
    assert store.sentiment.by_topic(ws, later) == [("Rival", "neutral", 1)]
    assert store.sentiment.over_time(ws, MentionFilter(since=DAY + timedelta(days=9))) == []
