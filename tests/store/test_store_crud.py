"""Workspaces, topics and sources: create, read, update, delete, and the errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from resonanz.errors import ConflictError, NotFoundError, StoreError, ValidationError
from resonanz.models import SourceHealth, TopicMatch, Workspace
from resonanz.store import MentionFilter, SqlStore


def test_workspaces(store: SqlStore) -> None:
    demo = store.create_workspace("demo", "Demo GmbH")
    store.create_workspace("acme", "ACME")
    assert demo.created_at.tzinfo is UTC
    assert store.get_workspace("demo") == demo
    assert [w.slug for w in store.list_workspaces()] == ["acme", "demo"]
    with pytest.raises(ConflictError, match="workspace 'demo' already exists"):
        store.create_workspace("demo", "Again")
    with pytest.raises(NotFoundError, match="workspace 'nope' does not exist"):
        store.get_workspace("nope")
    store.delete_workspace("acme")
    with pytest.raises(NotFoundError, match="workspace 'acme' does not exist"):
        store.delete_workspace("acme")
    with pytest.raises(ValueError, match="non-empty slug"):
        store.create_workspace(" ", "Blank")


def test_topics(store: SqlStore, ws: Workspace) -> None:
    flixbus = store.get_topic(ws.id, "Flixbus")
    assert (flixbus.kind, flixbus.query, flixbus.active) == ("brand", "flixbus", True)
    assert [t.name for t in store.list_topics(ws.id)] == ["Bahn", "Flixbus"]
    with pytest.raises(ConflictError, match="topic 'Flixbus' already exists in workspace 'demo'"):
        store.add_topic(ws.id, "Flixbus", "x", "brand")
    with pytest.raises(ValueError, match="unknown topic kind 'rival'"):
        store.add_topic(ws.id, "Other", "x", "rival")

    changed = store.update_topic(flixbus.id, query="flixbus OR flix", active=False)
    assert (changed.query, changed.kind, changed.active) == ("flixbus OR flix", "brand", False)
    assert store.get_topic(ws.id, "Flixbus") == changed
    assert [t.name for t in store.list_topics(ws.id, active_only=True)] == ["Bahn"]
    assert store.update_topic(flixbus.id, kind="product").kind == "product"

    store.remove_topic(ws.id, "Bahn")
    with pytest.raises(NotFoundError, match="topic 'Bahn' does not exist in workspace 'demo'"):
        store.get_topic(ws.id, "Bahn")
    with pytest.raises(NotFoundError, match="topic 'Bahn' does not exist in workspace 'demo'"):
        store.remove_topic(ws.id, "Bahn")
    with pytest.raises(NotFoundError, match="topic 999 does not exist"):
        store.update_topic(999, active=True)
    with pytest.raises(NotFoundError, match="workspace 999 does not exist"):
        store.add_topic(999, "X", "x", "brand")


def test_sources_and_health(store: SqlStore, ws: Workspace) -> None:
    config = {"url": "https://example.org/feed", "token": "s3cret"}
    src = store.add_source(ws.id, "rss", "blog", config)
    assert (src.kind, src.name, dict(src.config), dict(src.cursor)) == ("rss", "blog", config, {})
    assert src.health == SourceHealth() and src.enabled
    with pytest.raises(ConflictError, match="source 'blog' already exists in workspace 'demo'"):
        store.add_source(ws.id, "rss", "blog", {})

    t1 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    store.record_source_run(src.id, at=t1, error="HTTP 503 from example.org")
    health = store.get_source(ws.id, "blog").health
    assert health.last_run_at == t1 and health.last_success_at is None
    assert (health.last_error, health.last_error_at) == ("HTTP 503 from example.org", t1)

    t2 = t1 + timedelta(minutes=5)
    store.record_source_run(src.id, at=t2)
    health = store.get_source_by_id(src.id).health
    assert (health.last_run_at, health.last_success_at, health.last_error) == (t2, t2, None)
    assert health.last_error_at == t1  # when the last error happened stays known

    store.set_source_cursor(src.id, {"etag": "abc", "seen": [1, 2]})
    assert store.get_source(ws.id, "blog").cursor == {"etag": "abc", "seen": [1, 2]}
    assert [s.name for s in store.list_sources(ws.id)] == ["blog"]

    for call in (
        lambda: store.get_source_by_id(999),
        lambda: store.record_source_run(999, at=t1),
        lambda: store.set_source_cursor(999, {}),
    ):
        with pytest.raises(NotFoundError, match="source 999 does not exist"):
            call()
    with pytest.raises(NotFoundError, match="source 'x' does not exist in workspace 'demo'"):
        store.get_source(ws.id, "x")
    store.remove_source(ws.id, "blog")
    with pytest.raises(NotFoundError, match="source 'blog' does not exist in workspace 'demo'"):
        store.remove_source(ws.id, "blog")


def test_unserialisable_config_is_a_store_error_without_values(
    store: SqlStore, ws: Workspace
) -> None:
    with pytest.raises(StoreError) as info:
        store.add_source(ws.id, "rss", "bad", {"token": "s3cret", "obj": object()})
    assert "not JSON serialisable" in str(info.value)
    assert "s3cret" not in str(info.value)


def test_removing_a_source_keeps_its_mentions(store: SqlStore, ws: Workspace, make_mention) -> None:
    src = store.add_source(ws.id, "bluesky", "bsky", {})
    store.save_batch(ws.id, [make_mention("1")], source_id=src.id)
    store.remove_source(ws.id, "bsky")
    assert store.count_mentions(ws.id) == 1


def test_delete_workspace_cascades(store: SqlStore, make_mention) -> None:
    doomed = store.create_workspace("doomed", "Doomed")
    kept = store.create_workspace("kept", "Kept")
    for w in (doomed, kept):
        topic = store.add_topic(w.id, "T", "t", "keyword")
        src = store.add_source(w.id, "bluesky", "bsky", {})
        batch = [
            make_mention("1", handle="anna", matches=(TopicMatch(topic.id, ("t",)),)),
            make_mention("2", handle="ben", repost_of="1"),
        ]
        store.save_batch(w.id, batch, source_id=src.id)
    store.delete_workspace("doomed")
    assert store.count_mentions(doomed.id) == 0
    assert store.count_mentions(kept.id) == 2
    assert store.count_by(kept.id, "topic") == [("T", 1)]
    assert store.count_mentions(kept.id, MentionFilter(fts=("term", "post", False))) == 2
    with pytest.raises(NotFoundError):
        store.get_topic(doomed.id, "T")
    # Nothing of the deleted workspace is left behind, full-text index included.
    with store.engine.connect() as conn:
        for table in ("topics", "sources", "authors", "mentions"):
            n = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            assert n == {"topics": 1, "sources": 1, "authors": 2, "mentions": 2}[table]
        if conn.dialect.name == "sqlite":
            assert (
                conn.exec_driver_sql(
                    "SELECT count(*) FROM mentions_fts WHERE mentions_fts MATCH 'post'"
                ).scalar()
                == 2
            )


def test_timestamps_round_trip_as_utc(store: SqlStore, ws: Workspace) -> None:
    src = store.add_source(ws.id, "rss", "feed", {})
    berlin = timezone(timedelta(hours=2))
    at = datetime(2024, 6, 1, 14, 30, 15, 123456, tzinfo=berlin)
    store.record_source_run(src.id, at=at)
    back = store.get_source_by_id(src.id).health.last_run_at
    assert back == at and back is not None
    assert back.tzinfo is UTC and back.hour == 12 and back.microsecond == 123456
    naive = datetime(2024, 6, 1, 12, 0)
    store.record_source_run(src.id, at=naive)
    assert store.get_source_by_id(src.id).health.last_run_at == naive.replace(tzinfo=UTC)


def test_rename_topic(store: SqlStore) -> None:
    ws = store.create_workspace("rename", "Rename")
    first = store.add_topic(ws.id, "Erste", "bahn", "brand")
    store.add_topic(ws.id, "Zweite", "zug", "brand")
    renamed = store.update_topic(first.id, name=" Marke ")
    assert renamed.name == "Marke" and renamed.query == "bahn"
    with pytest.raises(ConflictError, match="Zweite"):
        store.update_topic(first.id, name="Zweite")
    with pytest.raises(ValidationError):
        store.update_topic(first.id, name="  ")
    assert [t.name for t in store.list_topics(ws.id)] == ["Marke", "Zweite"]
