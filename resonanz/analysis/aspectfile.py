"""Aspect category files (TOML or JSON): read, check, and say exactly where they are wrong.

A file is a list of categories, each with ``name`` and ``terms`` and optionally
``negative``/``positive`` (terms that name a problem or praise by themselves),
``exclude``, ``polarity`` ("clause" or "document") and ``germeval``; the shipped
template ``resonanz/data/aspects/railway.toml`` documents the keys. TOML files write
``[[category]]`` tables; JSON files ``{"category": [{...}, ...]}`` or the bare list.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from resonanz.analysis.terms import Term, parse_term
from resonanz.errors import ConfigError, ValidationError

__all__ = [
    "POLARITY_SCOPES",
    "AspectCategory",
    "default_categories",
    "load_categories",
    "parse_categories",
    "read_category_file",
    "template_text",
]

POLARITY_SCOPES: tuple[str, ...] = ("clause", "document")
MAX_FILE_BYTES = 5_000_000
_KEYS = frozenset({"name", "terms", "negative", "positive", "exclude", "polarity", "germeval"})


@dataclass(frozen=True)
class AspectCategory:
    """One aspect category: its name; terms (neutral ones, and those that name a problem
    or praise by themselves); excluded words; polarity scope; and the GermEval 2017
    category it stands for (None: compared by name)."""

    name: str
    terms: tuple[Term, ...]
    negative: tuple[Term, ...] = ()
    positive: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()
    polarity: str = "clause"
    germeval: str | None = None


class _Locator:
    """Finds the line a category or a value is written on, for error messages."""

    def __init__(self, where: str, text: str, *, toml: bool) -> None:
        self.where = where
        self.lines = text.splitlines()
        self.toml = toml

    def category_line(self, index: int, name: Any) -> int:
        if self.toml:
            headers = [i for i, line in enumerate(self.lines) if line.strip() == "[[category]]"]
            if index < len(headers):
                return headers[index] + 1
        needle = json.dumps(name, ensure_ascii=False) if isinstance(name, str) else None
        return self.line_of(needle, 1) if needle else 1

    def line_of(self, needle: str | None, start: int) -> int:
        """The first line at or after ``start`` (1-based) containing needle, else start."""
        if needle:
            for number in range(start, len(self.lines) + 1):
                if needle in self.lines[number - 1]:
                    return number
        return start

    def error(self, line: int, message: str) -> ConfigError:
        return ConfigError(f"{self.where}:{line}: {message}")


def _terms(values: Any, key: str, label: str, locator: _Locator, line: int) -> tuple[Term, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        raise locator.error(
            locator.line_of(key, line), f"{label}: '{key}' must be a list of strings"
        )
    terms: list[Term] = []
    for number, value in enumerate(values, 1):
        if not isinstance(value, str):
            raise locator.error(
                line, f"{label}: {key}[{number}] is {type(value).__name__}, not a string"
            )
        try:
            terms.append(parse_term(value))
        except ValidationError as exc:
            at = locator.line_of(json.dumps(value, ensure_ascii=False), line)
            raise locator.error(at, f"{label}: {key}[{number}]: {exc}") from None
    return tuple(terms)


def _category(raw: Any, index: int, locator: _Locator, seen: set[str]) -> AspectCategory:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    line = locator.category_line(index, name)
    label = f"category {index + 1}" + (f" ({name!r})" if isinstance(name, str) else "")
    if not isinstance(raw, Mapping):
        raise locator.error(line, f"{label} is {type(raw).__name__}, not a table/object")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise locator.error(
            locator.line_of(unknown[0], line),
            f"{label}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})",
        )
    if not isinstance(name, str) or not name.strip():
        raise locator.error(line, f"{label}: 'name' must be a non-empty string")
    if name.strip().casefold() in seen:
        raise locator.error(line, f"{label}: the name {name!r} is used twice")
    seen.add(name.strip().casefold())
    polarity = raw.get("polarity", "clause")
    if polarity not in POLARITY_SCOPES:
        raise locator.error(
            locator.line_of("polarity", line),
            f"{label}: 'polarity' must be one of {', '.join(POLARITY_SCOPES)}, not {polarity!r}",
        )
    germeval = raw.get("germeval")
    if germeval is not None and (not isinstance(germeval, str) or not germeval.strip()):
        raise locator.error(line, f"{label}: 'germeval' must be a non-empty string")
    lists = {
        key: _terms(raw.get(key), key, label, locator, line)
        for key in ("terms", "negative", "positive", "exclude")
    }
    if not (lists["terms"] or lists["negative"] or lists["positive"]):
        raise locator.error(
            line, f"{label}: no terms (give 'terms', 'negative' or 'positive' a list of words)"
        )
    return AspectCategory(
        name=name.strip(),
        terms=lists["terms"],
        negative=lists["negative"],
        positive=lists["positive"],
        exclude=lists["exclude"],
        polarity=polarity,
        germeval=germeval.strip() if germeval else None,
    )


def parse_categories(text: str, where: str, *, fmt: str) -> tuple[AspectCategory, ...]:
    """Categories from the text of a file (``fmt`` "toml" or "json"); ConfigError naming
    ``where`` and the line."""
    locator = _Locator(where, text, toml=fmt == "toml")
    data: Any
    if fmt == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise locator.error(exc.lineno, f"not valid JSON: {exc.msg}") from None
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"category"})
        if unknown:
            raise locator.error(
                locator.line_of(unknown[0], 1),
                f"unknown top-level key {unknown[0]!r}; categories go in [[category]] tables "
                '(TOML) or a "category" list (JSON)',
            )
        data = data.get("category")
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{where}: no categories (write at least one [[category]])")
    seen: set[str] = set()
    return tuple(_category(raw, i, locator, seen) for i, raw in enumerate(data))


def read_category_file(path: Path | str) -> str:
    """The text of a category file; ConfigError when it is missing, too large, not UTF-8
    or unreadable."""
    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: {size} bytes; a category file may have {MAX_FILE_BYTES}")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"aspect category file {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read aspect category file {path}: {exc.strerror}") from None


def load_categories(path: Path | str) -> tuple[AspectCategory, ...]:
    """Read a category file (``.json`` is JSON, anything else TOML); ConfigError with the
    file and line of what is wrong."""
    path = Path(path).expanduser()
    text = read_category_file(path)
    return parse_categories(text, str(path), fmt="json" if path.suffix == ".json" else "toml")


def template_text() -> str:
    """The shipped template's text (TOML, with its comments): a start for your own file."""
    return (
        resources.files("resonanz").joinpath("data", "aspects", "railway.toml").read_text("utf-8")
    )


@lru_cache(maxsize=1)
def default_categories() -> tuple[AspectCategory, ...]:
    """The shipped template: categories of a railway or public-transport brand."""
    return parse_categories(template_text(), "resonanz/data/aspects/railway.toml", fmt="toml")
