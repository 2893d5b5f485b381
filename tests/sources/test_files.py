"""FileSource: CSV and JSONL import, broken input, batching and resuming from a cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from resonanz.config import Settings
from resonanz.errors import ConfigError, ParseError
from resonanz.plugins import create_plugin_manager, source_classes
from resonanz.sources import FetchedBatch
from resonanz.sources.files import FileSource, detect_format


def settings(batch_size: int = 500) -> Settings:
    return replace(Settings(), batch_size=batch_size)


def run(
    path: Path,
    cursor: Mapping[str, Any] | None = None,
    *,
    batch_size: int = 500,
    **config: Any,
) -> list[FetchedBatch]:
    source = FileSource({"path": str(path), **config}, settings(batch_size))
    return list(source.fetch(cursor or {}))


def items(batches: list[FetchedBatch]) -> list[Mapping[str, Any]]:
    return [item.payload for batch in batches for item in batch.items]


def skips(batches: list[FetchedBatch]) -> list[tuple[str, str]]:
    return [(s.where, s.reason) for batch in batches for s in batch.skipped]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_csv_with_recognised_column_names(tmp_path: Path):
    path = write(
        tmp_path,
        "posts.csv",
        "Tweet Id,Tweet,User,Date,Extra\n"
        "1,Hallo Bahn,@anna,2024-07-02T10:00:00Z,x\n"
        "2,Zug fällt aus,bob,2024-07-02,\n",
    )
    batches = run(path)
    assert items(batches) == [
        {"Tweet Id": "1", "Tweet": "Hallo Bahn", "User": "@anna", "Date": "2024-07-02T10:00:00Z",
         "Extra": "x"},
        {"Tweet Id": "2", "Tweet": "Zug fällt aus", "User": "bob", "Date": "2024-07-02",
         "Extra": ""},
    ]  # fmt: skip
    first = batches[0].items[0]
    assert first.kind == "csv"
    assert first.origin == "posts.csv:2"
    assert first.context == {
        "mapping": {"text": "Tweet", "id": "Tweet Id", "author": "User", "created_at": "Date"},
        "platform": None,
        "file": "posts.csv",
    }
    assert skips(batches) == []
    assert batches[-1].cursor["offset"] == path.stat().st_size
    assert batches[-1].cursor["line"] == 3
    assert batches[-1].cursor["size"] == path.stat().st_size


def test_explicit_mapping_and_platform(tmp_path: Path):
    path = write(tmp_path, "export.csv", "nr;inhalt;wer\n7;Guten Morgen;erika\n")
    batches = run(path, mapping={"text": "inhalt", "id": "nr", "author": "wer"}, platform="x")
    item = batches[0].items[0]
    assert item.payload == {"nr": "7", "inhalt": "Guten Morgen", "wer": "erika"}
    assert item.context["mapping"] == {"text": "inhalt", "id": "nr", "author": "wer"}
    assert item.context["platform"] == "x"


def test_mapping_to_a_missing_column_names_it_and_lists_columns(tmp_path: Path):
    path = write(tmp_path, "posts.csv", "id,text,user\n1,hi,bob\n")
    with pytest.raises(ConfigError) as info:
        run(path, mapping={"author": "screen_name"})
    message = str(info.value)
    assert "'screen_name'" in message
    assert "available columns: 'id', 'text', 'user'" in message
    with pytest.raises(ConfigError, match="screen_name"):
        FileSource.validate_config({"path": str(path), "mapping": "author=screen_name"}, Settings())


def test_unknown_mention_field_in_mapping(tmp_path: Path):
    path = write(tmp_path, "posts.csv", "id,text\n1,hi\n")
    with pytest.raises(ConfigError, match="unknown mention field 'txt'"):
        run(path, mapping={"txt": "text"})


def test_no_text_column(tmp_path: Path):
    path = write(tmp_path, "numbers.csv", "a,b\n1,2\n")
    with pytest.raises(ConfigError, match="no text column found"):
        run(path)


def test_broken_csv_rows_are_skipped_and_the_rest_imported(tmp_path: Path):
    content = (
        b"id,text,author\n"
        b"1,fine,anna\n"
        b"2,too,many,fields\n"
        b"3,,empty\n"
        b"4,Gr\xfc\xdfe aus K\xf6ln,cp1252\n"
        b"\n"
        b'5,"quoted, with comma ""and quotes""",carl\n'
        b"6,cut"
    )
    path = write(tmp_path, "broken.csv", content)
    batches = run(path)
    assert [row["id"] for row in items(batches)] == ["1", "4", "5"]
    assert items(batches)[1]["text"] == "Grüße aus Köln"
    assert items(batches)[2]["text"] == 'quoted, with comma "and quotes"'
    assert skips(batches) == [
        ("broken.csv:3", "row has 4 fields, expected 3"),
        ("broken.csv:4", "empty text (column 'text')"),
        ("broken.csv:5", "not valid UTF-8: imported, decoded as Windows-1252"),
        ("broken.csv:8", "truncated last line (row has 2 fields, expected 3)"),
    ]
    # The cursor stays before the truncated line, so it is read again once complete.
    assert batches[-1].cursor["offset"] == content.index(b"6,cut")
    assert batches[-1].cursor["line"] == 7
    with path.open("ab") as handle:
        handle.write(b",dora\n")
    again = run(path, batches[-1].cursor)
    assert items(again) == [{"id": "6", "text": "cut", "author": "dora"}]
    assert skips(again) == []


