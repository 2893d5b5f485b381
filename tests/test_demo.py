"""`resonanz demo --no-serve`: the demo workspace, its summary and a working demo login."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.store import open_store
from resonanz.web.security import verify_password


def test_demo_builds_the_workspace_and_prints_a_login(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(
        app,
        ["--database-url", url, "demo", "--no-serve"],
        env={"RESONANZ_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exit_code == 0, result.output
    assert "What was found" in result.output
    login = re.search(r"Login:\s+(\S+)", result.output)
    password = re.search(r"Password:\s+(\S+)", result.output)
    assert login and password
    with open_store(url) as store:
        user = store.accounts.find_user(login.group(1))
        assert user is not None
        assert verify_password(user.password_hash, password.group(1))
        workspace = store.get_workspace("demo")
        membership = store.accounts.membership(workspace.id, user.id)
        assert membership is not None and membership.role == "owner"
        assert store.count_mentions(workspace.id) > 1000
        # The first 60 % of the sample trained the workspace's three classifiers.
        active = store.training.active_models(workspace.id)
        assert sorted(active) == ["aspects", "relevance", "sentiment"]
        for stored in active.values():
            assert stored.info.n_examples > 700
            assert 0.5 < float(stored.info.quality["micro_f1"]) <= 1.0
    # The demo's railway brand gets sentiment and the railway aspect template.
    import sqlite3

    with sqlite3.connect(tmp_path / "demo.db") as conn:
        labelled = conn.execute("SELECT count(*) FROM mentions WHERE sentiment IS NOT NULL")
        assert labelled.fetchone()[0] > 1000
        with_aspects = conn.execute(
            "SELECT count(*) FROM mentions WHERE enrichments LIKE '%\"aspects\"%'"
        )
        assert with_aspects.fetchone()[0] > 100
        # ... and labelled the rest: its mentions name the workspace's models.
        rows = conn.execute(
            "SELECT s.name, json_extract(m.enrichments, '$.sentiment.model'), "
            "json_extract(m.enrichments, '$.relevance.model') "
            "FROM mentions m JOIN sources s ON s.id = m.source_id"
        ).fetchall()
    later = [r for r in rows if r[0].endswith("later part")]
    assert len(later) > 400
    # (mentions in languages other than German and English get no sentiment)
    assert {r[1] for r in later} <= {active["sentiment"].info.name, None}
    assert sum(r[1] is not None for r in later) > 400
    assert all(r[2] == active["relevance"].info.name for r in later)
    first = [r for r in rows if r[0].endswith("labelled part")]
    assert first and all(r[2] is None for r in first)
    assert "cross-validated micro-F1" in result.output
