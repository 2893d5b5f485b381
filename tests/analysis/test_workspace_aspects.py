"""A workspace's own aspect categories: stored, checked, and used by its collection only
(SQLite and PostgreSQL), through the store, `collect` and `resonanz aspects`."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.collect import collect
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.runtime import Runtime
from resonanz.store import SqlStore, open_store
from resonanz.workspace_aspects import check_categories, save_categories
from tests import test_cli

cli = test_cli.cli  # the fixture: a CliRunner on a fresh SQLite store, workspace "bahn"
run = test_cli.run

# aspect_analysis stays off for the process: a workspace's own categories turn it on there.
SETTINGS = Settings(language_detection=False, sentiment_analysis=False)

CAFE = """# a café chain's categories
[[category]]
name = "Kaffee"
terms = ["kaffee*", "espresso", "cappuccino"]
negative = ["kalt*"]

[[category]]
name = "Personal"
terms = ["barista*", "personal", "bedienung"]
positive = ["freundlich*"]
"""


def _collect_rows(store: SqlStore, tmp_path: Path, slug: str, rows: list[dict[str, str]]) -> None:
    runtime = Runtime.load(SETTINGS, load_entry_points=False)
    ws = store.get_workspace(slug)
    data = tmp_path / f"{slug}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = runtime.source_class("file").validate_config({"path": str(data)}, SETTINGS)
    store.add_source(ws.id, "file", f"file-{slug}", config)
    reports = collect(store, runtime, ws.id)
    assert all(r.ok for r in reports)


def _aspects(store: SqlStore, slug: str) -> dict[str, list[str]]:
    ws = store.get_workspace(slug)
    return {
        m.native_id: [a["category"] for a in m.enrichments.get("aspects", [])]
        for m in store.iter_mentions(ws.id)
        if "aspects" in m.enrichments
    }


def test_collection_uses_the_workspace_categories_and_no_one_elses(
    store: SqlStore, tmp_path: Path
) -> None:
    cafe = store.create_workspace("cafe", "Café")
    store.create_workspace("other", "Other")
    save_categories(store, cafe.id, CAFE, "toml", "cafe.toml")
    rows = [
        {"id": "1", "text": "Der Cappuccino war kalt, aber die Barista sehr freundlich."},
        {"id": "2", "text": "Heute nur Regen in der Stadt."},
    ]
    _collect_rows(store, tmp_path, "cafe", rows)
    _collect_rows(store, tmp_path, "other", rows)
    assert _aspects(store, "cafe") == {"1": ["Kaffee", "Personal"], "2": []}
    assert _aspects(store, "other") == {}  # aspect_analysis off and no categories of its own
    found = next(m for m in store.iter_mentions(cafe.id) if m.native_id == "1")
    polarity = {a["category"]: a["polarity"] for a in found.enrichments["aspects"]}
    assert polarity == {"Kaffee": "negative", "Personal": "positive"}


def test_stored_categories_that_no_longer_parse_fall_back_and_say_so(
    store: SqlStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cafe = store.create_workspace("cafe", "Café")
    # Written around the check, as an older or newer version might have left it.
    store.aspects.put(cafe.id, '[[category]]\nname = "Kaffee"\n', "toml", cafe.created_at)
    with caplog.at_level(logging.ERROR):
        _collect_rows(store, tmp_path, "cafe", [{"id": "1", "text": "Kaffee kalt"}])
    assert "process-wide aspect categories" in caplog.text
    assert _aspects(store, "cafe") == {}  # the process has aspect_analysis off


def test_a_bad_file_is_refused_with_its_line_and_nothing_is_stored(store: SqlStore) -> None:
    cafe = store.create_workspace("cafe", "Café")
    bad = CAFE.replace('negative = ["kalt*"]', 'negativ = ["kalt*"]')
    with pytest.raises(ValidationError, match=r"cafe\.toml:5: .*unknown key 'negativ'"):
        save_categories(store, cafe.id, bad, "toml", "cafe.toml")
    assert store.aspects.get(cafe.id) is None
    with pytest.raises(ValidationError, match="format"):
        check_categories(CAFE, "yaml", "cafe.yaml")
    stored, categories = save_categories(store, cafe.id, CAFE, "toml", "cafe.toml")
    assert [c.name for c in categories] == ["Kaffee", "Personal"]
    assert store.aspects.get(cafe.id) == stored and stored.source == CAFE
    assert store.aspects.clear(cafe.id) and not store.aspects.clear(cafe.id)
    assert store.aspects.get(cafe.id) is None


def test_cli_sets_shows_and_clears_the_categories(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "init")
    out = run(cli, "aspects", "show")
    assert "no categories of its own" in out
    (tmp_path / "cafe.toml").write_text(CAFE, encoding="utf-8")
    (tmp_path / "bad.json").write_text('{"category": [{"name": "X"}]}', encoding="utf-8")
    out = run(cli, "aspects", "set", "bad.json", code=1)
    assert "bad.json" in out and "terms" in out
    out = run(cli, "aspects", "set", "cafe.toml")
    assert "2 aspect categories from cafe.toml are now those of workspace 'bahn'" in out
    out = run(cli, "aspects", "show")
    assert "Kaffee (4 terms, polarity clause)" in out and "Personal (4 terms" in out
    assert run(cli, "aspects", "show", "--source") == CAFE
    template = run(cli, "aspects", "template")
    assert template.startswith("#") and "[[category]]" in template
    (tmp_path / "railway.toml").write_text(template, encoding="utf-8")
    assert "15 aspect categories" in run(cli, "aspects", "set", "railway.toml")
    assert "no longer has categories" in run(cli, "aspects", "clear")
    assert "had no categories" in run(cli, "aspects", "clear")
    with open_store(f"sqlite:///{tmp_path / 'cli.db'}") as store:
        assert store.aspects.get(store.get_workspace("bahn").id) is None


def test_aspect_summary_counts_each_category_once_per_mention_by_polarity(
    store: SqlStore, tmp_path: Path
) -> None:
    from resonanz.analytics.aspects import aspect_summary, aspect_totals, summarise
    from resonanz.store import MentionFilter

    cafe = store.create_workspace("cafe", "Café")
    save_categories(store, cafe.id, CAFE, "toml", "cafe.toml")
    rows = [
        {"id": "1", "text": "Der Cappuccino war kalt, aber die Barista sehr freundlich."},
        {"id": "2", "text": "Espresso kalt. Kaffee kalt."},
        {"id": "3", "text": "Guter Kaffee"},
        {"id": "4", "text": "Heute nur Regen in der Stadt."},
    ]
    _collect_rows(store, tmp_path, "cafe", rows)
    summary = aspect_summary(store, cafe.id)
    assert (summary.read, summary.with_aspects, summary.sampled) == (4, 3, False)
    assert summary.rows == [
        ("Kaffee", {"negative": 2, "neutral": 1, "positive": 0}),
        ("Personal", {"negative": 0, "neutral": 0, "positive": 1}),
    ]
    newest_two = aspect_summary(store, cafe.id, limit=2)
    assert newest_two.read == 2 and newest_two.sampled
    # Counted by the store over every mention of the filter: the same as reading them all.
    assert aspect_totals(store, cafe.id) == replace(summary, limit=0)
    assert not aspect_totals(store, cafe.id).sampled
    with_staff = MentionFilter(aspect="Personal")
    assert aspect_totals(store, cafe.id, with_staff).rows == [
        ("Kaffee", {"negative": 1, "neutral": 0, "positive": 0}),
        ("Personal", {"negative": 0, "neutral": 0, "positive": 1}),
    ]
    # What is not an aspect list is skipped, an unknown polarity counts as neutral.
    odd = summarise([None, "x", [{"category": "A", "polarity": "?"}, 3, {"polarity": "negative"}]])
    assert (odd.read, odd.with_aspects) == (3, 1)
    assert odd.rows == [("A", {"negative": 0, "neutral": 1, "positive": 0})]


def test_stats_lists_the_aspects(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "init")
    (tmp_path / "cafe.toml").write_text(CAFE, encoding="utf-8")
    run(cli, "aspects", "set", "cafe.toml")
    with open_store(f"sqlite:///{tmp_path / 'cli.db'}") as store:
        _collect_rows(store, tmp_path, "bahn", [{"id": "1", "text": "Kaffee kalt"}])
    stats = json.loads(run(cli, "stats", "--json"))
    assert stats["by_aspect"] == [
        {"category": "Kaffee", "negative": 1, "neutral": 0, "positive": 0}
    ]
    assert stats["aspects_read"] == stats["with_aspects"] == 1
    assert "Aspects (1 of 1 mentions name one)" in run(cli, "stats")


def test_mentions_filter_by_an_aspect_category(store: SqlStore, tmp_path: Path) -> None:
    from resonanz.store import MentionFilter

    cafe = store.create_workspace("cafe", "Café")
    save_categories(store, cafe.id, CAFE, "toml", "cafe.toml")
    rows = [
        {"id": "1", "text": "Der Cappuccino war kalt, aber die Barista sehr freundlich."},
        {"id": "2", "text": "Espresso kalt."},
        {"id": "3", "text": "Heute nur Regen in der Stadt."},
    ]
    _collect_rows(store, tmp_path, "cafe", rows)

    def found(aspect: str) -> list[str]:
        flt = MentionFilter(aspect=aspect)
        return sorted(m.native_id for m in store.iter_mentions(cafe.id, flt))

    assert found("Kaffee") == ["1", "2"]
    assert found("Personal") == ["1"]
    assert found("Kaff") == [] and found("kaffee") == []  # the exact name
    assert store.count_mentions(cafe.id, MentionFilter(aspect="Kaffee")) == 2
