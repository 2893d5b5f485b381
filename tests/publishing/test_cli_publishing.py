"""`resonanz channels`, `post` and `scheduler` end to end against mastodon-mock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from resonanz.cli import app

from .conftest import Mastodon


def _ok(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_channels_posts_and_the_scheduler(cli: CliRunner, mastodon: Mastodon) -> None:
    out = _ok(
        cli,
        "channels",
        "add",
        "mastodon",
        "masto",
        "--instance",
        mastodon.url,
        "--token",
        "alice_token",
    )
    assert "Channel 'masto' (mastodon) added, posting as @alice." in out
    assert "alice_token" not in _ok(cli, "channels", "list")
    assert "masto" in _ok(cli, "channels", "list") and "connected" in _ok(cli, "channels", "list")
    assert "works (connected)" in _ok(cli, "channels", "test", "masto")

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d 09:00")
    out = _ok(
        cli,
        "post",
        "new",
        "Guten Morgen!",
        "-c",
        "masto",
        "--at",
        tomorrow,
        "--tz",
        "Europe/Berlin",
    )
    assert f"Post 1 scheduled for {tomorrow} Europe/Berlin" in out
    out = _ok(cli, "post", "new", "Sofort", "-c", "masto")
    assert "Draft 2 saved." in out
    past = cli.invoke(app, ["post", "schedule", "2", "--at", "2020-01-01 09:00"])
    assert past.exit_code == 1 and "post 2 kept as a draft, not scheduled" in past.output
    _ok(cli, "post", "publish-now", "2")

    _ok(cli, "scheduler", "pause", "--reason", "Krisensitzung")
    _ok(cli, "scheduler", "run", "--once")
    assert mastodon.statuses() == []  # paused: nothing went out
    assert "Publishing resumed." in _ok(cli, "scheduler", "resume")
    _ok(cli, "scheduler", "run", "--once")
    [status] = mastodon.statuses()
    assert "Sofort" in status["content"]
    listed = _ok(cli, "post", "list")
    assert "masto: sent" in listed and status["url"] in listed
    assert "masto: scheduled" in listed  # post 1, tomorrow

    _ok(cli, "post", "edit", "1", "Guten Morgen, Köln!")
    assert "Nothing is overdue." in _ok(cli, "scheduler", "overdue")
    out = _ok(cli, "post", "delete", "1")
    assert "1 unsent deliveries canceled" in out
    assert "Guten Morgen" not in _ok(cli, "post", "list")
    assert "the post was deleted" in _ok(cli, "post", "list", "--deleted")
    bad = cli.invoke(
        app, ["channels", "add", "mastodon", "x", "--instance", mastodon.url, "--token", "nope"]
    )
    assert bad.exit_code == 1 and "channel 'x' was not added" in bad.output
    assert "removed; 0 unsent" in _ok(cli, "channels", "remove", "masto")
