"""`resonanz search --emotion`: imported posts are enriched with emotions, stored with
their top emotion, and the search filters on it (SQLite through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.test_cli import cli, run  # noqa: F401  (the fixture is used by name)


def test_search_filters_by_emotion(cli: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    run(cli, "init")
    data = tmp_path / "posts.jsonl"
    posts = [
        {"id": "1", "text": "Die Bahn hat schon wieder Verspätung, Frechheit 😡"},
        {"id": "2", "text": "Danke Bahn, super Service heute!"},
        {"id": "3", "text": "Keine Angst, die Bahn fährt heute pünktlich"},
    ]
    data.write_text("".join(json.dumps(p) + "\n" for p in posts), encoding="utf-8")
    assert "3 new" in run(cli, "import", str(data))

    out = run(cli, "search", "bahn", "--emotion", "anger", "--json")
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [(r["native_id"], r["emotion"]) for r in records] == [("1", "anger")]
    out = run(cli, "search", "bahn", "--emotion", "JOY")
    assert "1 mentions match" in out and "Danke Bahn" in out
    assert "0 mentions match" in run(cli, "search", "bahn", "--emotion", "fear")
    everything = run(cli, "search", "bahn", "--json")
    emotions = {
        json.loads(x)["native_id"]: json.loads(x)["emotion"]
        for x in everything.split("\n")
        if x.startswith("{")
    }
    assert emotions == {"1": "anger", "2": "joy", "3": None}
    out = run(cli, "search", "bahn", "--emotion", "rage", code=1)
    assert "--emotion: 'rage' is not one of joy, trust" in out and "Traceback" not in out
