"""Units of work against the real store (SQLite and PostgreSQL): collect and re-match."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from resonanz.collect import collect, rematch_topics, run_source
from resonanz.config import Settings
from resonanz.runtime import Runtime
from resonanz.store import MentionFilter, SqlStore

SETTINGS = Settings(language_detection=False, allow_private_targets=True, http_timeout=2.0)


def _runtime() -> Runtime:
    return Runtime.load(SETTINGS, load_entry_points=False)


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_failing_source_is_reported_and_others_still_run(store: SqlStore, tmp_path: Path) -> None:
    runtime = _runtime()
    ws = store.create_workspace("acme", "ACME")
    store.add_topic(ws.id, "Bahn", "bahn", "brand")
    data = _jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": "Bahn fährt"}])
    file_config = runtime.source_class("file").validate_config({"path": str(data)}, SETTINGS)
    store.add_source(ws.id, "file", "file-a", file_config)
    url = f"http://127.0.0.1:{_closed_port()}/feed.xml"
    rss_config = runtime.source_class("rss").validate_config({"url": url}, SETTINGS)
    store.add_source(ws.id, "rss", "dead-feed", rss_config)

    reports = {r.source: r for r in collect(store, runtime, ws.id)}
    assert reports["file-a"].ok and reports["file-a"].inserted == 1
    assert reports["file-a"].matched == 1
    assert not reports["dead-feed"].ok and "127.0.0.1" in (reports["dead-feed"].error or "")

    health = {s.name: s.health for s in store.list_sources(ws.id)}
    assert health["dead-feed"].last_error and health["dead-feed"].last_success_at is None
    assert health["file-a"].last_error is None and health["file-a"].items_total == 1


def test_keep_unmatched_false_keeps_only_matches(store: SqlStore, tmp_path: Path) -> None:
    runtime = _runtime()
    ws = store.create_workspace("acme", "ACME")
    store.add_topic(ws.id, "Bahn", "bahn", "brand")
    rows = [{"id": "1", "text": "Bahn fährt"}, {"id": "2", "text": "Wetter schön"}]
    data = _jsonl(tmp_path / "b.jsonl", rows)
    config = runtime.source_class("file").validate_config(
        {"path": str(data), "keep_unmatched": False}, SETTINGS
    )
    source = store.add_source(ws.id, "file", "only-matches", config)
    report = run_source(store, runtime, source)
    assert report.fetched == 2 and report.inserted == 1
    assert [m.native_id for m in store.iter_mentions(ws.id)] == ["1"]


def test_new_topic_finds_stored_mentions_and_update_rematches(
    store: SqlStore, tmp_path: Path
) -> None:
    runtime = _runtime()
    ws = store.create_workspace("acme", "ACME")
    rows = [
        {"id": "1", "text": "Der ICE hatte wieder Verspätung"},
        {"id": "2", "text": "Flixbus war pünktlich"},
        {"id": "3", "text": "Verspaetung am Hauptbahnhof"},
    ]
    data = _jsonl(tmp_path / "c.jsonl", rows)
    config = runtime.source_class("file").validate_config({"path": str(data)}, SETTINGS)
    run_source(store, runtime, store.add_source(ws.id, "file", "c", config))

    topic = store.add_topic(ws.id, "Pünktlichkeit", "verspätung*", "keyword")
    assert rematch_topics(store, ws.id, [topic], chunk_size=2) == 2
    by_topic = MentionFilter(topic_id=topic.id)
    assert {m.native_id for m in store.iter_mentions(ws.id, by_topic)} == {"1", "3"}
    (first,) = [m for m in store.iter_mentions(ws.id, by_topic) if m.native_id == "1"]
    assert first.matches[0].terms == ("verspaetung*",)  # the wildcard literal that matched

    topic = store.update_topic(topic.id, query="pünktlich*")
    assert rematch_topics(store, ws.id, [topic]) == 1
    assert {m.native_id for m in store.iter_mentions(ws.id, by_topic)} == {"2"}
