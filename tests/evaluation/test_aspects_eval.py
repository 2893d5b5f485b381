"""`resonanz eval aspects`: GermEval 2017 subtask C figures on a small file in the real format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.errors import ConfigError, ValidationError
from resonanz.evaluation.aspects import gold_pairs, pair_figures, run_aspect_eval
from resonanz.evaluation.datasets import load_dataset

# url, text, relevant, sentiment, aspects: as in GermEval 2017's TSV files (the aspects
# column is missing on irrelevant rows; quoted fields double their quotes).
GERMEVAL = (
    "http://twitter.com/a/1\tDie Bahn hat schon wieder Verspätung\ttrue\tnegative\t"
    "Allgemein#Haupt:negative Zugfahrt#Pünktlichkeit:negative\n"
    "http://twitter.com/a/2\tDas WLAN im ICE geht nicht\ttrue\tnegative\t"
    "Connectivity#WLAN_und_Internet:negative\n"
    'http://twitter.com/a/3\t"Die Bahn ist ""super"" pünktlich"\ttrue\tpositive\t'
    "Zugfahrt#Pünktlichkeit:positive Zugfahrt#Haupt:positive\n"
    "http://twitter.com/a/4\tWLAN im Zug\tfalse\tneutral\t\n"
    "http://twitter.com/a/5\tSchöne Grüße\tfalse\tneutral\n"
)
CATEGORIES = """\
[[category]]
name = "Allgemein"
terms = ["bahn"]
polarity = "document"

[[category]]
name = "Pünktlichkeit"
germeval = "Zugfahrt"
negative = ["verspät*"]
positive = ["pünktlich*"]

