"""`resonanz eval sentiment|relevance` through the CLI, with test-double classifiers."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from resonanz.analysis.base import RELEVANCE_LABELS, SENTIMENT_LABELS, Prediction
from resonanz.cli import app
from resonanz.evaluation import runner

GERMEVAL = (
    "http://x/1\tDer Zug ist gut\ttrue\tpositive\tAllgemein#Haupt:positive\n"
    "http://x/2\tDer Zug ist schlecht\ttrue\tnegative\tAllgemein#Haupt:negative\n"
    "http://x/3\tDer Zug fährt\ttrue\tneutral\tAllgemein#Haupt:neutral\n"
    "http://x/4\tschlecht gelaunt heute, kein Zug\tfalse\tneutral\n"
    "http://x/5\tEs ist gut\tfalse\tnegative\n"
)
REQUIRED = {"accuracy", "micro_f1", "macro_f1", "macro_recall", "n", "posts_per_s"}


class KeywordSentimentDouble:
    """Test double for the default model: 'gut' is positive, 'schlecht' negative."""

    task = "sentiment"
    labels = SENTIMENT_LABELS
    name = "keyword-sentiment-double"

    def __init__(self) -> None:
        self.langs: list[str | None] = []

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]:
        self.langs.extend(langs or [None] * len(texts))
        out = []
        for text in texts:
            label = "positive" if "gut" in text else "negative" if "schlecht" in text else "neutral"
            out.append(Prediction(label, 0.0, {label: 1.0}))
        return out


class ZugRelevanceDouble:
    """Test double for a trained relevance model: relevant when it says 'Zug'."""

    task = "relevance"
    labels = RELEVANCE_LABELS
    name = "zug-relevance-double"
    quality: Mapping[str, Any] = {"macro_f1": 0.5, "folds": 5}

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]:
        return [Prediction("true" if "Zug" in t else "false", 1.0, {}) for t in texts]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESONANZ_LANGUAGE_DETECTION", "false")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dev.tsv").write_text(GERMEVAL, encoding="utf-8")
    return CliRunner()


@pytest.fixture
def double(monkeypatch: pytest.MonkeyPatch) -> KeywordSentimentDouble:
    model = KeywordSentimentDouble()
    monkeypatch.setattr(runner, "default_classifier", lambda task: model)
    return model


def _json(cli: CliRunner, *args: str) -> dict[str, Any]:
    result = cli.invoke(app, ["eval", *args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def test_eval_sentiment_json(cli: CliRunner, double: KeywordSentimentDouble) -> None:
    report = _json(cli, "sentiment", "--dataset", "dev.tsv", "--format", "germeval")
    assert report.keys() >= REQUIRED
    assert report["n"] == 5
    # Right: 1 (gut), 2 (schlecht), 3 (neutral); wrong: 4 (negative for neutral), 5.
    assert report["accuracy"] == 0.6 and report["micro_f1"] == 0.6
    assert report["labels"] == ["negative", "neutral", "positive"]
    assert report["confusion"] == [[1, 0, 1], [1, 1, 0], [0, 0, 1]]
    assert report["per_class"]["positive"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.6667,
        "support": 1,
    }
    assert report["model"] == "keyword-sentiment-double"
    assert report["dropped"] == {} and report["train"] is None
    assert report["posts_per_s"] > 0
    assert double.langs == ["de"] * 6  # a first call on one text (load time), then all five


def test_eval_sentiment_tables(cli: CliRunner, double: KeywordSentimentDouble) -> None:
    result = cli.invoke(app, ["eval", "sentiment", "--dataset", "dev.tsv", "--format", "germeval"])
    assert result.exit_code == 0, result.output
    for word in ("macro_recall", "posts_per_s", "per class", "confusion matrix", "gold"):
        assert word in result.stdout
    assert "keyword-sentiment-double" in result.stdout


def test_eval_sentiment_limit_and_drops(
    cli: CliRunner, double: KeywordSentimentDouble, tmp_path: Path
) -> None:
    (tmp_path / "potts.tsv").write_text(
        "1\tpositive\tgut !\n2\tmixed\tgut und schlecht\n3\tnegative\tschlecht .\n4\tneutral\tja\n",
        encoding="utf-8",
    )
    report = _json(cli, "sentiment", "--dataset", "potts.tsv", "--format", "sb10k", "--limit", "2")
    assert report["n"] == 2 and report["accuracy"] == 1.0
    assert report["dropped"] == {"label 'mixed'": 1}


def test_eval_bad_input_is_one_line_error(cli: CliRunner, double: KeywordSentimentDouble) -> None:
    Path("bad.tsv").write_text("http://x/1\tText\ttrue\tsuper\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "sentiment", "--dataset", "bad.tsv", "--format", "germeval"])
    assert result.exit_code == 1
    assert "bad.tsv:1: unknown sentiment label 'super'" in result.output
    result = cli.invoke(app, ["eval", "sentiment", "--dataset", "dev.tsv", "--format", "xml"])
    assert result.exit_code == 1 and "known: germeval, sb10k, tweeteval, csv" in result.output
    result = cli.invoke(app, ["eval", "relevance", "--dataset", "dev.tsv", "--format", "sb10k"])
    assert result.exit_code == 1 and "unknown sentiment label 'Der Zug ist gut'" in result.output


def test_eval_relevance_needs_train(cli: CliRunner) -> None:
    result = cli.invoke(app, ["eval", "relevance", "--dataset", "dev.tsv", "--format", "germeval"])
    assert result.exit_code == 1
    assert "ships no default relevance model: pass --train PATH" in result.output


def test_eval_relevance_of_sb10k_says_there_are_no_labels(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "sb.tsv").write_text("1\tpositive\tgut\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "relevance", "--dataset", "sb.tsv", "--format", "sb10k"])
    assert result.exit_code == 1 and "no example labelled for relevance" in result.output


def test_eval_relevance_trained(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def fake_train(task: str, gold: runner.GoldSet, **_: Any) -> ZugRelevanceDouble:
        seen.update(task=task, labels=gold.labels, langs=gold.langs)
        return ZugRelevanceDouble()

    monkeypatch.setattr(runner, "train_on", fake_train)
    (tmp_path / "train.csv").write_text(
        "text;relevant\nDer Zug ist gut;true\nKaffee;false\n", encoding="utf-8"
    )
    report = _json(
        cli,
        "relevance",
        "--dataset",
        "dev.tsv",
        "--format",
        "germeval",
        "--train",
        "train.csv",
        "--train-format",
        "csv",
    )
    assert seen == {"task": "relevance", "labels": ("true", "false"), "langs": (None, None)}
    assert report.keys() >= REQUIRED
    assert report["labels"] == ["false", "true"]
    # 'Zug' in rows 1-4, relevant are rows 1-3: row 4 is the one mistake.
    assert report["accuracy"] == 0.8
    assert report["train"]["n"] == 2 and report["train"]["overlap"] == 1
    assert report["train"]["quality"] == {"macro_f1": 0.5, "folds": 5}
    result = cli.invoke(
        app,
        ["eval", "relevance", "--dataset", "dev.tsv", "--format", "germeval", "--train", "dev.tsv"],
    )
    assert result.exit_code == 0, result.output
    assert "also occur in the training data" in result.stdout


def test_wrong_task_model_is_refused(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "default_classifier", lambda task: ZugRelevanceDouble())
    result = cli.invoke(app, ["eval", "sentiment", "--dataset", "dev.tsv", "--format", "germeval"])
    assert result.exit_code == 1 and "is a relevance model, not sentiment" in result.output


@pytest.mark.skipif(
    importlib.util.find_spec("resonanz.analysis.training") is None,
    reason="workspace-trained classifiers (resonanz.analysis.training) have not landed",
)
def test_eval_relevance_with_a_really_trained_classifier(cli: CliRunner, tmp_path: Path) -> None:
    rows = [f"Der Zug nach Köln {i} hat Verspätung;true" for i in range(10)]
    rows += [f"Mein Kaffee {i} schmeckt heute gut;false" for i in range(10)]
    (tmp_path / "train.csv").write_text("text;relevant\n" + "\n".join(rows), encoding="utf-8")
    report = _json(
        cli,
        "relevance",
        *("--dataset", "dev.tsv", "--format", "germeval"),
        *("--train", "train.csv", "--train-format", "csv"),
    )
    assert report["n"] == 5 and report["model"].startswith("trained-relevance")
    assert report["train"]["n"] == 20 and report["train"]["overlap"] == 0
    assert report["train"]["quality"]["n"] == 20
    assert sum(map(sum, report["confusion"])) == 5


@pytest.mark.skipif(
    importlib.util.find_spec("resonanz.analysis.sentiment") is None,
    reason="the shipped default sentiment model (resonanz.analysis.sentiment) has not landed",
)
def test_eval_sentiment_with_the_real_default(cli: CliRunner) -> None:
    report = _json(cli, "sentiment", "--dataset", "dev.tsv", "--format", "germeval")
    assert report.keys() >= REQUIRED
    assert report["n"] == 5 and report["model"]
    assert sum(map(sum, report["confusion"])) == 5


def test_eval_sentiment_measures_the_configured_backend(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESONANZ_SENTIMENT_BACKEND", "transformer")
    monkeypatch.setenv("RESONANZ_SENTIMENT_MODEL_PATH", str(tmp_path / "no-such-model"))
    result = cli.invoke(app, ["eval", "sentiment", "--dataset", "dev.tsv", "--format", "germeval"])
    assert result.exit_code == 1
    assert "no-such-model" in result.output


def test_eval_topics_and_aspects_are_in_the_eval_group(cli: CliRunner) -> None:
    result = cli.invoke(app, ["eval", "--help"])
    assert "topics" in result.output and "aspects" in result.output
    missing = cli.invoke(app, ["eval", "topics", "--dataset", "nowhere", "--json"])
    assert missing.exit_code == 1 and "nowhere" in missing.output
