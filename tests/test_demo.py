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
    result = CliRunner().invoke(app, ["--database-url", url, "demo", "--no-serve"])
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
    # The demo's railway brand gets sentiment and the railway aspect template.
    import sqlite3

    with sqlite3.connect(tmp_path / "demo.db") as conn:
        labelled = conn.execute("SELECT count(*) FROM mentions WHERE sentiment IS NOT NULL")
        assert labelled.fetchone()[0] > 1000
        with_aspects = conn.execute(
            "SELECT count(*) FROM mentions WHERE enrichments LIKE '%\"aspects\"%'"
        )
        assert with_aspects.fetchone()[0] > 100
