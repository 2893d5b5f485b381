"""Labelled evaluation data: GermEval 2017, SB10k/PotTS, TweetEval, plain CSV files, and
CSV files labelled with emotions (``emotions``: columns ``text``, ``emotions``, optional
``lang``; emotions are names of the eight separated by ``;``, or ``none``).

Every loader returns a ``Dataset`` of ``Example`` rows. Rows whose label is outside the
three sentiment classes but known to the format ("mixed", "unknown") and rows without
text are left out and counted in ``Dataset.dropped``. Anything else that is wrong (a
broken row, an unknown label, an empty file) raises ``ParseError`` naming file:line, what
is wrong and the allowed labels, listing the first few bad rows at once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from resonanz.analysis.aspectlabels import aspect_items
from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.analysis.emotion_labels import EMOTIONS
from resonanz.errors import ParseError, ValidationError
from resonanz.sources.filerows import MAX_LINE_BYTES, Record, csv_records, read_lines

__all__ = ["DROPPED_LABELS", "FORMATS", "Dataset", "Example", "load_dataset"]

FORMATS: tuple[str, ...] = ("germeval", "sb10k", "tweeteval", "csv", "emotions")
# Labels the corpora use for posts outside the three classes: not an error, left out.
DROPPED_LABELS: tuple[str, ...] = ("mixed", "unknown")
CSV_COLUMNS: tuple[str, ...] = ("text", "label", "lang", "relevant", "aspects")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_TWEETEVAL_LABELS = {"0": "negative", "1": "neutral", "2": "positive"}
_LANG_RE = re.compile(r"[a-z]{2,3}")
_SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class Example:
    """One labelled text. ``label`` is the sentiment (None: not labelled for sentiment);
    ``relevant`` whether it is about the brand (None: not labelled); ``aspects`` are
    "Category#Sub:polarity" strings; ``where`` is "file:line"; ``emotions`` the gold
    emotions of the ``emotions`` format (None: not labelled, empty: none)."""

    text: str
    label: str | None
    lang: str | None
    relevant: bool | None
    aspects: tuple[str, ...]
    where: str
    emotions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Dataset:
    """The usable examples of a file and the rows left out, counted by reason."""

    path: Path
    format: str
    examples: tuple[Example, ...]
    dropped: Mapping[str, int] = field(default_factory=dict)


class _Rows:
    """Collects examples, drops and problems while a file is read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.examples: list[Example] = []
        self.dropped: Counter[str] = Counter()
        self.problems: list[str] = []
        self.problem_count = 0
        self.rows = 0

    def problem(self, line: int, message: str, *, file: Path | None = None) -> None:
        self.problem_count += 1
        if len(self.problems) < _SHOWN_PROBLEMS:
            self.problems.append(f"{(file or self.path).name}:{line}: {message}")

    def where(self, line: int) -> str:
        return f"{self.path.name}:{line}"

    def add(
        self,
        line: int,
        text: str,
        label: str | None,
        *,
        lang: str | None,
        relevant: bool | None = None,
        aspects: tuple[str, ...] = (),
        emotions: tuple[str, ...] | None = None,
    ) -> None:
        """Keep the row, or count it as dropped when it has no text or a dropped label."""
        if not text.strip():
            self.dropped["empty text"] += 1
        elif label in DROPPED_LABELS:
            self.dropped[f"label {label!r}"] += 1
        else:
            self.examples.append(
                Example(text, label, lang, relevant, aspects, self.where(line), emotions)
            )

    def result(self, fmt: str) -> Dataset:
        if self.problem_count:
            more = self.problem_count - len(self.problems)
            listed = "; ".join(self.problems) + (f"; … and {more} more" if more else "")
            raise ParseError(
                f"{self.problem_count} bad row(s) in a {fmt} file: {listed}", where=str(self.path)
            )
        if not self.examples:
            what = "no data rows" if not self.rows else "no usable example"
            detail = ", ".join(f"{n} {reason}" for reason, n in self.dropped.items())
            raise ParseError(
                f"{what} in a {fmt} file" + (f" (dropped: {detail})" if detail else ""),
                where=str(self.path),
            )
        return Dataset(self.path, fmt, tuple(self.examples), dict(self.dropped))


