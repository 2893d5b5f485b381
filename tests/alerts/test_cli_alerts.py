"""`resonanz alerts ...` and `resonanz trends` end to end, with a real webhook receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.models import Author, Mention, TopicMatch
from resonanz.store import open_store
from tests.alerts.receiver import SECRET, Receiver, receiver


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RESONANZ_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESONANZ_WORKSPACE", "bahn")
    monkeypatch.setenv("RESONANZ_LANGUAGE_DETECTION", "false")
    monkeypatch.setenv("RESONANZ_ALLOW_PRIVATE_TARGETS", "true")
    monkeypatch.setenv("COLUMNS", "250")
    return CliRunner()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_alerts_from_the_command_line(cli: CliRunner, tmp_path: Path, hook: Receiver) -> None:
    run(cli, "init")
    run(cli, "topic", "add", "DB", "db OR bahn", "--kind", "brand")
    url = hook.url("/hook")
    out = run(
        cli,
        "alerts",
        "channel",
        "add",
        "ops",
        "webhook",
        "--set",
        f"url={url}",
        "--set",
        f"secret={SECRET}",
    )
    assert "Channel 'ops' (webhook) added" in out
    assert "already exists" in run(
        cli,
        "alerts",
        "channel",
        "add",
        "ops",
        "webhook",
        "--set",
        f"url={url}",
        "--set",
        f"secret={SECRET}",
        code=1,
    )
    assert "'url'" in run(
        cli,
        "alerts",
        "channel",
        "add",
        "bad",
        "webhook",
        "--set",
        "url=ftp://x",
        "--set",
        "secret=s",
        code=1,
    )
    listing = run(cli, "alerts", "channel", "list")
    assert "ops" in listing and SECRET not in listing
    # The secret is not in the database in clear text either.
    assert SECRET.encode() not in (tmp_path / "cli.db").read_bytes()

    assert "min_ratio must be above 1" in run(
        cli, "alerts", "rules", "add", "DB", "--channel", "ops", "--min-ratio", "0.5", code=1
    )
    assert "no alert channel named 'nope'" in run(
        cli, "alerts", "rules", "add", "DB", "--channel", "nope", code=1
    )
    assert "topic 'Nope' does not exist" in run(
        cli, "alerts", "rules", "add", "Nope", "--channel", "ops", code=1
    )
    run(cli, "alerts", "rules", "add", "DB", "--channel", "ops", "--lang", "en")
    assert "volume_spike" in run(cli, "alerts", "rules", "list")
    assert "window_minutes must be between" in run(
        cli,
        "alerts",
        "rules",
        "add",
        "DB",
        "--channel",
        "ops",
        "--detector",
        "negative_surge",
        "--window",
        "2",
        code=1,
    )
    run(
        cli,
        "alerts",
        "rules",
        "add",
        "DB",
        "--channel",
        "ops",
        "--detector",
        "negative_surge",
        "--min-negative",
        "5",
        "--window",
        "30",
    )
    listed = run(cli, "alerts", "rules", "list")
    assert "negative_surge" in listed and "window_minutes" in listed

    # A burst in the last three minutes after a quiet day.
    now = datetime.now(UTC)
    times = [now - timedelta(hours=24) + timedelta(minutes=3 * i) for i in range(470)]
    times += [now - timedelta(seconds=150) + timedelta(seconds=2 * i) for i in range(70)]
    store = open_store(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        ws = store.get_workspace("bahn")
        topic = store.get_topic(ws.id, "DB")
        store.save_batch(
            ws.id,
            [
                Mention(
                    platform="mastodon",
                    native_id=str(i),
                    text=f"db {i}",
                    collected_at=t,
                    created_at=t,
                    raw={},
                    raw_kind="test",
                    author=Author(platform="mastodon", handle=f"u{i % 30}"),
                    matches=(TopicMatch(topic.id, ("db",)),),
                )
                for i, t in enumerate(times)
            ],
        )
    finally:
        store.close()

    out = run(cli, "alerts", "run", "--once")
    assert "1 opened" in out and "1 sent" in out
    assert len(hook.hits) == 1 and hook.hits[0].signature_ok
    assert json.loads(hook.hits[0].body)["title"] == "Volume spike for “DB”"
    history = run(cli, "alerts", "history")
    assert "mentions in the last" in history and "ops #0: sent" in history
    trends = run(cli, "trends", "DB", "--hours", "3")
    assert "Spike" in trends and "per minute" in trends


def test_settings_listing_hides_secret_values(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESONANZ_SMTP_URL", "smtp://bot:hunter2-secret@mail.example.org:587")
    out = run(cli, "settings")
    assert "hunter2-secret" not in out
    assert "(set, hidden)" in out


def test_settings_that_are_not_numbers_are_refused_by_name() -> None:
    from resonanz.alerts.rules import check_params
    from resonanz.errors import ValidationError

    with pytest.raises(ValidationError, match="min_mentions must be a whole number, not 'viele'"):
        check_params("volume_spike", {"min_mentions": "viele"})
    with pytest.raises(ValidationError, match="min_ratio must be a number, not 'x'"):
        check_params("cluster_growth", {"min_ratio": "x"})
    assert check_params("volume_spike", {"min_mentions": "12", "min_ratio": "2.5"}) == {
        "sensitivity": "normal",
        "min_mentions": 12,
        "min_ratio": 2.5,
    }
