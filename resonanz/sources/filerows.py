"""Read JSONL and CSV/TSV records from a binary file, with byte offsets for resuming.

Lines are decoded one by one (UTF-8, else Windows-1252, else Latin-1) so one bad line
cannot spoil a file. CSV records may span lines (quoted line breaks); a stray quote that
swallows following lines is detected and only its first line is given up.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

__all__ = ["Line", "Record", "csv_records", "jsonl_records", "read_lines"]

MAX_LINE_BYTES = 16 * 1024 * 1024
# A quoted field spanning more lines than this is taken to be a stray quote.
MAX_RECORD_LINES = 1000
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Line:
    """One physical line: 1-based number, byte span, decoded text (with its line break)."""

    number: int
    start: int
    end: int
    text: str
    encoding: str = "utf-8"
    too_long: bool = False

    @property
    def terminated(self) -> bool:
        """Whether the line ends with a line break (False: last line, maybe truncated)."""
        return self.text.endswith("\n")


@dataclass(frozen=True)
class Record:
    """One logical record: the lines it spans, its value or why it is unusable."""

    lines: tuple[Line, ...]
    value: Any = None
    problem: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def number(self) -> int:
        """Line number where the record starts."""
        return self.lines[0].number

    @property
    def start(self) -> int:
        """Byte offset where the record starts."""
        return self.lines[0].start

    @property
    def end(self) -> int:
        """Byte offset after the record."""
        return self.lines[-1].end

    @property
    def last_line(self) -> Line:
        """The record's last physical line."""
        return self.lines[-1]


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def read_lines(handle: BinaryIO, *, offset: int = 0, line: int = 0) -> Iterator[Line]:
    """Yield lines from byte ``offset``; ``line`` is the number of lines before it."""
    handle.seek(offset)
    position, number = offset, line
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        start = position
        too_long = len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n")
        if too_long:
            position += len(raw)
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(MAX_LINE_BYTES)
                position += len(raw)
            text, encoding = ("\n" if raw else ""), "utf-8"
        else:
            position += len(raw)
            if start == 0 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            text, encoding = _decode(raw)
        number += 1
        yield Line(number, start, position, text, encoding, too_long)


def _notes(lines: tuple[Line, ...]) -> tuple[str, ...]:
    fallback = sorted({ln.encoding for ln in lines if ln.encoding != "utf-8"})
    if not fallback:
        return ()
    names = {"cp1252": "Windows-1252", "latin-1": "Latin-1"}
    used = " / ".join(names.get(e, e) for e in fallback)
    return (f"not valid UTF-8: imported, decoded as {used}",)


def jsonl_records(lines: Iterator[Line]) -> Iterator[Record]:
    """One record per non-blank line: a JSON object, or a problem."""
    for line in lines:
        if line.too_long:
            yield Record((line,), problem=f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        if not line.text.strip():
            continue
        notes = () if line.encoding == "utf-8" else _notes((line,))
        try:
            value = json.loads(line.text)
        except json.JSONDecodeError as exc:
            problem = f"invalid JSON: {exc.msg} (column {exc.colno})"
            if not line.terminated:
                problem = f"truncated last line ({problem})"
            yield Record((line,), problem=problem, notes=notes)
            continue
        if not isinstance(value, dict):
            yield Record(
                (line,), problem=f"expected a JSON object, got {type(value).__name__}", notes=notes
            )
            continue
        yield Record((line,), value=value, notes=notes)


class _RunawayRecord(Exception):
    """A quoted field ran over too many lines (a stray quote, most likely)."""


class _Feed:
    """Line iterator for csv.reader that remembers which lines the current record used."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self.used: list[Line] = []

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.used.append(line)
        if len(self.used) > MAX_RECORD_LINES or line.too_long:
            raise _RunawayRecord
        return line.text


def csv_records(
    handle: BinaryIO,
    *,
    offset: int,
    line: int,
    delimiter: str,
    fields: tuple[int, int],
) -> Iterator[Record]:
    """CSV/TSV records from ``offset``: a list of strings with ``fields`` (min, max) items.

    Blank lines are skipped. A record spanning several lines with the wrong number of
    fields or an odd number of quotes is a stray quote: its first line is reported and
    reading restarts after it.
    """
    lowest, highest = fields
    while True:
        feed = _Feed(read_lines(handle, offset=offset, line=line))
        reader = csv.reader(feed, delimiter=delimiter)
        restart: Line | None = None
        while True:
            feed.used = []
            problem = None
            row: list[str] = []
            try:
                row = next(reader)
            except StopIteration:
                if not feed.used:
                    return
            except csv.Error as exc:
                problem = f"unreadable CSV ({exc})"
            except _RunawayRecord:
                restart = feed.used[0]
                break
            used = tuple(feed.used)
            if not used:
                return
            if not problem and not row:
                continue
            if len(used) > 1 and (
                problem
                or not lowest <= len(row) <= highest
                or sum(ln.text.count('"') for ln in used) % 2
            ):
                restart = used[0]  # a quote opened and never closed properly
                break
            if not problem and not lowest <= len(row) <= highest:
                expected = str(lowest) if lowest == highest else f"{lowest} to {highest}"
                problem = f"row has {len(row)} fields, expected {expected}"
                if not used[-1].terminated:
                    problem = f"truncated last line ({problem})"
            if problem:
                yield Record(used, problem=problem, notes=_notes(used))
            else:
                yield Record(used, value=row, notes=_notes(used))
        # Give up the first line of the runaway record and re-read from the next one.
        if restart.too_long:
            problem = f"line longer than {MAX_LINE_BYTES} bytes"
        else:
            problem = "unbalanced quote: a quoted field opens here and never closes properly"
        yield Record((restart,), problem=problem, notes=_notes((restart,)))
        offset, line = restart.end, restart.number
