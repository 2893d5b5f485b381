"""`resonanz labels import|list`, `resonanz train`, and collecting with the trained models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.analysis import training
from resonanz.store import open_store
from tests import test_cli

LABELS = Path(__file__).resolve().parent / "payloads" / "labels"
cli = test_cli.cli  # the fixture: a CliRunner on a fresh SQLite store, workspace "bahn"
run = test_cli.run


@pytest.fixture
def labels_cli(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI of tests/test_cli.py, with the labels files beside it and a fast training."""
    # One (c, balance) candidate keeps training fast; the grid is tested in tests/analysis.
    monkeypatch.setattr(training, "GRID", ((1.0, 0.0),))
    for name in ("sentiment.csv", "relevance.csv", "aspects.csv"):
        shutil.copy(LABELS / name, tmp_path / name)
    return cli


def _store(tmp_path: Path):  # type: ignore[no-untyped-def]
    return open_store(f"sqlite:///{tmp_path / 'cli.db'}")


def test_labels_import_and_list(labels_cli: CliRunner, tmp_path: Path) -> None:
    run(labels_cli, "init")
    out = run(labels_cli, "labels", "import", "sentiment.csv", "--task", "sentiment")
    assert "36 sentiment label(s) read from sentiment.csv: 36 new, 0 changed" in out
    out = run(labels_cli, "labels", "import", "sentiment.csv", "--task", "sentiment", "-w", "bahn")
    assert "0 new, 0 changed, 36 already there" in out
    run(labels_cli, "labels", "import", "relevance.csv", "--task", "relevance")
    out = run(labels_cli, "labels", "list")
    for row in (
        "sentiment │ negative │ 12",
        "relevance │ true     │ 14",
        "relevance │ false    │ 14",
    ):
        assert row in out
    out = run(labels_cli, "labels", "list", "-w", "nowhere", code=1)
    assert "workspace 'nowhere' does not exist" in out


def test_broken_labels_files_import_nothing(labels_cli: CliRunner, tmp_path: Path) -> None:
    run(labels_cli, "init")
    broken = tmp_path / "broken.csv"
    broken.write_text(
        'text,label\nDer Zug ist pünktlich.,positive\nViel zu voll heute,angry\n"offen,neutral\n',
        encoding="utf-8",
    )
    out = run(labels_cli, "labels", "import", "broken.csv", "--task", "sentiment", code=1)
    assert "2 bad row(s), nothing imported" in out
    assert "broken.csv:3: unknown sentiment label 'angry'" in out
    assert "broken.csv:4:" in out
    header = tmp_path / "header.csv"
    header.write_text("tweet,sentiment\nx,positive\n", encoding="utf-8")
    out = run(labels_cli, "labels", "import", "header.csv", "--task", "sentiment", code=1)
    assert "header.csv:1" in out and "'label'" in out
    missing = tmp_path / "mentions.csv"
    missing.write_text("mention_id,label\n1,true\nabc,false\n", encoding="utf-8")
    out = run(labels_cli, "labels", "import", "mentions.csv", "--task", "relevance", code=1)
    assert "mentions.csv:3: mention_id 'abc' is not a number" in out
    missing.write_text("mention_id,label\n4711,true\n", encoding="utf-8")
    out = run(labels_cli, "labels", "import", "mentions.csv", "--task", "relevance", code=1)
    assert "mentions.csv:2: mention 4711" in out
    out = run(labels_cli, "labels", "import", "sentiment.csv", "--task", "emotion", code=1)
    assert "unknown task 'emotion'" in out
    with _store(tmp_path) as store:
        assert store.training.count_examples(store.get_workspace("bahn").id) == {}