def test_multi_line_quoted_field_and_line_numbers(tmp_path: Path):
    path = write(tmp_path, "multi.csv", 'id,text\n1,"line one\nline two"\n2,after\n')
    batches = run(path)
    assert items(batches) == [
        {"id": "1", "text": "line one\nline two"},
        {"id": "2", "text": "after"},
    ]
    assert [i.origin for i in batches[0].items] == ["multi.csv:2", "multi.csv:4"]


def test_stray_quote_loses_only_its_own_line(tmp_path: Path):
    path = write(tmp_path, "stray.csv", 'id,text\n1,"oops\n2,fine\n3,also fine\n')
    batches = run(path)
    assert items(batches) == [{"id": "2", "text": "fine"}, {"id": "3", "text": "also fine"}]
    assert skips(batches)[0][0] == "stray.csv:2"
    assert "unbalanced quote" in skips(batches)[0][1]


def test_delimiter_detection_bom_and_duplicate_headers(tmp_path: Path):
    path = write(tmp_path, "excel.csv", "\ufefftext;text;;wer\nHallo;zwei;drei;vier\n")
    assert items(run(path)) == [
        {"text": "Hallo", "text_2": "zwei", "column_3": "drei", "wer": "vier"}
    ]
    tsv = write(tmp_path, "tabs.txt", "id\ttext\n1\tHallo\n")
    assert items(run(tsv, format="csv")) == [{"id": "1", "text": "Hallo"}]
    assert items(run(tsv, format="csv", delimiter="tab")) == [{"id": "1", "text": "Hallo"}]


