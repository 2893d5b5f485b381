"""Loaders of labelled data on small files in the real formats, good and broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from resonanz.errors import ParseError, ValidationError
from resonanz.evaluation import load_dataset

# Real GermEval 2017 rows (shortened): a quoted text with doubled quotes, a row without
# the aspects column, a blank line like the one in the development set.
GERMEVAL = (
    "http://twitter.com/a/statuses/1\t"
    '"RT @x: Aktueller Lieblingssatz: ""Ich will dich nicht stressen"""\ttrue\tneutral\t'
    "Allgemein#Haupt:neutral\n"
    "http://twitter.com/b/statuses/2\tMarklin Z Gauge 8135 Train set DB\tfalse\tneutral\n"
    "\n"
    "http://www.facebook.com/1/posts/2\tZug schon wieder zu spät\ttrue\tnegative\t"
    "Zugfahrt#Haupt:negative Service_und_Kundenbetreuung#Haupt:negative\n"
)

SB10K = (
    '375960952157790208\tnegative\t" Echte Gangster " ... Echt Schade !\tl\tp\td\tm\n'
    "395240494072365057\tneutral\t@user wir schreiben in WhatsApp .\tl\tp\td\tm\n"
    "322412793900965888\tpositive\tfür die @GalaLive reicht es , gut , oder ?\tl\tp\td\tm\n"
    "322412793900965889\tmixed\tgut und schlecht\tl\tp\td\tm\n"
    "322412793900965890\tunknown\tsowieso\tl\tp\td\tm\n"
)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_germeval_rows_quotes_missing_aspects_and_blank_lines(tmp_path: Path) -> None:
    data = load_dataset(write(tmp_path / "dev.tsv", GERMEVAL), "germeval")
    assert data.format == "germeval"
    assert [e.label for e in data.examples] == ["neutral", "neutral", "negative"]
    assert [e.relevant for e in data.examples] == [True, False, True]
    first, second, third = data.examples
    assert first.text == 'RT @x: Aktueller Lieblingssatz: "Ich will dich nicht stressen"'
    assert first.aspects == ("Allgemein#Haupt:neutral",)
    assert second.aspects == ()
    assert third.aspects == (
        "Zugfahrt#Haupt:negative",
        "Service_und_Kundenbetreuung#Haupt:negative",
    )
    assert third.where == "dev.tsv:4"
    assert {e.lang for e in data.examples} == {"de"}
    assert data.dropped == {}


def test_germeval_unknown_labels_and_broken_rows_are_listed(tmp_path: Path) -> None:
    text = GERMEVAL + (
        "http://x/1\tText\ttrue\tpostive\n"
        "http://x/2\tnur zwei Felder\n"
        "http://x/3\tText\tmaybe\tneutral\n"
        "http://x/4\tText\ttrue\tneutral\tAllgemein#Haupt:sehr_gut\n"
    )
    with pytest.raises(ParseError) as info:
        load_dataset(write(tmp_path / "dev.tsv", text), "germeval")
    message = str(info.value)
    assert "4 bad row(s)" in message
    assert (
        "dev.tsv:5: unknown sentiment label 'postive' (allowed: negative, neutral, positive)"
        in (message)
    )
    assert "dev.tsv:6: row has 2 fields, expected 4 to 5" in message
    assert "dev.tsv:7: unknown relevance label 'maybe' (allowed: true, false)" in message
    assert "dev.tsv:8: aspects: cannot read 'Allgemein#Haupt:sehr_gut'" in message
    assert info.value.where == str(tmp_path / "dev.tsv")


def test_many_bad_rows_show_the_first_five(tmp_path: Path) -> None:
    text = "".join(f"http://x/{i}\tText\ttrue\tsuper\n" for i in range(12))
    with pytest.raises(ParseError, match=r"12 bad row\(s\).*dev.tsv:5: .*… and 7 more"):
        load_dataset(write(tmp_path / "dev.tsv", text), "germeval")


