"""`resonanz eval emotion`: the emotion enricher on small labelled files written here.

The cues of the texts are in resonanz/data/emotion: "freue" joy, "Angst" fear, "traurig"
sadness (de.tsv); "happy" joy, "surprise" surprise (en.tsv); the Zug sentence has none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from resonanz.analysis.emotion_labels import EMOTIONS
from resonanz.cli import app
from resonanz.errors import ParseError
from resonanz.evaluation.datasets import load_dataset
from resonanz.evaluation.emotion import run_emotion_eval, valence

# Gold sentiment against the valence of each text's top emotion (in the comment).
PROXY_CSV = (
    "text,label,lang\n"
    "Ich freue mich sehr,positive,de\n"  # joy -> positive: right
    "Ich habe Angst vor der Fahrt,negative,de\n"  # fear -> negative: right
    "Das macht mich traurig,neutral,de\n"  # sadness -> negative: wrong
    "Der Zug fährt um acht,neutral,de\n"  # none -> neutral: right
    "I am so happy today,negative,en\n"  # joy -> positive: wrong
    "What a surprise,positive,en\n"  # surprise -> neutral: wrong
)
# Gold emotions; found: {joy}, {fear}, {sadness}, {}, {joy}, {surprise}.
EMOTIONS_CSV = (
    "text,emotions,lang\n"
    "Ich freue mich sehr,joy;trust,de\n"
    "Ich habe Angst vor der Fahrt,fear,de\n"
    "Das macht mich traurig,anger,de\n"
    "Der Zug fährt um acht,none,de\n"
    "I am so happy today,joy,en\n"
    "What a surprise,Surprise; joy,en\n"
)
SUMMARY = {"accuracy", "micro_f1", "macro_f1", "macro_recall", "coverage", "n", "posts_per_s"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valence_of_top_emotions() -> None:
    assert [valence(e) for e in ("joy", "trust", "anger", "disgust", "fear", "sadness")] == [
        "positive",
        "positive",
        "negative",
        "negative",
        "negative",
        "negative",
    ]
    assert {valence(e) for e in ("surprise", "anticipation", None)} == {"neutral"}


def test_valence_proxy_figures(tmp_path: Path) -> None:
    report = run_emotion_eval(_write(tmp_path, "proxy.csv", PROXY_CSV), "csv")
    assert report["task"] == "emotion" and report["measure"] == "valence proxy"
    assert report["n"] == 6 and report["dropped"] == {}
    # Right: rows 1, 2 and 4 of 6.
    assert report["accuracy"] == 0.5 and report["micro_f1"] == 0.5
    assert report["confusion"] == [[1, 0, 1], [1, 1, 0], [0, 1, 1]]
    # Each class: 1 right of 2 predicted and of 2 gold.
    for label in ("negative", "neutral", "positive"):
        assert report["per_class"][label] == {
            "precision": 0.5,
            "recall": 0.5,
            "f1": 0.5,
            "support": 2,
        }
    assert report["macro_f1"] == 0.5 and report["macro_recall"] == 0.5
    assert report["coverage"] == round(5 / 6, 4)
    by_emotion = report["by_emotion"]
    assert by_emotion["joy"] == {"n": 2, "negative": 0.5, "neutral": 0.0, "positive": 0.5}
    assert by_emotion["fear"] == {"n": 1, "negative": 1.0, "neutral": 0.0, "positive": 0.0}
    assert by_emotion["sadness"]["neutral"] == 1.0 and by_emotion["surprise"]["positive"] == 1.0
    assert by_emotion["trust"] == {"n": 0, "negative": None, "neutral": None, "positive": None}
    assert list(by_emotion) == list(EMOTIONS)
    assert report["posts_per_s"] > 0


def test_valence_proxy_reads_sb10k_as_german_and_limits(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "potts.tsv",
        "1\tnegative\tDas macht mich traurig\n2\tmixed\tfreue und traurig\n"
        "3\tpositive\tIch freue mich sehr\n4\tneutral\tDer Zug fährt um acht\n",
    )
    report = run_emotion_eval(path, "sb10k", limit=2)
    assert report["n"] == 2 and report["accuracy"] == 1.0 and report["coverage"] == 1.0
    assert report["dropped"] == {"label 'mixed'": 1}


def test_emotion_figures(tmp_path: Path) -> None:
    report = run_emotion_eval(_write(tmp_path, "emotions.csv", EMOTIONS_CSV), "emotions")
    assert report["measure"] == "emotions" and report["format"] == "emotions"
    assert report["n"] == 6 and report["n_with_emotions"] == 5
    # Top emotion among the gold ones: rows 1, 2, 5, 6 of the 5 rows with gold emotions.
    assert report["accuracy"] == 0.8
    # Pairs: 4 right (joy, fear, joy, surprise), 1 wrong (sadness), 3 missed (trust,
    # anger, joy): P 4/5, R 4/7, F1 8/12.
    assert report["precision"] == 0.8 and report["recall"] == round(4 / 7, 4)
    assert report["micro_f1"] == round(8 / 12, 4)
    per_class = report["per_class"]
    assert per_class["joy"] == {
        "precision": 1.0,
        "recall": round(2 / 3, 4),
        "f1": 0.8,
        "support": 3,
        "predicted": 2,
    }
    assert per_class["sadness"]["support"] == 0 and per_class["sadness"]["predicted"] == 1
    assert per_class["disgust"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
        "predicted": 0,
    }
    # Macro over the six emotions in gold or found (joy .8, fear 1, surprise 1, others 0).
    assert report["macro_f1"] == round(2.8 / 6, 4)
    assert report["macro_recall"] == round((2 / 3 + 2) / 6, 4)
    assert report["exact_match"] == 0.5  # fear, none, joy
    assert report["coverage"] == round(5 / 6, 4)


def test_bad_emotion_rows_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.csv",
        "text,emotions\nIch freue mich,joy\nSo happy,happiness\nHm,\nOk,joy;rage\n",
    )
    with pytest.raises(ParseError) as caught:
        load_dataset(path, "emotions")
    message = str(caught.value)
    assert "3 bad row(s)" in message
    assert "bad.csv:3: unknown emotion 'happiness'" in message
    assert "bad.csv:4: no emotions" in message and "bad.csv:5: unknown emotion 'rage'" in message
    with pytest.raises(ParseError, match="'emotions' column"):
        load_dataset(_write(tmp_path, "plain.csv", PROXY_CSV), "emotions")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "proxy.csv", PROXY_CSV)
    _write(tmp_path, "emotions.csv", EMOTIONS_CSV)
    return CliRunner()


def _json(cli: CliRunner, *args: str) -> dict[str, Any]:
    result = cli.invoke(app, ["eval", "emotion", *args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def test_cli_json_keys(cli: CliRunner) -> None:
    proxy = _json(cli, "--dataset", "proxy.csv", "--format", "csv")
    assert proxy.keys() >= SUMMARY | {"task", "per_class", "confusion", "by_emotion"}
    assert proxy["task"] == "emotion" and proxy["accuracy"] == 0.5
    emotions = _json(cli, "--dataset", "emotions.csv", "--format", "emotions", "--limit", "2")
    assert emotions.keys() >= SUMMARY | {"task", "per_class", "exact_match"}
    assert emotions["n"] == 2 and emotions["accuracy"] == 1.0


def test_cli_tables(cli: CliRunner) -> None:
    result = cli.invoke(app, ["eval", "emotion", "--dataset", "proxy.csv", "--format", "csv"])
    assert result.exit_code == 0, result.output
    for words in ("valence proxy", "coverage", "confusion matrix", "gold sentiment by top"):
        assert words in result.stdout
    assert "not whether the right emotion was found" in " ".join(result.stdout.split())
    result = cli.invoke(
        app, ["eval", "emotion", "--dataset", "emotions.csv", "--format", "emotions"]
    )
    assert result.exit_code == 0, result.output
    assert "eval emotion (emotions)" in result.stdout and "anticipation" in result.stdout


def test_cli_bad_file_is_one_line_error(cli: CliRunner) -> None:
    Path("bad.csv").write_text("text,emotions\nSo happy,happiness\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "emotion", "--dataset", "bad.csv", "--format", "emotions"])
    assert result.exit_code == 1
    assert "bad.csv:2: unknown emotion 'happiness'" in result.output