def test_jsonl_import_with_broken_lines(tmp_path: Path):
    lines = [
        json.dumps({"id_str": "10", "full_text": "Hallo", "user": {"screen_name": "anna"}}),
        "{not json",
        "[1, 2]",
        "",
        json.dumps({"id_str": "11", "full_text": " ", "user": {"screen_name": "bob"}}),
        json.dumps({"id_str": "12", "full_text": "Zug", "user": {"screen_name": "carl"}}),
    ]
    content = ("\n".join(lines) + "\n").encode() + b'{"id_str": "13", "full_text": "M\xfcnchen"}\n'
    path = write(tmp_path, "tweets.jsonl", content + b'{"id_str": "14", "full')
    batches = run(path)
    assert [row["id_str"] for row in items(batches)] == ["10", "12", "13"]
    assert items(batches)[2]["full_text"] == "München"
    assert batches[0].items[0].kind == "jsonl"
    assert batches[0].items[0].context["mapping"] == {
        "text": "full_text",
        "id": "id_str",
        "author": "user.screen_name",
    }
    reasons = skips(batches)
    assert reasons[0] == ("tweets.jsonl:2", "invalid JSON: Expecting property name enclosed in "
                          "double quotes (column 2)")  # fmt: skip
    assert reasons[1] == ("tweets.jsonl:3", "expected a JSON object, got list")
    assert reasons[2] == ("tweets.jsonl:5", "empty text (column 'full_text')")
    assert reasons[3] == ("tweets.jsonl:7", "not valid UTF-8: imported, decoded as Windows-1252")
    assert reasons[4][0] == "tweets.jsonl:8"
    assert reasons[4][1].startswith("truncated last line (invalid JSON")
    assert batches[-1].cursor["offset"] == len(content)


def test_jsonl_mapping_with_dotted_path_must_exist(tmp_path: Path):
    path = write(tmp_path, "t.ndjson", '{"text": "a", "user": {"name": "A"}}\n')
    assert run(path, mapping={"author_name": "user.name"})[0].items[0].context["mapping"] == {
        "text": "text",
        "author_name": "user.name",
    }
    with pytest.raises(ConfigError, match=r"user\.handle"):
        run(path, mapping={"author": "user.handle"})


def make_rows(tmp_path: Path, count: int) -> Path:
    rows = "".join(f"{n},Nachricht Nummer {n}\n" for n in range(1, count + 1))
    return write(tmp_path, "many.csv", "id,text\n" + rows)


def test_batches_and_resume_from_each_cursor(tmp_path: Path):
    path = make_rows(tmp_path, 10)
    batches = run(path, batch_size=3)
    assert [len(b.items) for b in batches] == [3, 3, 3, 1]
    assert [b.cursor["line"] for b in batches] == [4, 7, 10, 11]
    all_ids = [row["id"] for row in items(batches)]
    for index, batch in enumerate(batches):
        resumed = run(path, batch.cursor, batch_size=3)
        expected = all_ids[3 * (index + 1) :]
        assert [row["id"] for row in items(resumed)] == expected
        if expected:
            assert resumed[0].items[0].origin == f"many.csv:{3 * (index + 1) + 2}"
    assert run(path, batches[-1].cursor) == []


def test_appended_rows_are_picked_up(tmp_path: Path):
    path = make_rows(tmp_path, 2)
    cursor = run(path)[-1].cursor
    with path.open("a", encoding="utf-8") as handle:
        handle.write("3,neu\n")
    assert items(run(path, cursor)) == [{"id": "3", "text": "neu"}]


def test_changed_file_starts_over(tmp_path: Path):
    path = make_rows(tmp_path, 5)
    cursor = run(path, batch_size=2)[0].cursor
    path.write_text("id,text\n9,ganz anders\n8,neu\n7,x\n6,y\n5,z\n", encoding="utf-8")
    assert [row["id"] for row in items(run(path, cursor))] == ["9", "8", "7", "6", "5"]


@pytest.mark.parametrize(
    "cursor",
    [{"offset": 10**9, "line": 5, "fingerprint": "x"}, {"offset": "3"}, {"line": 2}],
)
def test_nonsense_cursor_starts_over(tmp_path: Path, cursor: dict[str, Any]):
    path = make_rows(tmp_path, 2)
    assert len(items(run(path, cursor))) == 2


