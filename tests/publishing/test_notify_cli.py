"""`resonanz scheduler notify`: choose, show and stop publishing notifications."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from resonanz.cli import app

from .conftest import KEY


def test_notify_sets_shows_and_stops(tmp_path: Path) -> None:
    env = {
        "RESONANZ_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RESONANZ_DATA_DIR": str(tmp_path / "data"),
        "RESONANZ_WORKSPACE": "acme",
        "RESONANZ_ENCRYPTION_KEY": KEY,
        "RESONANZ_LANGUAGE_DETECTION": "false",
        "COLUMNS": "200",
    }
    cli = CliRunner(env=env)

    def run(*args: str, code: int = 0) -> str:
        result = cli.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    run("workspace", "create", "acme", "--name", "ACME")
    run(
        "alerts",
        "channel",
        "add",
        "pr-hook",
        "webhook",
        "--set",
        "url=https://hooks.example.org/r",
        "--set",
        "secret=a-shared-secret-0123456789",
    )
    assert "not notified" in run("scheduler", "notify")
    out = run("scheduler", "notify", "--channel", "pr-hook", "--lang", "en")
    assert "Publishing events go to pr-hook (en), since " in out
    assert "Publishing events go to pr-hook (en)" in run("scheduler", "notify")
    assert "UTC: needs_attention, failed, overdue, disconnected, expiring." in out
    chosen = run(
        "scheduler",
        "notify",
        "--channel",
        "pr-hook",
        "--event",
        "approval_requested",
        "--event",
        "failed",
    )
    assert "UTC: approval_requested, failed." in chosen
    unknown = run("scheduler", "notify", "--channel", "pr-hook", "--event", "boom", code=1)
    assert "no publishing event named 'boom'" in unknown
    wrong = run("scheduler", "notify", "--channel", "nope", code=1)
    assert "no alert channel named 'nope'" in wrong
    assert "not notified" in run("scheduler", "notify", "--off")
    assert "not notified" in run("scheduler", "notify")
