"""File import: JSONL, CSV and GermEval 2017 TSV, in batches, resumable by byte offset.

The cursor is ``{"offset", "line", "size", "fingerprint"}``: the byte offset and line
number after the last stored batch, the file size then, and the SHA-256 of the file's
first 4 KiB (or of everything before ``offset`` when that is shorter). A fetch resumes at
``offset`` when the fingerprint still matches, else it starts over (the store's dedupe
keeps that from duplicating anything).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from resonanz.config import Settings, parse_bool
from resonanz.errors import ConfigError, ParseError
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.columns import check_fields, lookup, resolve_mapping
from resonanz.sources.filerows import Record, csv_records, jsonl_records, read_lines

__all__ = ["FORMATS", "GERMEVAL_COLUMNS", "FileSource", "detect_format", "register_sources"]

FORMATS: tuple[str, ...] = ("jsonl", "csv", "germeval")
GERMEVAL_COLUMNS: tuple[str, ...] = ("url", "text", "relevant", "sentiment", "aspects")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "germeval"}
_CONFIG_KEYS = ("path", "format", "mapping", "platform", "delimiter", "keep_unmatched")
_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_FINGERPRINT_BYTES = 4096
_SAMPLE_LINES = 1000
_HELD_SKIPS = 1000


def detect_format(path: Path) -> str:
    """The format implied by a file's extension (.jsonl/.ndjson, .csv, .tsv -> germeval)."""
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise ConfigError(
            f"cannot tell the format of {path.name} from its extension; "
            f"set format to one of {', '.join(FORMATS)}"
        ) from None


def _fingerprint(head: bytes, upto: int) -> str:
    """SHA-256 of the file's first 4 KiB, or of its first ``upto`` bytes when fewer."""
    return hashlib.sha256(head[: min(_FINGERPRINT_BYTES, upto)]).hexdigest()


def _flat_keys(obj: Mapping[str, Any], prefix: str = "", depth: int = 0) -> Iterator[str]:
    for key, value in obj.items():
        if isinstance(value, Mapping) and depth < 2:
            yield from _flat_keys(value, f"{prefix}{key}.", depth + 1)
        else:
            yield f"{prefix}{key}"