def test_missing_file_and_directory_are_config_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        run(tmp_path / "nope.csv")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(ConfigError, match="is not a file"):
        run(folder)
    with pytest.raises(ConfigError, match="does not exist"):
        FileSource.validate_config({"path": str(tmp_path / "nope.csv")}, Settings())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "the file is empty"),
        ("header.csv", "id,text\n", "no data rows"),
        ("bad.csv", "id,text\n1\n2,\n", "no usable row"),
        ("bad.jsonl", "nonsense\n[]\n", "no JSON object"),
        ("blank.jsonl", "\n\n", "no JSON object"),
    ],
)
def test_file_without_usable_rows_is_a_parse_error(
    tmp_path: Path, name: str, content: str, message: str
):
    path = write(tmp_path, name, content)
    with pytest.raises(ParseError, match=message) as info:
        run(path)
    assert info.value.where == str(path)


def test_no_usable_row_lists_the_first_problems(tmp_path: Path):
    path = write(tmp_path, "bad.csv", "id,text\n1\n2,\n")
    with pytest.raises(ParseError) as info:
        run(path)
    assert "bad.csv:2: row has 1 fields, expected 2" in str(info.value)
    assert "bad.csv:3: empty text" in str(info.value)


def test_many_bad_rows_before_good_ones(tmp_path: Path):
    path = write(tmp_path, "late.csv", "id,text\n" + "x\n" * 1200 + "1,endlich\n")
    batches = run(path, batch_size=100)
    assert items(batches) == [{"id": "1", "text": "endlich"}]
    reasons = skips(batches)
    assert len(reasons) == 1001
    assert reasons[-1] == ("late.csv", "… and 200 more unusable rows")


def test_detect_format(tmp_path: Path):
    assert detect_format(Path("a.JSONL")) == "jsonl"
    assert detect_format(Path("a.ndjson")) == "jsonl"
    assert detect_format(Path("a.csv")) == "csv"
    assert detect_format(Path("a.tsv")) == "germeval"
    with pytest.raises(ConfigError, match=r"cannot tell the format of a\.txt"):
        detect_format(Path("a.txt"))


def test_validate_config_normalises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write(tmp_path, "posts.csv", "id,text\n1,hi\n")
    monkeypatch.chdir(tmp_path)
    config = FileSource.validate_config(
        {"path": "posts.csv", "mapping": "text=text, id=id", "platform": " Twitter ",
         "delimiter": ",", "keep_unmatched": "no"},
        Settings(),
    )  # fmt: skip
    assert config == {
        "path": str(tmp_path / "posts.csv"),
        "format": "csv",
        "mapping": {"text": "text", "id": "id"},
        "platform": "twitter",
        "delimiter": ",",
        "keep_unmatched": False,
    }
    with pytest.raises(ConfigError, match="unknown file option"):
        FileSource.validate_config({"path": "posts.csv", "colour": "red"}, Settings())
    with pytest.raises(ConfigError, match="unknown file format"):
        FileSource.validate_config({"path": "posts.csv", "format": "xml"}, Settings())
    with pytest.raises(ConfigError, match="delimiter"):
        FileSource.validate_config({"path": "posts.csv", "delimiter": ";;"}, Settings())
    assert FileSource.default_name(config) == "posts.csv"


def test_registered_as_plugin():
    classes = source_classes(create_plugin_manager(load_entry_points=False))
    assert classes["file"] is FileSource


def test_overlong_lines_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from resonanz.sources import filerows

    monkeypatch.setattr(filerows, "MAX_LINE_BYTES", 64)
    long_text = "x" * 200
    jsonl = write(tmp_path, "long.jsonl", f'{{"text": "{long_text}"}}\n{{"text": "kurz"}}\n')
    batches = run(jsonl)
    assert items(batches) == [{"text": "kurz"}]
    assert skips(batches) == [("long.jsonl:1", "line longer than 64 bytes")]
    csv_file = write(tmp_path, "long.csv", f"id,text\n1,{long_text}\n2,kurz\n")
    batches = run(csv_file)
    assert items(batches) == [{"id": "2", "text": "kurz"}]
    assert skips(batches) == [("long.csv:2", "line longer than 64 bytes")]
