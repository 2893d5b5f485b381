"""Translate an FtsExpr into SQLite FTS5 MATCH syntax or a PostgreSQL tsquery.

The result must select a superset of the mentions whose ``search_text`` satisfies the
expression (exact evaluation happens in Python). Every word is quoted, so words such as
``and``, ``or``, ``not`` and ``near`` are never read as operators. A word whose tokenisation
by the database could differ from ours is dropped (treated as "true"): that only widens
the selection. A result of None means "no full-text constraint".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from resonanz.query.text import WORD_RE
from resonanz.store.base import FtsExpr

# PostgreSQL ignores lexemes of 2 KiB and more; stay well below.
_MAX_WORD_BYTES = 1000


@dataclass(frozen=True)
class _Words:
    """One word, or several in a row (a phrase); ``prefix`` applies to the last."""

    words: tuple[str, ...]
    prefix: bool


@dataclass(frozen=True)
class _Bool:
    """All (and) or any (or) of two or more children."""

    op: Literal["and", "or"]
    children: tuple[_Words | _Bool, ...]


_Node = _Words | _Bool


def _safe_char(char: str) -> bool:
    """True when both databases surely treat the character as part of a word.

    ASCII letters and digits always are. Other letters are when they were letters as early
    as Unicode 3.2: SQLite's unicode61 tokenizer knows Unicode 6.1, so a letter encoded later
    would be a separator there. Non-ASCII digits and numerals are left out.
    """
    if char.isascii():
        return char.isalnum()
    return char.isalpha() and unicodedata.ucd_3_2_0.category(char).startswith("L")


def _safe(word: str) -> bool:
    return all(map(_safe_char, word)) and len(word.encode()) <= _MAX_WORD_BYTES


def _phrase(words: list[str], prefix: bool) -> _Node | None:
    """Words in a row; unsafe words split the phrase into parts that must all occur."""
    parts: list[_Node] = []
    run: list[str] = []
    for word in words:
        if _safe(word):
            run.append(word)
        elif run:
            parts.append(_Words(tuple(run), False))
            run = []
    if run:
        parts.append(_Words(tuple(run), prefix))  # run ends with the last word
    return _combine("and", parts)


def _combine(op: Literal["and", "or"], children: list[_Node]) -> _Node | None:
    flat: list[_Node] = []
    for child in children:
        if isinstance(child, _Bool) and child.op == op:
            flat.extend(child.children)
        else:
            flat.append(child)
    if not flat:
        return None
    if len(flat) == 1:
        return flat[0]
    return _Bool(op, tuple(flat))


def normalise(expr: FtsExpr) -> _Node | None:
    """Re-split words into database-safe tokens; None means "matches everything"."""
    match expr:
        case ("term", str() as word, prefix):
            return _phrase(WORD_RE.findall(word), bool(prefix))
        case ("phrase", tuple() as words, prefix):
            return _phrase([w for word in words for w in WORD_RE.findall(word)], bool(prefix))
        case ("and" | "or" as op, tuple() as exprs):
            children = [normalise(child) for child in exprs]
            if op == "or" and any(child is None for child in children):
                return None
            return _combine(op, [child for child in children if child is not None])
    raise ValueError(f"not a full-text expression: {expr!r}")


def to_fts5(expr: FtsExpr) -> str | None:
    """An FTS5 MATCH string (every word a quoted string token), or None for no constraint."""
    node = normalise(expr)
    return None if node is None else _fts5(node)


def _fts5(node: _Node) -> str:
    if isinstance(node, _Words):
        quoted = '"' + " ".join(node.words).replace('"', '""') + '"'
        return quoted + ("*" if node.prefix else "")
    joiner = " AND " if node.op == "and" else " OR "
    return "(" + joiner.join(_fts5(child) for child in node.children) + ")"


def to_tsquery(expr: FtsExpr) -> str | None:
    """A to_tsquery('simple', ...) string, or None for no constraint."""
    node = normalise(expr)
    return None if node is None else _tsquery(node)


def _tsquery(node: _Node) -> str:
    if isinstance(node, _Words):
        last = len(node.words) - 1
        return " <-> ".join(
            _ts_lexeme(word, node.prefix and i == last) for i, word in enumerate(node.words)
        )
    joiner = " & " if node.op == "and" else " | "
    return "(" + joiner.join(_tsquery(child) for child in node.children) + ")"


def _ts_lexeme(word: str, prefix: bool) -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")