def test_train_and_collect_with_the_workspace_models(labels_cli: CliRunner, tmp_path: Path) -> None:
    run(labels_cli, "init")
    out = run(labels_cli, "train", "sentiment", code=1)
    assert "no sentiment labels yet" in out and "resonanz labels import" in out
    run(labels_cli, "labels", "import", "sentiment.csv", "--task", "sentiment")
    run(labels_cli, "labels", "import", "relevance.csv", "--task", "relevance")

    summary = json.loads(run(labels_cli, "train", "sentiment", "--json"))
    assert summary["n"] == 36 and summary["folds"] == 5
    assert summary["model"].startswith("trained-sentiment-")
    for key in ("accuracy", "micro_f1", "macro_f1", "macro_recall"):
        assert 0.0 <= summary[key] <= 1.0
    out = run(labels_cli, "train", "relevance", "--folds", "4")
    assert "4-fold cross-validated on 28 labelled examples" in out
    assert "confusion matrix" in out and "is now the active relevance model" in out
    out = run(labels_cli, "labels", "list")
    assert summary["model"] in out

    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        "\n".join(
            json.dumps({"id": str(i), "text": text})
            for i, text in enumerate(
                [
                    "Schon wieder Verspätung im ICE, keine Durchsage. Ärgerlich!",
                    "Die Rodelbahn am Feldberg öffnet am Wochenende.",
                ]
            )
        )
        + "\n",
        encoding="utf-8",
    )
    run(labels_cli, "import", "posts.jsonl")
    with _store(tmp_path) as store:
        ws = store.get_workspace("bahn")
        stored = list(store.iter_mentions(ws.id))
        relevance_model = store.training.active_model(ws.id, "relevance")
        assert relevance_model is not None
        for mention in stored:
            assert mention.enrichments["sentiment"]["model"] == summary["model"]
            relevance = mention.enrichments["relevance"]
            assert relevance["model"] == relevance_model.info.name
            assert isinstance(relevance["relevant"], bool) and 0 <= relevance["score"] <= 1
        ids = sorted(m.id for m in stored if m.id is not None)

    # Labels of stored mentions: their text comes from the store.
    labels = tmp_path / "mentions.csv"
    labels.write_text(f"mention_id,label\n{ids[0]},negative\n{ids[1]},neutral\n", encoding="utf-8")
    out = run(labels_cli, "labels", "import", "mentions.csv", "--task", "sentiment")
    assert "2 new" in out
    with _store(tmp_path) as store:
        ws = store.get_workspace("bahn")
        assert store.training.labels_of(ws.id, ids) == {
            ids[0]: {"sentiment": "negative"},
            ids[1]: {"sentiment": "neutral"},
        }


def test_train_aspects_and_collect_with_the_term_lists_plus_the_classifier(
    labels_cli: CliRunner, tmp_path: Path
) -> None:
    run(labels_cli, "init")
    out = run(labels_cli, "train", "aspects", code=1)
    assert "no aspects labels yet" in out and "text,aspects" in out
    out = run(labels_cli, "labels", "import", "aspects.csv", "--task", "aspects")
    assert "46 aspects label(s) read from aspects.csv: 46 new" in out
    summary = json.loads(run(labels_cli, "train", "aspects", "--json"))
    assert summary["n"] == 46 and summary["folds"] == 5 and summary["task"] == "aspects"
    assert summary["model"].startswith("trained-aspects-")
    assert set(summary["per_category"]) == {"Connectivity", "Ticketkauf", "Zugfahrt"}
    for key in ("micro_f1", "precision", "recall", "polarity_micro_f1"):
        assert 0.0 <= summary[key] <= 1.0
    out = run(labels_cli, "train", "aspects", "--folds", "3")
    assert "3-fold cross-validated on 46 labelled texts" in out
    assert "all (micro)" in out and "is now the active aspects model" in out
    listed = run(labels_cli, "labels", "list")
    assert "aspects" in listed and summary["model"] in listed

    posts = tmp_path / "posts.jsonl"
    texts = ["Das WLAN im ICE geht schon wieder nicht.", "Die Rodelbahn öffnet am Wochenende."]
    posts.write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)),
        encoding="utf-8",
    )
    run(labels_cli, "import", "posts.jsonl")
    with _store(tmp_path) as store:
        ws = store.get_workspace("bahn")
        by_text = {m.text: m.enrichments["aspects"] for m in store.iter_mentions(ws.id)}
    # The learnt "Connectivity" shows under the shipped template's category for it, with
    # the term its list found; "Allgemein" is not learnt: the template's term list ("ICE").
    found = {a["category"]: a for a in by_text[texts[0]]}
    assert set(found) == {"Connectivity (WLAN)", "Allgemein"}
    assert found["Connectivity (WLAN)"]["polarity"] == "negative"
    assert found["Connectivity (WLAN)"]["terms"] == ["WLAN"]
    assert found["Connectivity (WLAN)"]["model"].startswith("trained-aspects-")
    assert 0.0 < found["Connectivity (WLAN)"]["p"] <= 1.0 and "model" not in found["Allgemein"]
    assert by_text[texts[1]] == []