def _delimiter(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = _DELIMITERS.get(str(value).lower(), str(value))
    if len(text) != 1 or text in '"\r\n':
        raise ConfigError(f"delimiter must be one character (or tab), not {value!r}")
    return text


def _parse_mapping(value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs = [p.partition("=") for p in value.split(",") if p.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise ConfigError(f"mapping {value!r} is not of the form field=column,...")
        value = {k.strip(): v.strip() for k, sep, v in pairs}
    if not isinstance(value, Mapping):
        raise ConfigError("mapping must be {mention field: column}")
    return check_fields(value)


@dataclass(frozen=True)
class _Layout:
    """What the head of a file says: resolved mapping, delimiter, where the data starts."""

    mapping: dict[str, str]
    delimiter: str = ","
    header: tuple[str, ...] = ()
    data_offset: int = 0
    data_line: int = 0


class FileSource:
    """Rows of a JSONL, CSV or GermEval TSV file, imported in batches of ``batch_size``."""

    kind: ClassVar[str] = "file"

    def __init__(self, config: Mapping[str, Any], settings: Settings) -> None:
        if not isinstance(config.get("path"), str) or not config["path"]:
            raise ConfigError("a file source needs a 'path'")
        self.path = Path(config["path"]).expanduser()
        self.format = str(config.get("format") or detect_format(self.path))
        if self.format not in FORMATS:
            raise ConfigError(f"unknown file format {self.format!r}; known: {', '.join(FORMATS)}")
        self.mapping = _parse_mapping(config.get("mapping"))
        platform = config.get("platform")
        self.platform = str(platform).strip().lower() if platform else None
        self.delimiter = _delimiter(config.get("delimiter"))
        self._settings = settings
        if self.format == "germeval" and self.mapping:
            raise ConfigError("the germeval format has fixed columns; drop the mapping")

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check path, format, mapping (against the file's columns); return it normalised."""
        unknown = sorted(set(config) - set(_CONFIG_KEYS))
        if unknown:
            raise ConfigError(
                f"unknown file option(s) {', '.join(unknown)}; known: {', '.join(_CONFIG_KEYS)}"
            )
        raw_path = config.get("path")
        if not isinstance(raw_path, str) or not raw_path.strip():
            raise ConfigError("a file source needs a 'path'")
        fmt = config.get("format")
        result: dict[str, Any] = {
            "path": str(Path(raw_path.strip()).expanduser().resolve()),
            "format": str(fmt).strip().lower() if fmt else None,
        }
        if config.get("mapping"):
            result["mapping"] = _parse_mapping(config["mapping"])
        if config.get("platform"):
            platform = str(config["platform"]).strip().lower()
            if not re.fullmatch(r"[a-z0-9_.-]+", platform):
                raise ConfigError(f"platform {platform!r} must be a short name like 'twitter'")
            result["platform"] = platform
        if config.get("delimiter"):
            result["delimiter"] = _delimiter(config["delimiter"])
        if "keep_unmatched" in config:
            result["keep_unmatched"] = parse_bool(config["keep_unmatched"], "keep_unmatched")
        source = cls({k: v for k, v in result.items() if v is not None}, settings)
        result["format"] = source.format
        with source._open() as handle:
            if source.path.stat().st_size:
                source._layout(handle)
        return {k: v for k, v in result.items() if v is not None}

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """The file's name."""
        return Path(str(config.get("path", "file"))).name

    def _open(self) -> BinaryIO:
        if not self.path.exists():
            raise ConfigError(f"file {self.path} does not exist")
        if not self.path.is_file():
            raise ConfigError(f"{self.path} is not a file")
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from exc

    def _layout(self, handle: BinaryIO) -> _Layout:
        where = str(self.path)
        if self.format == "germeval":
            mapping = {"id": "url", "url": "url", "text": "text"}
            return _Layout(mapping, delimiter=self.delimiter or "\t")
        if self.format == "jsonl":
            keys: list[str] = []
            for record in islice(jsonl_records(read_lines(handle)), _SAMPLE_LINES):
                if isinstance(record.value, dict):
                    keys.extend(k for k in _flat_keys(record.value) if k not in keys)
            if not keys:
                raise ParseError(f"no JSON object in the first {_SAMPLE_LINES} lines", where=where)
            return _Layout(resolve_mapping(keys, self.mapping, where=where))
        first = next(read_lines(handle), None)
        delimiter = self.delimiter
        if delimiter is None:
            counts = {d: (first.text.count(d) if first else 0) for d in ",;\t|"}
            best = max(counts, key=lambda d: counts[d])
            delimiter = best if counts[best] else ","
        header = next(
            csv_records(handle, offset=0, line=0, delimiter=delimiter, fields=(1, 1 << 20)), None
        )
        if header is None or header.problem or not isinstance(header.value, list):
            reason = header.problem if header is not None else "the file is empty"
            raise ParseError(f"cannot read the header row: {reason}", where=where)
        names: list[str] = []
        for index, name in enumerate(header.value, start=1):
            name = name.strip() or f"column_{index}"
            base, count = name, 1
            while name in names:
                count += 1
                name = f"{base}_{count}"
            names.append(name)
        mapping = resolve_mapping(names, self.mapping, where=where)
        return _Layout(mapping, delimiter, tuple(names), header.end, header.last_line.number)

    def _resume(
        self, head: bytes, size: int, cursor: Mapping[str, Any], layout: _Layout
    ) -> tuple[int, int]:
        offset, line = cursor.get("offset"), cursor.get("line")
        if (
            isinstance(offset, int)
            and isinstance(line, int)
            and layout.data_offset <= offset <= size
            and cursor.get("fingerprint") == _fingerprint(head, offset)
        ):
            return offset, line
        return layout.data_offset, layout.data_line

    def _records(
        self, handle: BinaryIO, layout: _Layout, offset: int, line: int
    ) -> Iterator[Record]:
        if self.format == "jsonl":
            return jsonl_records(read_lines(handle, offset=offset, line=line))
        fields = (2, 5) if self.format == "germeval" else (len(layout.header),) * 2
        return csv_records(
            handle, offset=offset, line=line, delimiter=layout.delimiter, fields=fields
        )

    def _item(self, record: Record, layout: _Layout, context: Mapping[str, Any]) -> RawItem | str:
        """The raw item for a record, or why the record is unusable."""
        if record.problem:
            return record.problem
        if self.format == "jsonl":
            payload: dict[str, Any] = record.value
        elif self.format == "germeval":
            payload = dict(zip(GERMEVAL_COLUMNS, record.value, strict=False))
            if not payload["url"].strip():
                return "no URL (a GermEval row's id)"
        else:
            payload = dict(zip(layout.header, record.value, strict=True))
        text = lookup(payload, layout.mapping["text"])
        if text is None or not str(text).strip() or isinstance(text, dict | list):
            return f"empty text (column {layout.mapping['text']!r})"
        return RawItem(
            kind=self.format,
            payload=payload,
            fetched_at=datetime.now(UTC),
            origin=f"{context['file']}:{record.number}",
            context=context,
        )

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Yield batches of rows from the cursor on; ParseError when no row is usable."""
        with self._open() as handle:
            size = self.path.stat().st_size
            if size == 0:
                raise ParseError("the file is empty", where=str(self.path))
            head = handle.read(_FINGERPRINT_BYTES)
            layout = self._layout(handle)
            offset, line = self._resume(head, size, cursor, layout)
            batches = self._batches(handle, layout, offset, line, head=head, size=size)
            yield from batches

    def _batches(
        self, handle: BinaryIO, layout: _Layout, offset: int, line: int, *, head: bytes, size: int
    ) -> Iterator[FetchedBatch]:
        from_start = offset == layout.data_offset
        context = {"mapping": layout.mapping, "platform": self.platform, "file": self.path.name}
        items: list[RawItem] = []
        skipped: list[Skipped] = []
        extra_skips = 0
        usable = False
        records = 0
        position = (offset, line)
        name = self.path.name
        for record in self._records(handle, layout, offset, line):
            records += 1
            result = self._item(record, layout, context)
            if isinstance(result, RawItem):
                usable = True
                items.append(result)
                if record.notes:
                    where = f"{name}:{record.number}"
                    skipped.extend(Skipped(where, note) for note in record.notes)
            elif len(skipped) < _HELD_SKIPS or usable:
                skipped.append(Skipped(f"{name}:{record.number}", result))
            else:
                extra_skips += 1
            if record.problem and not record.last_line.terminated:
                # A broken last line may be a file still being written: leave the cursor
                # before it so the next run reads it again once it is complete.
                position = (record.start, record.number - 1)
            else:
                position = (record.end, record.last_line.number)
            if (usable or not from_start) and len(items) + len(
                skipped
            ) >= self._settings.batch_size:
                yield self._batch(items, skipped, position, extra_skips, head=head, size=size)
                items, skipped, extra_skips = [], [], 0
        if not usable and from_start:
            if not records:
                raise ParseError("the file has no data rows", where=str(self.path))
            shown = "; ".join(f"{s.where}: {s.reason}" for s in skipped[:5])
            raise ParseError(
                f"no usable row ({len(skipped) + extra_skips} unusable): {shown}",
                where=str(self.path),
            )
        if items or skipped or position != (offset, line):
            yield self._batch(items, skipped, position, extra_skips, head=head, size=size)

    def _batch(
        self,
        items: list[RawItem],
        skipped: list[Skipped],
        position: tuple[int, int],
        extra_skips: int,
        *,
        head: bytes,
        size: int,
    ) -> FetchedBatch:
        if extra_skips:
            skipped = [*skipped, Skipped(self.path.name, f"… and {extra_skips} more unusable rows")]
        cursor = {
            "offset": position[0],
            "line": position[1],
            "size": size,
            "fingerprint": _fingerprint(head, position[0]),
        }
        return FetchedBatch(items=tuple(items), cursor=cursor, skipped=tuple(skipped))


@hookimpl
def register_sources() -> list[Any]:
    """Register the file import source."""
    return [FileSource]
