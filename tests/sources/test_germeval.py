"""GermEval 2017 TSV import: the real development set, the bundled sample, broken rows."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

import resonanz
from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.pipeline.normalise import normalise_germeval
from resonanz.sources.files import FileSource

DEV = Path("/work/shared/data/germeval2017/dev.tsv")
SAMPLE = Path(resonanz.__file__).parent / "data" / "demo" / "germeval2017_sample.tsv"


def read_all(path: Path) -> tuple[list[dict[str, str]], list[tuple[str, str]], FileSource]:
    source = FileSource({"path": str(path)}, Settings())
    batches = list(source.fetch({}))
    rows = [dict(item.payload) for batch in batches for item in batch.items]
    skipped = [(s.where, s.reason) for batch in batches for s in batch.skipped]
    return rows, skipped, source


@pytest.mark.skipif(not DEV.is_file(), reason=f"GermEval 2017 dev set not present at {DEV}")
def test_real_development_set():
    rows, skipped, source = read_all(DEV)
    assert source.format == "germeval"
    # 2,585 lines: 2,584 rows and one blank line.
    assert len(rows) == 2584
    assert skipped == []
    assert Counter(r["relevant"] for r in rows) == {"true": 2049, "false": 535}
    assert Counter(r["sentiment"] for r in rows) == {
        "neutral": 1812,
        "negative": 617,
        "positive": 155,
    }
    texts = {r["text"] for r in rows}
    # Quoted fields with doubled quotes come out with single quotes.
    assert (
        '@DB_Bahn der Zugbleiter beantwortet Fragen mit "weiß ich nicht" und "ist mir scheißegal"'
        in texts
    )


@pytest.mark.skipif(not DEV.is_file(), reason=f"GermEval 2017 dev set not present at {DEV}")
def test_real_development_set_normalises():
    source = FileSource({"path": str(DEV)}, Settings())
    mentions = [normalise_germeval(i) for b in source.fetch({}) for i in b.items]
    assert Counter(m.platform for m in mentions) == {
        "twitter": 1165,
        "web": 783,
        "facebook": 507,
        "googleplus": 92,
        "youtube": 33,
        "instagram": 4,
    }
    assert len({m.native_id for m in mentions}) == len(mentions)
    tweets = [m for m in mentions if m.platform == "twitter"]
    assert all(m.created_at is not None and m.author is not None for m in tweets)
    assert all(m.created_at is None for m in mentions if m.platform != "twitter")
    assert not any("\\_" in (m.url or "") for m in mentions)


def test_bundled_sample():
    rows, skipped, _ = read_all(SAMPLE)
    assert len(rows) == 1292
    assert skipped == []
    tweet = next(r for r in rows if r["url"].endswith("/616551942341300224"))
    assert tweet["aspects"].startswith("Sicherheit#Haupt:negative")
    mention = normalise_germeval(
        next(
            i
            for b in FileSource({"path": str(SAMPLE)}, Settings()).fetch({})
            for i in b.items
            if i.payload["url"] == tweet["url"]
        )
    )
    assert mention.platform == "twitter"
    assert mention.author is not None and mention.author.handle == "DJCosmo7"
    assert mention.created_at == datetime(2015, 7, 2, 10, 20, 12, 692000, tzinfo=UTC)
    assert mention.raw["sentiment"] == "negative"


def test_broken_germeval_rows(tmp_path: Path):
    path = tmp_path / "mini.tsv"
    path.write_text(
        "http://twitter.com/a/statuses/616551942341300224\tHallo\ttrue\tneutral\n"
        "just-one-field\n"
        "http://example.org/x\ttext\ttrue\tneutral\tA#B:neutral\textra\n"
        "\tno url\ttrue\tneutral\n"
        "http://example.org/y\t\ttrue\tneutral\n"
        "http://example.org/z\tnur Text\n",
        encoding="utf-8",
    )
    rows, skipped, _ = read_all(path)
    assert [r["url"] for r in rows] == [
        "http://twitter.com/a/statuses/616551942341300224",
        "http://example.org/z",
    ]
    assert rows[1] == {"url": "http://example.org/z", "text": "nur Text"}
    assert skipped == [
        ("mini.tsv:2", "row has 1 fields, expected 2 to 5"),
        ("mini.tsv:3", "row has 6 fields, expected 2 to 5"),
        ("mini.tsv:4", "no URL (a GermEval row's id)"),
        ("mini.tsv:5", "empty text (column 'text')"),
    ]


def test_germeval_has_fixed_columns(tmp_path: Path):
    path = tmp_path / "x.tsv"
    path.write_text("http://example.org/\tHallo\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="fixed columns"):
        FileSource({"path": str(path), "mapping": {"text": "x"}}, Settings())