[[category]]
name = "Connectivity"
terms = ["wlan"]
"""
REQUIRED = {
    "accuracy",
    "micro_f1",
    "macro_f1",
    "macro_recall",
    "precision",
    "recall",
    "n",
    "posts_per_s",
    "polarity_micro_f1",
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    dataset = tmp_path / "dev.tsv"
    dataset.write_text(GERMEVAL, encoding="utf-8")
    categories = tmp_path / "aspects.toml"
    categories.write_text(CATEGORIES, encoding="utf-8")
    return dataset, categories


def test_gold_pairs_are_categories_with_polarity(files: tuple[Path, Path]) -> None:
    examples = load_dataset(files[0], "germeval").examples
    assert [gold_pairs(e) for e in examples] == [
        {("Allgemein", "negative"), ("Zugfahrt", "negative")},
        {("Connectivity", "negative")},
        {("Zugfahrt", "positive")},  # two subcategories, one category
        set(),
        set(),
    ]


def test_pair_figures_are_micro_averages_over_documents() -> None:
    gold = [{"a", "b"}, {"a"}, set()]
    predicted = [{"a"}, {"a", "c"}, {"b"}]
    figures = pair_figures(gold, predicted, str)
    # tp 2 (a, a), fp 2 (c, b), fn 1 (b)
    assert figures["precision"] == 0.5 and figures["recall"] == pytest.approx(2 / 3)
    assert figures["micro_f1"] == pytest.approx(4 / 7)
    assert figures["per_category"]["a"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 2,
        "predicted": 2,
    }
    assert figures["per_category"]["b"]["f1"] == 0.0
    # Macro: a (f1 1, recall 1), b (0, 0), c (predicted, never labelled: 0, 0).
    assert figures["macro_f1"] == pytest.approx(1 / 3)
    assert figures["macro_recall"] == pytest.approx(1 / 3)
    # No document's set is exactly right.
    assert figures["accuracy"] == 0.0
    assert pair_figures([{"a"}, set()], [{"a"}, set()], str)["accuracy"] == 1.0
    with pytest.raises(ValidationError, match="2 gold documents but 1"):
        pair_figures([set(), set()], [set()], str)


def test_eval_on_a_germeval_file(files: tuple[Path, Path]) -> None:
    dataset, categories = files
    report = run_aspect_eval(dataset, "germeval", categories_path=categories)
    assert report.keys() >= REQUIRED
    # Predicted: 1 Allgemein, Zugfahrt; 2 Connectivity; 3 Allgemein, Zugfahrt; 4 Connectivity.
    # Categories: tp 4 (1: both, 2, 3: Zugfahrt), fp 2 (3: Allgemein, 4), fn 0.
    assert report["n"] == 5 and report["n_with_aspects"] == 3
    assert report["precision"] == pytest.approx(4 / 6, abs=1e-4)
    assert report["recall"] == 1.0
    assert report["micro_f1"] == 0.8
    # Polarity: 1 Allgemein takes the post's sentiment from the default model; the others
    # come from the clause: Zugfahrt negative (1) and positive (3), WLAN negative (2).
    assert report["polarity_recall"] >= 0.75
    per = report["per_category"]
    assert per["Zugfahrt"]["f1"] == 1.0 and per["Zugfahrt"]["polarity_f1"] == 1.0
    assert per["Connectivity"]["precision"] == 0.5
    assert report["majority_category"] in ("Zugfahrt", "Allgemein", "Connectivity")
    assert report["majority_baseline"]["micro_f1"] < report["micro_f1"]
    assert report["relevant_only"]["n"] == 3 and report["relevant_only"]["precision"] == 0.8
    assert report["never_in_gold"] == [] and report["posts_per_s"] > 0


def test_eval_with_the_shipped_template(files: tuple[Path, Path]) -> None:
    report = run_aspect_eval(files[0], "germeval", limit=3)
    assert report["n"] == 3 and report["categories"] == "shipped railway template"
    assert report["recall"] == 1.0
    assert "Toiletten" in report["never_in_gold"]


def test_eval_on_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(
        "text;label;aspects\nDas WLAN geht nicht;;Connectivity#WLAN:negative\nHallo;;\n",
        encoding="utf-8",
    )
    report = run_aspect_eval(path, "csv", limit=5)
    assert report["n"] == 2
    assert report["per_category"]["Connectivity"]["f1"] == 1.0
    assert report["polarity_micro_f1"] == 1.0
    assert report["relevant_only"] is None


def test_eval_errors_are_clear(files: tuple[Path, Path], tmp_path: Path) -> None:
    no_aspects = tmp_path / "plain.tsv"
    no_aspects.write_text("http://x\tDer Zug\ttrue\tneutral\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="no example has aspect labels"):
        run_aspect_eval(no_aspects, "germeval")
    with pytest.raises(ValidationError, match="--limit"):
        run_aspect_eval(files[0], "germeval", limit=0)
    broken = tmp_path / "broken.toml"
    broken.write_text('[[category]]\nname = "x"\nterms = ["a b*c"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.toml:3"):
        run_aspect_eval(files[0], "germeval", categories_path=broken)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_eval_aspects_cli(cli: CliRunner, files: tuple[Path, Path]) -> None:
    dataset, categories = files
    args = ["eval", "aspects", "--dataset", str(dataset), "--format", "germeval"]
    result = cli.invoke(app, [*args, "--categories", str(categories), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    assert report.keys() >= REQUIRED and report["micro_f1"] == 0.8
    tables = cli.invoke(app, [*args, "--categories", str(categories)])
    assert tables.exit_code == 0, tables.output
    for word in ("micro_f1", "majority baseline", "per category", "Zugfahrt"):
        assert word in tables.stdout
    bad = cli.invoke(app, [*args, "--categories", str(dataset.parent / "none.toml")])
    assert bad.exit_code == 1 and "does not exist" in bad.output


def test_eval_aspects_cli_reads_the_setting(
    cli: CliRunner, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset, categories = files
    monkeypatch.setenv("RESONANZ_ASPECT_CATEGORIES", str(categories))
    result = cli.invoke(
        app, ["eval", "aspects", "--dataset", str(dataset), "--format", "germeval", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["categories"] == str(categories)


ASPECT_LABELS = Path(__file__).resolve().parent.parent / "payloads" / "labels" / "aspects.csv"


def test_csv_aspect_labels_with_semicolons_and_none() -> None:
    examples = load_dataset(ASPECT_LABELS, "csv").examples
    assert len(examples) == 46
    assert examples[28].aspects == ("Zugfahrt:negative", "Connectivity:negative")
    assert examples[31].aspects == ()


def test_eval_with_a_trained_classifier(files: tuple[Path, Path]) -> None:
    dataset, categories = files
    report = run_aspect_eval(
        dataset,
        "germeval",
        categories_path=categories,
        train_path=ASPECT_LABELS,
        train_fmt="csv",
    )
    training = report["train"]
    assert training["n"] == 46 and training["format"] == "csv"
    assert training["model"].startswith("trained-aspects-")
    assert training["quality"]["folds"] == 5 and training["overlap"] == 0
    assert "texts" not in training and training["too_few"] == []
    # The learnt categories (Zugfahrt, Connectivity, Ticketkauf) are decided by the model;
    # the file's "Allgemein" (not learnt) by its term list.
    assert report["n"] == 5 and 0.0 <= report["micro_f1"] <= 1.0
    assert set(report["per_category"]) <= {"Allgemein", "Zugfahrt", "Connectivity", "Ticketkauf"}
    same = run_aspect_eval(ASPECT_LABELS, "csv", train_path=ASPECT_LABELS)
    assert same["train"]["overlap"] == 46


def test_eval_aspects_cli_with_train(cli: CliRunner, files: tuple[Path, Path]) -> None:
    dataset, categories = files
    args = ["eval", "aspects", "--dataset", str(dataset), "--format", "germeval"]
    train = ["--train", str(ASPECT_LABELS), "--train-format", "csv"]
    result = cli.invoke(app, [*args, "--categories", str(categories), *train, "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    assert report.keys() >= REQUIRED and report["train"]["n"] == 46
    tables = cli.invoke(app, [*args, *train])
    assert tables.exit_code == 0, tables.output
    assert "trained on" in tables.stdout and "cross-validated" in tables.stdout
    bad = cli.invoke(app, [*args, "--train", str(dataset.parent / "missing.csv")])
    assert bad.exit_code == 1 and "no such file" in bad.output
