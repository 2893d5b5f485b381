"""Labels files (CSV) for the workspace's classifiers: layouts, labels, problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from resonanz.analysis.labelfiles import NewExample, read_labels
from resonanz.errors import ParseError, ValidationError


def _file(tmp_path: Path, content: str, name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def test_texts_with_language_and_any_delimiter(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        '\ufeffLabel;Text;lang\nPositive;"Super, danke";DE\nnegative;Zu spät;\n\n',
    )
    assert read_labels(path, "sentiment") == [
        NewExample(label="positive", text="Super, danke", lang="de", where="labels.csv:2"),
        NewExample(label="negative", text="Zu spät", where="labels.csv:3"),
    ]


def test_mentions_texts_and_relevance_words(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "mention_id\ttext\trelevant\n12\t\tyes\n\tDie Rodelbahn ist offen\tNo\n7\tignored\t1\n",
    )
    assert read_labels(path, "relevance") == [
        NewExample(label="true", mention_id=12, where="labels.csv:2"),
        NewExample(label="false", text="Die Rodelbahn ist offen", where="labels.csv:3"),
        NewExample(label="true", mention_id=7, where="labels.csv:4"),
    ]


def test_every_bad_row_is_named(tmp_path: Path) -> None:
    rows = ["text,label"] + [f"Satz {i},{'great' if i % 2 else 'neutral'}" for i in range(14)]
    path = _file(tmp_path, "\n".join([*rows, ",positive", "nur ein Feld"]) + "\n")
    with pytest.raises(ParseError) as info:
        read_labels(path, "sentiment")
    message = str(info.value)
    assert "9 bad row(s), nothing imported" in message
    assert (
        "labels.csv:3: unknown sentiment label 'great' (allowed: negative, neutral, positive)"
        in message
    )
    assert "… and 4 more" in message  # the empty text and the one-field row among them


@pytest.mark.parametrize(
    ("content", "task", "error", "message"),
    [
        ("", "sentiment", ParseError, "the file is empty"),
        ("text,label\n", "sentiment", ParseError, "no labelled rows"),
        ("text,relevant\nx,true\n", "sentiment", ParseError, "a 'label' column"),
        ("label,lang\npositive,de\n", "sentiment", ParseError, "'text' or 'mention_id'"),
        ("mention_id,label\n1,true\n", "emotion", ValidationError, "unknown task 'emotion'"),
        ("text,sentiment\nx,none\n", "aspects", ParseError, "'aspects' or 'label' column"),
        ("mention_id,label\n-3,true\n", "relevance", ParseError, "'-3' is not a number"),
        ("text,mention_id,label\n,,true\n", "relevance", ParseError, "no text and no mention_id"),
    ],
)
def test_unusable_files(
    tmp_path: Path, content: str, task: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        read_labels(_file(tmp_path, content), task)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        read_labels(tmp_path / "nope.csv", "sentiment")


def test_aspect_labels_any_syntax_and_empty_cells(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "text\taspects\tlang\n"
        "Zug zu spät, Ticket teuer\tZugfahrt#Haupt:negative Preis#Haupt:Negative\tde\n"
        "Schönes Wetter\t\t\n"
        "Kein Thema\tnone\t\n"
        'Naja\t"Pünktlichkeit und Zugfahrt:neutral; Allgemein:positive"\t\n',
    )
    assert read_labels(path, "aspects") == [
        NewExample(
            label="Preis:negative;Zugfahrt:negative",
            text="Zug zu spät, Ticket teuer",
            lang="de",
            where="labels.csv:2",
        ),
        NewExample(label="none", text="Schönes Wetter", where="labels.csv:3"),
        NewExample(label="none", text="Kein Thema", where="labels.csv:4"),
        NewExample(
            label="Allgemein:positive;Pünktlichkeit und Zugfahrt:neutral",
            text="Naja",
            where="labels.csv:5",
        ),
    ]
    # A 'label' column serves as well; mention ids as for the other tasks.
    plain = _file(tmp_path, "mention_id;label\n12;Preis:positive\n", name="plain.csv")
    assert read_labels(plain, "aspects") == [
        NewExample(label="Preis:positive", mention_id=12, where="plain.csv:2")
    ]


def test_bad_aspect_labels_are_named(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "text,aspects\nGut,Preis:positive\nSchlecht,Preis:furchtbar\nLeer,\nOhne,Zugfahrt\n",
    )
    with pytest.raises(ParseError) as info:
        read_labels(path, "aspects")
    message = str(info.value)
    assert "2 bad row(s), nothing imported" in message
    assert "labels.csv:3: bad aspects label 'Preis:furchtbar': cannot read" in message
    assert "labels.csv:5: bad aspects label 'Zugfahrt'" in message
    # An empty label cell is a 'none' label only for aspects.
    sentiment = _file(tmp_path, "text,label\nGut,\n", name="s.csv")
    with pytest.raises(ParseError, match=r"s.csv:2: unknown sentiment label ''"):
        read_labels(sentiment, "sentiment")
