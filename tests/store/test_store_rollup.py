"""mention_counts stays exact: every count read from it equals counting the mentions.

On both backends: random mentions over hours, platforms, languages, sentiment labels and
topics, saved, saved again with new languages, labels and matches, re-matched, a topic
removed — after each step the counts answer like the mentions table. The migrations'
backfill gives the same counts as the writes kept.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from alembic import command

from resonanz.models import Mention, TopicMatch, Workspace
from resonanz.store import MentionFilter, SqlStore, rollup
from resonanz.store.migrate import alembic_config

T0 = datetime(2025, 6, 1, tzinfo=UTC)
PLATFORMS = ("bluesky", "mastodon", "rss")
LANGS = ("de", "en", None)
SENTIMENTS = ("negative", "neutral", "positive", None)


def _sentiment(rng: random.Random) -> dict[str, object]:
    label = rng.choice(SENTIMENTS)
    return {} if label is None else {"sentiment": {"label": label, "score": 0.0, "model": "m"}}


def _mentions(rng: random.Random, topic_ids: list[int], n: int, prefix: str) -> list[Mention]:
    out = []
    for i in range(n):
        chosen = [t for t in topic_ids if rng.random() < 0.3]
        at = T0 + timedelta(minutes=rng.randrange(60 * 24 * 5))
        out.append(
            Mention(
                platform=rng.choice(PLATFORMS),
                native_id=f"{prefix}{i}",
                text="text",
                collected_at=at + timedelta(hours=1),
                created_at=at if rng.random() < 0.9 else None,
                lang=rng.choice(LANGS),
                enrichments=_sentiment(rng),
                matches=tuple(TopicMatch(t, ("x",)) for t in chosen),
            )
        )
    return out


def _filters(topic_ids: list[int]) -> list[MentionFilter | None]:
    day = T0 + timedelta(days=1)
    return [
        None,
        MentionFilter(since=day),
        MentionFilter(until=day + timedelta(hours=7)),
        MentionFilter(since=day, until=day + timedelta(days=2)),
        *[MentionFilter(topic_id=t) for t in topic_ids],
        MentionFilter(topic_id=topic_ids[0], since=day, until=day + timedelta(days=1)),
    ]


def _answers(store: SqlStore, ws: Workspace, flt: MentionFilter | None) -> list[object]:
    out: list[object] = [store.count_mentions(ws.id, flt)]
    for dimension in ("platform", "lang", "day", "topic"):
        out.append(store.count_by(ws.id, dimension, flt, limit=0))  # type: ignore[arg-type]
        out.append(store.count_by(ws.id, dimension, flt, limit=2))  # type: ignore[arg-type]
    out.append(store.volume(ws.id, flt, bucket="day"))
    out.append(store.volume(ws.id, flt, bucket="hour"))
    out.append(store.sentiment.over_time(ws.id, flt, bucket="day"))
    out.append(store.sentiment.over_time(ws.id, flt, bucket="hour"))
    out.append(store.sentiment.by_topic(ws.id, flt))
    return out


def _assert_exact(store: SqlStore, ws: Workspace) -> None:
    topic_ids = [t.id for t in store.list_topics(ws.id)]
    for flt in _filters(topic_ids):
        assert rollup.answers(flt)
        store.use_counts = True
        from_counts = _answers(store, ws, flt)
        store.use_counts = False
        from_mentions = _answers(store, ws, flt)
        store.use_counts = True
        assert from_counts == from_mentions, flt


def test_counts_follow_every_write(store: SqlStore, ws: Workspace) -> None:
    rng = random.Random(7)
    topic_ids = [t.id for t in store.list_topics(ws.id)]
    third = store.add_topic(ws.id, "Dritte", "dritte", "keyword").id
    topic_ids.append(third)
    batch = _mentions(rng, topic_ids, 300, "a")
    store.save_batch(ws.id, batch[:150])
    store.save_batch(ws.id, batch[100:])  # 50 again, unchanged
    _assert_exact(store, ws)
    # Known mentions again, with a language where none was, another sentiment (or, without
    # enrichments, the one they had) and more matches.
    again = [
        Mention(
            platform=m.platform,
            native_id=m.native_id,
            text=m.text,
            collected_at=m.collected_at,
            created_at=m.created_at,
            lang=rng.choice(("de", "en", None)),
            enrichments=_sentiment(rng),
            matches=(TopicMatch(topic_ids[1], ("y",)),),
        )
        for m in batch[::3]
    ]
    store.save_batch(ws.id, again)
    _assert_exact(store, ws)
    # Re-match two topics: some mentions lose them, others gain them.
    stored = list(store.iter_mentions(ws.id))
    new = {
        m.id: [TopicMatch(t, ("z",)) for t in topic_ids[:2] if rng.random() < 0.5]
        for m in stored
        if m.id is not None
    }
    store.replace_matches(ws.id, new, topic_ids[:2])
    _assert_exact(store, ws)
    store.remove_topic(ws.id, "Dritte")
    _assert_exact(store, ws)


def test_filters_the_counts_cannot_answer() -> None:
    assert not rollup.answers(MentionFilter(platform="rss"))
    assert not rollup.answers(MentionFilter(author="anna"))
    assert not rollup.answers(MentionFilter(since=T0 + timedelta(minutes=5)))
    assert rollup.answers(MentionFilter(topic_id=1, since=T0, until=T0 + timedelta(hours=3)))


def test_backfill_equals_the_kept_counts(store: SqlStore, ws: Workspace) -> None:
    rng = random.Random(3)
    topic_ids = [t.id for t in store.list_topics(ws.id)]
    store.save_batch(ws.id, _mentions(rng, topic_ids, 200, "b"))
    with store.engine.connect() as conn:
        kept = dict(rollup.check(conn, ws.id))
        kept_daily = dict(rollup.check(conn, ws.id, daily=True))
    config = alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
        command.upgrade(config, "head")
    with store.engine.connect() as conn:
        assert dict(rollup.check(conn, ws.id)) == kept
        assert dict(rollup.check(conn, ws.id, daily=True)) == kept_daily
    assert all(at.hour == 0 for at, *_ in kept_daily)
    assert sum(kept_daily.values()) == sum(kept.values())
    assert sum(n for (_, topic, *_), n in kept.items() if topic == rollup.ALL) == 200
    labels = {sentiment for *_, sentiment in kept}
    assert labels == {"negative", "neutral", "positive", rollup.NO_SENTIMENT}
