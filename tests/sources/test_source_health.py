"""What every connector gets from the framework, on the real store (SQLite and PostgreSQL):
credentials encrypted at rest and decrypted for the run, a source paused on revoked
credentials until the user renews them, and health (lag, items per minute).

``ScriptedSource`` is a test double of a platform connector (named as such): it yields the
items a test gives it and raises the errors a test asks for, so the framework's handling is
checked without a platform.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from resonanz import secrets
from resonanz.cli import app
from resonanz.collect import collect
from resonanz.config import Settings
from resonanz.errors import AuthError, ConfigError
from resonanz.models import RawItem, SourceConfig
from resonanz.runtime import Runtime
from resonanz.sources import FetchedBatch
from resonanz.sources.configure import (
    decrypted_config,
    masked_config,
    new_source_config,
    source_state,
    updated_source_config,
)
from resonanz.store import SqlStore
from resonanz.store.schema import sources


class ScriptedSource:
    """Test double of a connector: yields ``ScriptedSource.items``, raises ``fail``."""

    kind: ClassVar[str] = "scripted"
    target_key: ClassVar[str] = "query"
    seen_configs: ClassVar[list[dict[str, Any]]] = []
    items: ClassVar[list[dict[str, Any]]] = []
    fail: ClassVar[Exception | None] = None

    def __init__(self, config: Mapping[str, Any], settings: Settings) -> None:
        self.seen_configs.append(dict(config))

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        if not config.get("query"):
            raise ConfigError("a scripted source needs a 'query'")
        return dict(config)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        return f"scripted-{config['query']}"

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        now = datetime.now(UTC)
        raw = tuple(RawItem(kind="jsonl", payload=row, fetched_at=now) for row in self.items)
        yield FetchedBatch(items=raw, cursor={"n": len(raw)})
        if self.fail is not None:
            raise self.fail


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(
        Settings(), data_dir=str(tmp_path / "data"), language_detection=False, database_url=""
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    base = Runtime.load(settings, load_entry_points=False)
    ScriptedSource.seen_configs.clear()
    ScriptedSource.items = []
    ScriptedSource.fail = None
    yield replace(base, sources={**base.sources, "scripted": ScriptedSource})


def _add(store: SqlStore, runtime: Runtime, ws_id: int, **options: str) -> SourceConfig:
    name, config = new_source_config(runtime, "scripted", "bahn", options)
    return store.add_source(ws_id, "scripted", name, config)


def test_credentials_are_encrypted_at_rest_and_decrypted_for_the_run(
    store: SqlStore, runtime: Runtime, settings: Settings
) -> None:
    ws = store.create_workspace("acme", "ACME")
    source = _add(store, runtime, ws.id, access_token="tok-SECRET-1", region="eu")
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(sources.c.config).where(sources.c.id == source.id)).one()
    assert "tok-SECRET-1" not in str(stored[0])
    assert secrets.is_encrypted(stored[0]["access_token"]) and stored[0]["region"] == "eu"
    assert masked_config(source.config)["access_token"] == "••••••"

    collect(store, runtime, ws.id)
    assert ScriptedSource.seen_configs[-1]["access_token"] == "tok-SECRET-1"


def test_revoked_credentials_pause_the_source_until_updated(
    store: SqlStore, runtime: Runtime, settings: Settings
) -> None:
    ws = store.create_workspace("acme", "ACME")
    source = _add(store, runtime, ws.id, access_token="old")
    ScriptedSource.items = [{"id": "1", "text": "Bahn kommt", "created_at": "2026-11-23T10:00:00Z"}]
    ScriptedSource.fail = AuthError("Platform answered 401: token revoked")

    (report,) = collect(store, runtime, ws.id)
    assert report.inserted == 1  # what came before the refusal is kept
    assert "token revoked" in (report.error or "") and "source update" in (report.error or "")
    paused = store.get_source_by_id(source.id)
    assert source_state(paused) == "attention"
    assert paused.cursor == {"n": 1}

    runs = len(ScriptedSource.seen_configs)
    (again,) = collect(store, runtime, ws.id)
    assert len(ScriptedSource.seen_configs) == runs  # not retried
    assert (again.error or "").startswith("paused: ")

    ScriptedSource.fail = None
    config = updated_source_config(runtime, paused, {"access_token": "new"})
    assert decrypted_config(settings, config)["access_token"] == "new"
    store.update_source(source.id, config=config, clear_attention=True)
    (resumed,) = collect(store, runtime, ws.id)
    assert resumed.ok and ScriptedSource.seen_configs[-1]["access_token"] == "new"
    assert source_state(store.get_source_by_id(source.id)) == "ok"


def test_update_can_remove_an_option_and_is_validated(store: SqlStore, runtime: Runtime) -> None:
    ws = store.create_workspace("acme", "ACME")
    source = _add(store, runtime, ws.id, region="eu")
    assert "region" not in updated_source_config(runtime, source, {"region": ""})
    with pytest.raises(ConfigError, match="needs a 'query'"):
        updated_source_config(runtime, source, {"query": ""})


def test_lost_encryption_key_is_a_clear_run_error(
    store: SqlStore, runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    ws = store.create_workspace("acme", "ACME")
    _add(store, runtime, ws.id, access_token="x")
    other = replace(runtime, settings=replace(settings, data_dir=str(tmp_path / "other")))
    (report,) = collect(store, other, ws.id)
    assert "settings cannot be used" in (report.error or "")
    assert "not configured" in (report.error or "")


def test_lag_and_items_per_minute(store: SqlStore, runtime: Runtime) -> None:
    ws = store.create_workspace("acme", "ACME")
    source = _add(store, runtime, ws.id)
    posted = datetime.now(UTC) - timedelta(minutes=3)
    ScriptedSource.items = [
        {"id": "1", "text": "eins", "created_at": (posted - timedelta(hours=1)).isoformat()},
        {"id": "2", "text": "zwei", "created_at": posted.isoformat()},
    ]
    collect(store, runtime, ws.id)
    health = store.get_source_by_id(source.id).health
    assert health.lag_seconds is not None and 170 <= health.lag_seconds <= 240
    assert health.items_per_minute is None  # one run: no window yet

    # a second run five minutes later (time moved by hand) that stores three new items
    store.record_source_run(source.id, at=datetime.now(UTC) - timedelta(minutes=5))
    ScriptedSource.items = [{"id": str(n), "text": "neu"} for n in (3, 4, 5)]
    collect(store, runtime, ws.id)
    health = store.get_source_by_id(source.id).health
    assert health.last_run_items == 3
    assert health.items_per_minute == pytest.approx(0.6, rel=0.05)
    assert health.items_total == 5


def test_cli_update_enable_disable_and_status(
    store: SqlStore, store_url: str, tmp_path: Path
) -> None:
    feed = "https://example.org/feed.xml"
    ws = store.create_workspace("acme", "ACME")
    store.add_source(ws.id, "rss", "feed", {"url": feed})
    env = {
        "RESONANZ_DATABASE_URL": store_url,
        "RESONANZ_DATA_DIR": str(tmp_path / "cli"),
        "RESONANZ_WORKSPACE": "acme",
    }
    runner = CliRunner()
    result = runner.invoke(app, ["source", "disable", "feed"], env=env)
    assert result.exit_code == 0, result.output
    assert not store.get_source(ws.id, "feed").enabled
    result = runner.invoke(app, ["source", "enable", "feed"], env=env)
    assert result.exit_code == 0 and store.get_source(ws.id, "feed").enabled
    result = runner.invoke(app, ["source", "update", "feed", "-o", "keep_unmatched=no"], env=env)
    assert result.exit_code == 0, result.output
    assert store.get_source(ws.id, "feed").config == {"url": feed, "keep_unmatched": False}
    result = runner.invoke(app, ["source", "update", "feed", "-o", "colour=red"], env=env)
    assert result.exit_code != 0 and "unknown rss option(s) colour" in result.output
    result = runner.invoke(app, ["source", "status"], env=env)
    assert result.exit_code == 0 and "items/min" in result.output and "lag" in result.output
