"""`channels slots`, `post new --queue / --repeat`, `post series`, `post best-time` and
`post hashtags` end to end on SQLite (the channel row stored directly: no platform is
involved in planning)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.store import open_store
from resonanz.store.publishing import publishing_store


@pytest.fixture
def cli(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The publishing command line with a Mastodon channel 'masto' (no peer: planning
    sends nothing)."""
    monkeypatch.delenv("RESONANZ_ALLOW_PRIVATE_TARGETS")
    store = open_store(f"sqlite:///{tmp_path / 'cli.db'}")
    ws = store.get_workspace("acme").id
    config = {"instance": "https://masto.example", "max_characters": 500, "account": "@acme"}
    publishing_store(store).add_channel(ws, "mastodon", "masto", config, None, at=datetime.now(UTC))
    store.close()
    return cli


def _ok(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _fails(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    return result.output


def test_slots_and_queue(cli: CliRunner) -> None:
    out = _ok(
        cli, "channels", "slots", "masto", "add", "mon 09:00", "thu 09:00", "--tz", "Europe/Berlin"
    )
    assert "mon 09:00" in out and "thu 09:00" in out and "Europe/Berlin" in out
    first = _ok(cli, "post", "new", "Hallo", "-c", "masto", "--queue")
    second = _ok(cli, "post", "new", "Nochmal", "-c", "masto", "--queue")
    assert "Post 1 queued for" in first and "Post 2 queued for" in second
    assert first.split("queued for")[1] != second.split("queued for")[1]
    assert "scheduled" in _ok(cli, "post", "list")
    assert "no slot 'fri 09:00'" in _fails(cli, "channels", "slots", "masto", "remove", "fri 09:00")
    assert "leave out --at" in _fails(
        cli, "post", "new", "x", "-c", "masto", "--queue", "--at", "2030-01-01 09:00"
    )
    _ok(cli, "channels", "slots", "masto", "remove", "mon 09:00", "thu 09:00")
    assert "no queue slots" in _ok(cli, "channels", "slots", "masto")
    out = _fails(cli, "post", "new", "Ohne Slot", "-c", "masto", "--queue")
    assert "post 3 kept as a draft, not queued" in out


def test_recurring_post_list_and_stop(cli: CliRunner) -> None:
    start = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    out = _ok(
        cli,
        "post",
        "new",
        "Wochenstart",
        "-c",
        "masto",
        "--repeat",
        "weekly",
        "--on",
        "mon,thu",
        "--at",
        f"{start} 09:00",
        "--tz",
        "Europe/Berlin",
        "--count",
        "10",
    )
    assert "Recurring post 1: weekly on mon, thu at 09:00, 10 times" in out
    listed = _ok(cli, "post", "series", "list")
    assert "active" in listed and "Wochenstart" in listed
    assert _ok(cli, "post", "list").count("Wochenstart") >= 1
    out = _ok(cli, "post", "series", "edit", "1", "Neue Woche")
    assert "changed" in out and "Neue Woche" in _ok(cli, "post", "list")
    out = _ok(cli, "post", "series", "stop", "1")
    assert "Recurring post 1 stopped" in out
    assert "Neue Woche" not in _ok(cli, "post", "list")
    assert "stopped" in _ok(cli, "post", "series", "list")
    assert "--on, --day, --until and --count go with --repeat" in _fails(
        cli, "post", "new", "x", "-c", "masto", "--on", "mon"
    )
    assert "--repeat needs --at" in _fails(
        cli, "post", "new", "x", "-c", "masto", "--repeat", "daily"
    )
    assert "unknown weekday 'funday'" in _fails(
        cli,
        "post",
        "new",
        "x",
        "-c",
        "masto",
        "--repeat",
        "weekly",
        "--on",
        "funday",
        "--at",
        f"{start} 09:00",
    )


def test_best_time_and_hashtags_json(cli: CliRunner) -> None:
    found = json.loads(_ok(cli, "post", "best-time", "--json"))
    assert found["source"] == "audience" and found["enough"] is False
    assert found["accounts"] == ["mastodon:acme"]
    assert found["notes"][0].startswith("not enough data: 0 own posts")
    assert "not enough data" in _ok(cli, "post", "best-time", "-c", "masto")
    tags = json.loads(_ok(cli, "post", "hashtags", "Zugausfall #bahn", "--json"))
    assert tags["terms"] == ["zugausfall", "#bahn"] or "#bahn" in tags["terms"]
    assert (tags["mentions"], tags["cooccurring"], tags["trending"]) == (0, [], [])
    assert "empty" in _fails(cli, "post", "hashtags", " ")
