"""Killing an import mid-way loses nothing and duplicates nothing (real SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from resonanz.store import open_store

ROWS = 30_000


def _write_rows(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(ROWS):
            row = {"id": f"row-{i}", "text": f"Die Bahn ist heute {i} Minuten zu spät #bahn"}
            handle.write(json.dumps(row) + "\n")


def _run(db_url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RESONANZ_BATCH_SIZE": "100",
        "RESONANZ_LANGUAGE_DETECTION": "false",
        "RESONANZ_WORKSPACE": "crash",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "resonanz", "--database-url", db_url, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _count(db_url: str) -> int:
    store = open_store(db_url)
    try:
        return store.count_mentions(store.get_workspace("crash").id)
    finally:
        store.close()


def test_sigkill_mid_import_then_resume(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    _write_rows(data)
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    for args in (("init",), ("topic", "add", "Bahn", "bahn")):
        proc = _run(db_url, *args)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()

    proc = _run(db_url, "import", str(data))
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        stored = _count(db_url)
        if stored >= 500:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "import finished before it could be killed; raise ROWS"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    after_kill = _count(db_url)
    assert 0 < after_kill < ROWS

    # The persisted cursor says exactly how far the stored batches went.
    store = open_store(db_url)
    try:
        ws = store.get_workspace("crash")
        (source,) = store.list_sources(ws.id)
        assert source.cursor.get("line") == after_kill
    finally:
        store.close()

    resumed = _run(db_url, "import", str(data))
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()
    assert f"{ROWS - after_kill} read" in out.decode()

    store = open_store(db_url)
    try:
        ws = store.get_workspace("crash")
        assert store.count_mentions(ws.id) == ROWS
        topic = store.get_topic(ws.id, "Bahn")
        from resonanz.store import MentionFilter

        assert store.count_mentions(ws.id, MentionFilter(topic_id=topic.id)) == ROWS
        ids = {m.native_id for m in store.iter_mentions(ws.id)}
        assert ids == {f"row-{i}" for i in range(ROWS)}
    finally:
        store.close()