def _allowed(labels: Iterable[str]) -> str:
    return ", ".join(labels)


def _sentiment(value: str, rows: _Rows, line: int, *, dropped_ok: bool = True) -> str | None:
    """The sentiment label of a cell, or None after recording a problem."""
    label = value.strip().lower()
    if label in SENTIMENT_LABELS or (dropped_ok and label in DROPPED_LABELS):
        return label
    allowed = [*SENTIMENT_LABELS, *DROPPED_LABELS] if dropped_ok else SENTIMENT_LABELS
    rows.problem(line, f"unknown sentiment label {value[:40]!r} (allowed: {_allowed(allowed)})")
    return None


def _relevance(value: str, rows: _Rows, line: int) -> bool | None:
    """True/False for a relevance cell; None after recording a problem."""
    flag = value.strip().lower()
    if flag in _TRUE:
        return True
    if flag in _FALSE:
        return False
    rows.problem(line, f"unknown relevance label {value[:40]!r} (allowed: true, false)")
    return None


def _aspects(value: str, rows: _Rows, line: int) -> tuple[str, ...] | None:
    """The "Category#Sub:polarity" items of a cell (``aspectlabels``: GermEval's
    "Category#Sub:polarity" items separated by blanks, or items separated by ";"; empty
    or "none": no aspects); None after recording a problem."""
    try:
        return aspect_items(value)
    except ValueError as exc:
        rows.problem(line, f"aspects: {exc}")
        return None


def _open(path: Path) -> BinaryIO:
    if not path.exists():
        raise ValidationError(f"{path}: no such file")
    if not path.is_file():
        raise ValidationError(f"{path} is not a file")
    try:
        return path.open("rb")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc


