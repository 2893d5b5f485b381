"""Stored topic clusters (migration 0009, ``store.clusters``) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from resonanz.analysis.clusters import Clusterer, ClusterItem
from resonanz.models import TopicMatch, Workspace
from resonanz.store import SqlStore, open_store
from resonanz.store.engine import create_engine, normalise_url
from resonanz.store.migrate import current_revision, head_revision
from tests.migration_steps import run_alembic
from tests.store.conftest import T0, MakeMention


def test_migration_0009_up_down_up(store_url: str) -> None:
    run_alembic(store_url, "upgrade", "0008")
    engine = create_engine(normalise_url(store_url))
    try:
        assert "topic_clusters" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
    run_alembic(store_url, "upgrade", "0009")
    run_alembic(store_url, "downgrade", "0008")
    engine = create_engine(normalise_url(store_url))
    try:
        names = set(sa.inspect(engine).get_table_names())
        assert not names & {"topic_clusters", "topic_cluster_posts"}
    finally:
        engine.dispose()
    with open_store(store_url) as store:  # back to head
        assert current_revision(store.engine) == head_revision()
        inspector = sa.inspect(store.engine)
        assert {"topic_clusters", "topic_cluster_posts"} <= set(inspector.get_table_names())
        indexes = {i["name"] for i in inspector.get_indexes("topic_cluster_posts")}
        assert {"ix_topic_cluster_posts_posted", "ix_topic_cluster_posts_mention"} <= indexes


def _topic_mentions(store: SqlStore, ws: Workspace, make_mention: MakeMention, n: int) -> int:
    topic = store.get_topic(ws.id, "Bahn")
    store.save_batch(
        ws.id,
        [
            make_mention(
                str(i), text=f"Bahn Verspätung {i}", matches=(TopicMatch(topic.id, ("bahn",)),)
            )
            for i in range(1, n + 1)
        ],
    )
    return topic.id


def test_state_cursor_and_posts_round_trip(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    topic_id = _topic_mentions(store, ws, make_mention, 5)
    assert store.clusters.load(ws.id, topic_id) is None
    pending = store.clusters.pending(ws.id, topic_id, (), 10)
    assert [p.text for p in pending] == [f"Bahn Verspätung {i}" for i in range(1, 6)]
    assert pending[0].posted_at == T0 + timedelta(minutes=1)
    clusterer = Clusterer()
    clusterer.add([ClusterItem(p.id, p.text, p.lang, p.posted_at) for p in pending])
    state = clusterer.to_bytes()
    ids = [p.id for p in pending]
    posts = [(p.id, 7 if i < 3 else None, p.posted_at) for i, p in enumerate(pending)]
    assert store.clusters.save(
        ws.id,
        topic_id,
        state=state,
        fed=ids[:3],
        version=0,
        posts=posts[:3],
        keep_since=T0,
        at=T0 + timedelta(hours=1),
    )
    stored = store.clusters.load(ws.id, topic_id)
    assert stored is not None
    assert stored.state == state and stored.fed == tuple(ids[:3])
    assert stored.version == 1 and stored.posts == 3
    assert stored.updated_at == T0 + timedelta(hours=1)
    # the same bytes come back: the clusterer goes on from them
    assert Clusterer.from_bytes(stored.state).posts == 5
    # what is not in the cursor is pending; a stale save changes nothing
    assert [p.id for p in store.clusters.pending(ws.id, topic_id, stored.fed, 10)] == ids[3:]
    assert not store.clusters.save(
        ws.id, topic_id, state=b"x", fed=ids, version=0, posts=posts, keep_since=T0, at=T0
    )
    assert store.clusters.load(ws.id, topic_id) == stored
    assert store.clusters.counts(topic_id, T0, T0 + timedelta(hours=1)) == {7: 3}
    assert store.clusters.save(
        ws.id,
        topic_id,
        state=state,
        fed=ids,
        version=1,
        posts=posts,  # the first three again: stored once
        keep_since=T0 + timedelta(minutes=2),  # the post of minute 1 is forgotten
        at=T0 + timedelta(hours=2),
    )
    assert store.clusters.counts(topic_id, T0, T0 + timedelta(hours=1)) == {7: 2, None: 2}
    assert store.clusters.first_posted(topic_id) == T0 + timedelta(minutes=2)
    newest = store.clusters.newest_posts(ws.id, topic_id, [7], T0, T0 + timedelta(hours=1), 5)
    assert [p.mention_id for p in newest] == [ids[2], ids[1]]
    assert newest[0].text == "Bahn Verspätung 3"
    again = store.clusters.load(ws.id, topic_id)
    assert again is not None and again.version == 2 and again.posts == 3 + 5


def test_reset_and_topic_removal_forget_the_clusters(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    topic_id = _topic_mentions(store, ws, make_mention, 2)
    pending = store.clusters.pending(ws.id, topic_id, (), 10)
    posts = [(p.id, 1, p.posted_at) for p in pending]
    save = {"state": b"s", "fed": [p.id for p in pending], "posts": posts, "keep_since": T0}
    assert store.clusters.save(ws.id, topic_id, version=0, at=T0, **save)
    other = store.create_workspace("other", "Other")
    store.clusters.reset(other.id, topic_id)  # another workspace's reset touches nothing
    assert store.clusters.load(ws.id, topic_id) is not None
    assert store.clusters.load(other.id, topic_id) is None
    store.clusters.reset(ws.id, topic_id)
    assert store.clusters.load(ws.id, topic_id) is None
    assert store.clusters.counts(topic_id, T0, T0 + timedelta(days=1)) == {}
    assert store.clusters.save(ws.id, topic_id, version=0, at=T0, **save)
    store.remove_topic(ws.id, "Bahn")
    assert store.clusters.load(ws.id, topic_id) is None
    assert store.clusters.counts(topic_id, T0, T0 + timedelta(days=1)) == {}
