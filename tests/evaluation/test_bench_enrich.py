"""`resonanz bench enrich`: posts from the corpora, figures from a fresh measured process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.bench.enrich import DEMO_DIR, Post, corpus, make_posts
from resonanz.cli import app
from resonanz.errors import ValidationError


def _data(folder: Path) -> Path:
    (folder / "sb10k").mkdir(parents=True)
    (folder / "sb10k" / "dev.tsv").write_text(
        "1\tpositive\tgut , oder ?\tl\tp\n2\tmixed\tna ja\tl\tp\n3\tnegative\tnicht gut .\tl\tp\n",
        encoding="utf-8",
    )
    (folder / "tweeteval").mkdir()
    (folder / "tweeteval" / "val_text.txt").write_text("Love it\nMeh\n", encoding="utf-8")
    (folder / "tweeteval" / "val_labels.txt").write_text("2\n1\n", encoding="utf-8")
    return folder


def test_corpus_reads_known_files(tmp_path: Path) -> None:
    posts, files = corpus(_data(tmp_path))
    assert files == ["sb10k/dev.tsv", "tweeteval/val_text.txt"]
    assert posts[0] == Post("gut , oder ?", "twitter")
    assert len(posts) == 4
    with pytest.raises(ValidationError, match="no labelled texts found"):
        corpus(tmp_path / "sb10k")
    with pytest.raises(ValidationError, match="no such folder"):
        corpus(tmp_path / "nope")


def test_bundled_demo_data_has_texts() -> None:
    posts, files = corpus(DEMO_DIR)
    assert files == ["germeval2017_sample.tsv"] and len(posts) > 1000


def test_make_posts_recombines_instead_of_repeating() -> None:
    texts = [Post(f"a{i} b{i} c{i} d{i}", "web") for i in range(10)]
    posts, recombined = make_posts(texts, 25)
    assert len(posts) == 25 and recombined == 15
    assert {p.text for p in posts[:10]} == {t.text for t in texts}
    assert all(len(p.text.split()) == 4 for p in posts)
    few, none = make_posts(texts, 3)
    assert len(few) == 3 and none == 0


def test_bench_enrich_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RESONANZ_LANGUAGE_DETECTION", "false")
    monkeypatch.chdir(tmp_path)
    data = _data(tmp_path / "data")
    result = CliRunner().invoke(
        app, ["bench", "enrich", "--posts", "40", "--data", str(data), "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["posts"] == 40 and figures["recombined"] == 36
    assert figures["distinct_texts"] == 4
    assert "language" in figures["enrichers"]
    assert figures["posts_per_s"] > 0 and figures["startup_s"] > 0 and figures["rss_mib"] > 0
    assert set(figures["targets"]) == {"posts_per_s", "startup_s", "rss_mib"}
    assert figures["language_detection"] is False


def test_bench_enrich_refuses_nonsense(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["bench", "enrich", "--posts", "0"])
    assert result.exit_code == 1 and "--posts must be at least 1" in result.output


def test_bench_enrich_with_workspace_classifiers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    sample = (DEMO_DIR / "germeval2017_sample.tsv").read_text(encoding="utf-8")
    labelled = tmp_path / "labelled.tsv"
    labelled.write_text("\n".join(sample.splitlines()[:100]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["bench", "enrich", "--posts", "30", "--train", str(labelled), "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    trained = figures["workspace_models"]
    assert set(trained) == {"sentiment", "relevance", "aspects"}
    assert all(name.startswith(f"trained-{task}-") for task, name in trained.items())
    # The enrichments of the measured process name the trained models.
    used = figures["models_used"]
    assert used["sentiment"] == [trained["sentiment"]]
    assert used["relevance"] == [trained["relevance"]]
    assert used["aspects"] == [trained["aspects"]]
    # 99 documents: line 51 of the sample is empty.
    assert figures["train"]["n"] == {"sentiment": 99, "relevance": 99, "aspects": 99}
    assert figures["train"]["train_s"] > 0 and figures["posts_per_s"] > 0


def test_bench_enrich_train_needs_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    unlabelled = tmp_path / "texts.csv"
    unlabelled.write_text("text\nDer Zug ist pünktlich\nDer Zug ist zu spät\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["bench", "enrich", "--posts", "5", "--train", str(unlabelled), "--format", "csv"]
    )
    assert result.exit_code == 1
    assert "texts.csv:1" in result.output and "'label', 'relevant' or 'aspects'" in result.output