def _tsv_lines(handle: BinaryIO, rows: _Rows) -> Iterator[tuple[int, list[str]]]:
    """Non-blank lines split at tabs, no quoting (SB10k quotes are tokens of the text)."""
    for line in read_lines(handle):
        if line.too_long:
            rows.rows += 1
            rows.problem(line.number, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        text = line.text.rstrip("\r\n")
        if text.strip():
            rows.rows += 1
            yield line.number, text.split("\t")


def _records(
    handle: BinaryIO,
    rows: _Rows,
    delimiter: str,
    fields: tuple[int, int],
    *,
    offset: int = 0,
    line: int = 0,
) -> Iterator[Record]:
    """Readable CSV records; unreadable ones are recorded as problems."""
    records = csv_records(handle, offset=offset, line=line, delimiter=delimiter, fields=fields)
    for record in records:
        rows.rows += 1
        if record.problem:
            rows.problem(record.number, record.problem)
        else:
            yield record


def _load_germeval(path: Path) -> Dataset:
    rows = _Rows(path)
    with _open(path) as handle:
        for record in _records(handle, rows, "\t", (4, 5)):
            cells: list[str] = record.value
            line = record.number
            relevant = _relevance(cells[2], rows, line)
            label = _sentiment(cells[3], rows, line, dropped_ok=False)
            aspects = _aspects(cells[4], rows, line) if len(cells) > 4 else ()
            if relevant is not None and label is not None and aspects is not None:
                rows.add(line, cells[1], label, lang="de", relevant=relevant, aspects=aspects)
    return rows.result("germeval")


def _load_sb10k(path: Path) -> Dataset:
    rows = _Rows(path)
    with _open(path) as handle:
        for line, cells in _tsv_lines(handle, rows):
            if len(cells) < 3:
                rows.problem(
                    line,
                    f"row has {len(cells)} tab-separated field(s), expected at least 3 "
                    "(tweet_id, label, text, …)",
                )
                continue
            label = _sentiment(cells[1], rows, line)
            if label is not None:
                rows.add(line, cells[2], label, lang="de")
    return rows.result("sb10k")


def _tweeteval_files(path: Path) -> tuple[Path, Path]:
    """The (texts, labels) pair of a TweetEval directory or of one of its two files."""
    if path.is_dir():
        texts = sorted(path.glob("*_text.txt"))
        if len(texts) != 1:
            found = ", ".join(p.name for p in texts) or "none"
            raise ValidationError(
                f"{path}: expected one *_text.txt file beside its *_labels.txt "
                f"(found: {found}); name the file instead of the folder"
            )
        path = texts[0]
    name = path.name
    if name.endswith("_text.txt"):
        return path, path.with_name(name.removesuffix("_text.txt") + "_labels.txt")
    if name.endswith("_labels.txt"):
        return path.with_name(name.removesuffix("_labels.txt") + "_text.txt"), path
    raise ValidationError(
        f"{path}: a tweeteval dataset is a folder or a *_text.txt / *_labels.txt file"
    )


def _tweeteval_mapping(folder: Path) -> dict[str, str]:
    """Label ids from mapping.txt beside the files, checked; the standard ones without it."""
    mapping_path = folder / "mapping.txt"
    if not mapping_path.is_file():
        return dict(_TWEETEVAL_LABELS)
    mapping: dict[str, str] = {}
    for number, line in enumerate(mapping_path.read_text("utf-8", "replace").splitlines(), 1):
        cells = line.split()
        if not cells:
            continue
        if len(cells) != 2 or cells[1].lower() not in SENTIMENT_LABELS:
            raise ParseError(
                f"expected 'id label' with label one of {_allowed(SENTIMENT_LABELS)}",
                where=f"{mapping_path}:{number}",
            )
        mapping[cells[0]] = cells[1].lower()
    return mapping


def _lines(path: Path, rows: _Rows) -> list[tuple[int, str]]:
    """(number, text) of every line; a line too long to read is a problem and left empty."""
    with _open(path) as handle:
        out = []
        for line in read_lines(handle):
            if line.too_long:
                rows.problem(line.number, f"line longer than {MAX_LINE_BYTES} bytes", file=path)
            out.append((line.number, line.text.rstrip("\r\n")))
        return out


def _load_tweeteval(path: Path) -> Dataset:
    text_path, labels_path = _tweeteval_files(path)
    mapping = _tweeteval_mapping(text_path.parent)
    rows = _Rows(text_path)
    texts = _lines(text_path, rows)
    labels = _lines(labels_path, rows)
    while labels and not labels[-1][1].strip():
        labels.pop()
    if len(texts) != len(labels):
        raise ParseError(
            f"{text_path.name} has {len(texts)} lines but {labels_path.name} has "
            f"{len(labels)}: line n of one must label line n of the other",
            where=str(labels_path),
        )
    allowed = ", ".join(f"{k} ({v})" for k, v in mapping.items())
    for (line, text), (_, raw) in zip(texts, labels, strict=True):
        rows.rows += 1
        label = mapping.get(raw.strip())
        if label is None:
            rows.problem(line, f"unknown label {raw[:40]!r} (allowed: {allowed})", file=labels_path)
        else:
            rows.add(line, text, label, lang="en")
    return rows.result("tweeteval")


def _csv_header(
    handle: BinaryIO, path: Path, labels: tuple[str, ...] = ("label", "relevant", "aspects")
) -> tuple[str, list[str], int]:
    """Delimiter (sniffed among , ; tab), lower-cased column names, header end offset;
    the header must name ``text`` and one of ``labels``."""
    first = next(read_lines(handle), None)
    if first is None or not first.text.strip():
        raise ParseError("the file is empty; a CSV needs a header row", where=str(path))
    counts = {d: first.text.count(d) for d in ",;\t"}
    delimiter = max(counts, key=lambda d: counts[d])
    header = next(
        csv_records(handle, offset=0, line=0, delimiter=delimiter, fields=(1, 1 << 16)), None
    )
    if header is None or header.problem:
        reason = header.problem if header is not None else "no header row"
        raise ParseError(f"cannot read the header row: {reason}", where=f"{path}:1")
    names = [str(name).strip().lower() for name in header.value]
    if "text" not in names or not set(labels) & set(names):
        quoted = [repr(name) for name in labels]
        wanted = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
        raise ParseError(
            f"the header must name a 'text' column and a {wanted} column (optional: lang); "
            f"found: {', '.join(names)[:200]}",
            where=f"{path}:1",
        )
    return delimiter, names, header.end


def _load_csv(path: Path, fmt: str = "csv") -> Dataset:
    rows = _Rows(path)
    # An emotions file is a CSV file whose emotions column is read (and required).
    labels = ("emotions",) if fmt == "emotions" else ("label", "relevant", "aspects")
    known = (*CSV_COLUMNS, *labels)
    with _open(path) as handle:
        delimiter, names, start = _csv_header(handle, path, labels)
        column = {name: names.index(name) for name in known if name in names}
        width = (len(names), len(names))
        for record in _records(handle, rows, delimiter, width, offset=start, line=1):
            _csv_row(rows, record.number, record.value, column)
    return rows.result(fmt)


def _load_emotions(path: Path) -> Dataset:
    return _load_csv(path, "emotions")


def _emotions(value: str, rows: _Rows, line: int) -> tuple[str, ...] | None:
    """The emotions of a cell (names of ``EMOTIONS`` separated by ";", or "none"); None
    after recording a problem."""
    names = [name.strip().lower() for name in value.split(";") if name.strip()]
    if names == ["none"]:
        return ()
    unknown = [name for name in names if name not in EMOTIONS]
    if not names or unknown:
        what = f"unknown emotion {unknown[0][:40]!r}" if unknown else "no emotions"
        rows.problem(line, f"{what} (allowed: {_allowed(EMOTIONS)}, separated by ';', or none)")
        return None
    return tuple(dict.fromkeys(names))


def _csv_row(rows: _Rows, line: int, cells: list[str], column: Mapping[str, int]) -> None:
    def cell(name: str) -> str:
        return cells[column[name]].strip() if name in column else ""

    # An empty label or relevant cell means "not labelled for that task", not an error.
    label = _sentiment(cell("label"), rows, line) if cell("label") else None
    relevant = _relevance(cell("relevant"), rows, line) if cell("relevant") else None
    aspects = _aspects(cell("aspects"), rows, line)
    emotions = _emotions(cell("emotions"), rows, line) if "emotions" in column else None
    lang = cell("lang").lower() or None
    if lang is not None and not _LANG_RE.fullmatch(lang):
        rows.problem(line, f"lang {lang[:20]!r} is not an ISO 639 code like 'de' or 'en'")
        return
    bad = (
        (cell("label") and label is None)
        or (cell("relevant") and relevant is None)
        or ("emotions" in column and emotions is None)
    )
    if not bad and aspects is not None:
        rows.add(
            line,
            cells[column["text"]],
            label,
            lang=lang,
            relevant=relevant,
            aspects=aspects,
            emotions=emotions,
        )


_LOADERS = {
    "germeval": _load_germeval,
    "sb10k": _load_sb10k,
    "tweeteval": _load_tweeteval,
    "csv": _load_csv,
    "emotions": _load_emotions,
}


def load_dataset(path: Path | str, fmt: str) -> Dataset:
    """Read a labelled file in one of ``FORMATS``.

    Raises ValidationError for a missing file or an unknown format and ParseError for
    content that cannot be used (naming file:line and the allowed labels).
    """
    loader = _LOADERS.get(fmt.strip().lower())
    if loader is None:
        raise ValidationError(f"unknown dataset format {fmt!r}; known: {_allowed(FORMATS)}")
    path = Path(path).expanduser()
    if not path.exists():
        raise ValidationError(f"{path}: no such file or folder")
    return loader(path)