def test_sb10k_keeps_tokenised_text_and_drops_mixed_and_unknown(tmp_path: Path) -> None:
    data = load_dataset(write(tmp_path / "sb10k.tsv", SB10K), "sb10k")
    assert [e.label for e in data.examples] == ["negative", "neutral", "positive"]
    assert data.examples[0].text == '" Echte Gangster " ... Echt Schade !'
    assert data.examples[2].text == "für die @GalaLive reicht es , gut , oder ?"
    assert data.examples[1].relevant is None and data.examples[1].aspects == ()
    assert data.dropped == {"label 'mixed'": 1, "label 'unknown'": 1}
    assert data.examples[2].where == "sb10k.tsv:3"


def test_sb10k_unknown_label_lists_allowed(tmp_path: Path) -> None:
    path = write(tmp_path / "potts.tsv", SB10K + "1\tNEG\ttext\n")
    with pytest.raises(ParseError) as info:
        load_dataset(path, "sb10k")
    assert "potts.tsv:6: unknown sentiment label 'NEG'" in str(info.value)
    assert "allowed: negative, neutral, positive, mixed, unknown" in str(info.value)


def test_only_dropped_rows_is_an_error_that_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "potts.tsv", "1\tmixed\tgut und schlecht\n2\tpositive\t \n")
    with pytest.raises(ParseError, match=r"no usable example .*1 label 'mixed', 1 empty text"):
        load_dataset(path, "sb10k")


def test_binary_junk_and_huge_rows_do_not_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = bytes(range(256)).replace(b"\t", b"").replace(b"\n", b"").replace(b"\r", b"")
    # Junk inside the text of a well-formed row is a text like any other.
    path = write(tmp_path / "junk.tsv", b"1\tneutral\t" + junk + b"\n2\tpositive\tgut\n")
    data = load_dataset(path, "sb10k")
    assert len(data.examples) == 2 and data.examples[0].label == "neutral"
    # A junk line without fields is a broken row, named.
    path = write(tmp_path / "junk2.tsv", junk + b"\n2\tpositive\tgut\n")
    with pytest.raises(ParseError, match=r"junk2.tsv:1: row has 1 tab-separated field"):
        load_dataset(path, "sb10k")
    monkeypatch.setattr("resonanz.sources.filerows.MAX_LINE_BYTES", 1000)
    huge = "1\tneutral\t" + "a" * 5000 + "\n2\tpositive\tgut\n"
    with pytest.raises(ParseError, match=r"huge.tsv:1: line longer than"):
        load_dataset(write(tmp_path / "huge.tsv", huge), "sb10k")
    with pytest.raises(ParseError, match=r"huge.tsv:1: line longer than"):
        load_dataset(write(tmp_path / "huge.tsv", "http://x\t" + huge), "germeval")


def test_long_text_is_kept(tmp_path: Path) -> None:
    text = "gut " * 25_000
    data = load_dataset(write(tmp_path / "long.csv", f"text,label\n{text},positive\n"), "csv")
    assert data.examples[0].text == text


def _tweeteval(folder: Path, texts: str, labels: str) -> Path:
    folder.mkdir()
    write(folder / "val_text.txt", texts)
    write(folder / "val_labels.txt", labels)
    write(folder / "mapping.txt", "0\tnegative\n1\tneutral\n2\tpositive\n")
    return folder


def test_tweeteval_folder_and_either_file(tmp_path: Path) -> None:
    folder = _tweeteval(tmp_path / "te", "So bad. \nOk then\nLove it!\n", "0\n1\n2\n")
    for path in (folder, folder / "val_text.txt", folder / "val_labels.txt"):
        data = load_dataset(path, "tweeteval")
        assert [e.label for e in data.examples] == ["negative", "neutral", "positive"]
        assert data.examples[0].text == "So bad. "
        assert data.examples[2].where == "val_text.txt:3"
        assert {e.lang for e in data.examples} == {"en"}


