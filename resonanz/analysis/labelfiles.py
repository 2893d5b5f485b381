"""Read a labels file (CSV) for a workspace-trained classifier: `resonanz labels import`.

The header names the columns, in any order (comma, semicolon or tab separated):

- ``text,label[,lang]``: labelled texts;
- ``mention_id,label``: labels of stored mentions (their text is read from the store);
- both ``text`` and ``mention_id``: rows with a mention id label that mention, rows
  without one label their text.

For relevance the label column may be called ``relevant``; its values are true/false
(also 1/0, yes/no). For aspects it may be called ``aspects``; its values are aspect labels
(``Category:polarity`` items separated by blanks or ``;``, see ``aspectlabels``), and an
empty cell there labels a text that names no category (``none``); for the other tasks an
empty label is an error. Labels are checked and stored in the form ``tasklabels`` gives
them. Every problem (a broken row, an unknown label, an empty text, a
mention id that is not a number) is collected and reported at once with file:line, and
then nothing is imported.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from resonanz.analysis.tasklabels import canonical_label
from resonanz.errors import ParseError, ValidationError
from resonanz.sources.filerows import csv_records, read_lines

__all__ = ["LABEL_COLUMNS", "NewExample", "read_labels"]

LABEL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "sentiment": ("label",),
    "relevance": ("label", "relevant"),
    "aspects": ("aspects", "label"),
}
_SHOWN = 5
_KNOWN = frozenset({"text", "label", "relevant", "aspects", "lang", "mention_id"})
_MAX_COLUMNS = 1 << 10


@dataclass(frozen=True)
class NewExample:
    """A label to store: for a ``mention_id`` (its text is read from the mention) or for
    a bare ``text``. ``where`` (file:line) names it in error messages."""

    label: str
    text: str | None = None
    mention_id: int | None = None
    lang: str | None = None
    where: str = ""


def _header(handle: BinaryIO, path: Path, task: str) -> tuple[str, dict[str, int], int]:
    """Delimiter, {column: index} and the byte offset after the header.

    The delimiter is the one of comma, semicolon and tab that splits the header into the
    most column names this reader knows (a comma, then a semicolon, on a tie).
    """
    first = next(read_lines(handle), None)
    if first is None or not first.text.strip():
        raise ParseError("the file is empty; a labels file needs a header row", where=str(path))
    candidates: dict[str, list[str]] = {}
    for delimiter in ",;\t":
        try:
            cells = next(csv.reader([first.text.strip("\r\n")], delimiter=delimiter), [])
        except csv.Error as exc:
            raise ParseError(f"cannot read the header row: {exc}", where=f"{path}:1") from exc
        candidates[delimiter] = [cell.strip().lower() for cell in cells]
    delimiter = max(candidates, key=lambda d: len(_KNOWN.intersection(candidates[d])))
    names = candidates[delimiter]
    columns = {name: i for i, name in reversed(list(enumerate(names)))}
    label_names = LABEL_COLUMNS[task]
    label = next((name for name in label_names if name in columns), None)
    if label is None or not {"text", "mention_id"} & columns.keys():
        raise ParseError(
            f"the header must name a {' or '.join(map(repr, label_names))} column and a "
            f"'text' or 'mention_id' column (optional: lang); found: {', '.join(names)[:200]}",
            where=f"{path}:1",
        )
    columns["label"] = columns[label]
    return delimiter, columns, first.end


def _rows(path: Path, task: str) -> Iterator[tuple[int, str | None, list[str], dict[str, int]]]:
    """(line, problem, cells, columns) of every data row."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        delimiter, columns, start = _header(handle, path, task)
        width = (max(columns.values()) + 1, _MAX_COLUMNS)
        for record in csv_records(handle, offset=start, line=1, delimiter=delimiter, fields=width):
            yield record.number, record.problem, list(record.value or []), columns


def _example(
    task: str, where: str, cells: list[str], columns: Mapping[str, int]
) -> NewExample | str:
    """The example of one row, or what is wrong with it."""

    def cell(name: str) -> str:
        return cells[columns[name]].strip() if name in columns else ""

    try:
        label = canonical_label(task, cell("label"))
    except ValueError as exc:
        return str(exc)
    lang = cell("lang").lower() or None
    mention = cell("mention_id")
    if mention:
        if not mention.isdigit():
            return f"mention_id {mention[:20]!r} is not a number"
        return NewExample(label=label, mention_id=int(mention), lang=lang, where=where)
    text = cells[columns["text"]] if "text" in columns else ""
    if not text.strip():
        return "no text" + (" and no mention_id" if "mention_id" in columns else "")
    return NewExample(label=label, text=text, lang=lang, where=where)


def read_labels(path: Path | str, task: str) -> list[NewExample]:
    """Every labelled row of a CSV file for ``task`` (sentiment, relevance or aspects).

    ParseError lists the bad rows (file:line and what is wrong, the first few of them);
    ValidationError for an unknown task or a file that cannot be read.
    """
    if task not in LABEL_COLUMNS:
        raise ValidationError(f"unknown task {task!r}; known: {', '.join(LABEL_COLUMNS)}")
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    examples: list[NewExample] = []
    problems: list[str] = []
    for line, problem, cells, columns in _rows(path, task):
        where = f"{path.name}:{line}"
        found = problem or _example(task, where, cells, columns)
        if isinstance(found, str):
            problems.append(f"{where}: {found}")
        else:
            examples.append(found)
    if problems:
        more = f"; … and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise ParseError(
            f"{len(problems)} bad row(s), nothing imported: {'; '.join(problems[:_SHOWN])}{more}",
            where=str(path),
        )
    if not examples:
        raise ParseError("no labelled rows below the header", where=str(path))
    return examples