def test_tweeteval_problems(tmp_path: Path) -> None:
    folder = _tweeteval(tmp_path / "a", "one\ntwo\n", "0\n")
    with pytest.raises(ParseError, match=r"val_text.txt has 2 lines but val_labels.txt has 1"):
        load_dataset(folder, "tweeteval")
    folder = _tweeteval(tmp_path / "b", "one\ntwo\n", "0\n3\n")
    with pytest.raises(ParseError, match=r"val_labels.txt:2: unknown label '3' \(allowed: 0 \("):
        load_dataset(folder, "tweeteval")
    write(folder / "test_text.txt", "x\n")
    with pytest.raises(ValidationError, match=r"found: test_text.txt, val_text.txt"):
        load_dataset(folder, "tweeteval")
    with pytest.raises(ValidationError, match=r"a tweeteval dataset is a folder"):
        load_dataset(folder / "mapping.txt", "tweeteval")


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_sniffs_delimiter_and_reads_optional_columns(tmp_path: Path, sep: str) -> None:
    rows = [
        ["Text", "label", "lang", "relevant", "aspects", "id"],
        ["Nicht gut, gar nicht", "negative", "de", "true", "Service#Haupt:negative", "1"],
        ["Great trip", "Positive", "EN", "false", "", "2"],
        ["nur Relevanz", "", "", "yes", "", "3"],
    ]
    quoted = [[f'"{c}"' if sep in c else c for c in row] for row in rows]
    path = write(tmp_path / "labels.csv", "\n".join(sep.join(r) for r in quoted) + "\n")
    data = load_dataset(path, "csv")
    first, second, third = data.examples
    assert first.text == "Nicht gut, gar nicht"
    assert (first.label, first.lang, first.relevant) == ("negative", "de", True)
    assert first.aspects == ("Service#Haupt:negative",)
    assert (second.label, second.lang, second.relevant) == ("positive", "en", False)
    assert (third.label, third.lang, third.relevant) == (None, None, True)
    assert third.where == "labels.csv:4"


def test_csv_header_and_cell_problems(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"header must name a 'text' column .* found: body, label"):
        load_dataset(write(tmp_path / "a.csv", "body,label\nx,positive\n"), "csv")
    bad = "text,label,lang,relevant\nx,good,de,true\ny,neutral,german,true\nz,neutral,de,2\n"
    with pytest.raises(ParseError) as info:
        load_dataset(write(tmp_path / "b.csv", bad), "csv")
    message = str(info.value)
    assert "b.csv:2: unknown sentiment label 'good'" in message
    assert "b.csv:3: lang 'german' is not an ISO 639 code" in message
    assert "b.csv:4: unknown relevance label '2' (allowed: true, false)" in message
    with pytest.raises(ParseError, match=r"c.csv:3: row has 3 fields, expected 2"):
        load_dataset(write(tmp_path / "c.csv", "text,label\na,positive\nb,neutral,x\n"), "csv")


@pytest.mark.parametrize("fmt", ["germeval", "sb10k", "csv"])
def test_empty_file(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ParseError, match=r"empty|no data rows"):
        load_dataset(write(tmp_path / "empty.txt", ""), fmt)


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"no such file"):
        load_dataset(tmp_path / "nope.tsv", "germeval")
    with pytest.raises(ValidationError, match=r"known: germeval, sb10k, tweeteval, csv"):
        load_dataset(write(tmp_path / "x.tsv", GERMEVAL), "semeval")
    with pytest.raises(ValidationError, match=r"is not a file"):
        load_dataset(tmp_path, "germeval")


def test_shared_data_layout_when_present() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not (shared / "potts" / "dev.tsv").is_file():
        pytest.skip(f"no shared data at {shared}")
    potts = load_dataset(shared / "potts" / "dev.tsv", "sb10k")
    assert potts.dropped == {"label 'mixed'": 32}
    germeval = load_dataset(shared / "germeval2017" / "dev.tsv", "germeval")
    assert len(germeval.examples) == 2584
