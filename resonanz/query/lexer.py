"""Split a query into tokens; turn each operand token into a syntax-tree leaf.

Operators are upper case (``AND``, ``OR``, ``NOT``, ``NEAR/5``, ``NEAR/5f``); everything
else between spaces, parentheses and quotes is an operand. Problems are collected as
issues instead of raised, so the linter can report all of them at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from resonanz.query import text
from resonanz.query.issues import Issue
from resonanz.query.nodes import FIELD_NAMES, Field, FieldName, Hashtag, Mention, Node, Phrase, Term

TokenKind = Literal["operand", "(", ")", "AND", "OR", "NOT", "NEAR"]

MAX_NEAR = 100
MIN_PREFIX = 3
# German and English typewriter/typographic quotes: "…", „…“, “…”.
_OPEN_QUOTES = '"„“”'
_CLOSE_QUOTES = '"“”'
_BARE_RE = re.compile(r"[^\s()" + _OPEN_QUOTES + "]+")
_NEAR_RE = re.compile(r"NEAR/(\d+)([fF]?)")
_FIELD_RE = re.compile(r"([^\W\d_]+):(.*)", re.DOTALL)
_LOWER_NEAR_RE = re.compile(r"near/\d+f?", re.IGNORECASE)
_OPERATORS: dict[str, TokenKind] = {"AND": "AND", "OR": "OR", "NOT": "NOT"}
_FIELDS: dict[str, FieldName] = {name: name for name in FIELD_NAMES}
_FIELD_LIST = ", ".join(f"{name}:" for name in FIELD_NAMES)


@dataclass(frozen=True, slots=True)
class Token:
    """One token; operands carry their leaf (None when invalid), NEAR its distance."""

    kind: TokenKind
    text: str
    pos: int
    node: Node | None = None
    distance: int | None = None
    ordered: bool = False


def tokenize(query: str, issues: list[Issue]) -> list[Token]:
    """The tokens of query; errors and lexical warnings are appended to issues."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token("(" if ch == "(" else ")", ch, i))
            i += 1
        elif ch in _OPEN_QUOTES:
            i = _read_phrase(query, i, tokens, issues)
        else:
            m = _BARE_RE.match(query, i)
            assert m is not None  # ch is neither space, parenthesis nor quote
            tokens.append(_word_token(m.group(), i, issues))
            i = m.end()
    return tokens


def _read_phrase(query: str, start: int, tokens: list[Token], issues: list[Issue]) -> int:
    end = start + 1
    while end < len(query) and query[end] not in _CLOSE_QUOTES:
        end += 1
    if end >= len(query):
        message = f"unterminated quote: '{query[start]}' at position {start} is never closed"
        issues.append(Issue(start, message))
        tokens.append(Token("operand", query[start:], start))
        return len(query)
    raw = query[start : end + 1]
    leaf = _phrase(raw, query[start + 1 : end], start)
    tokens.append(_operand_token(raw, start, leaf, issues))
    return end + 1


def _operand_token(raw: str, pos: int, leaf: Node | str, issues: list[Issue]) -> Token:
    """An operand token; a str leaf is an error message (the token then has no node)."""
    if isinstance(leaf, str):
        issues.append(Issue(pos, leaf))
        return Token("operand", raw, pos)
    return Token("operand", raw, pos, leaf)


def _word_token(raw: str, pos: int, issues: list[Issue]) -> Token:
    kind = _OPERATORS.get(raw)
    if kind is not None:
        return Token(kind, raw, pos)
    if raw.startswith("NEAR"):
        return _near_token(raw, pos, issues)
    if raw.lower() in ("and", "or", "not") or _LOWER_NEAR_RE.fullmatch(raw):
        message = (
            f"'{raw}' is searched as a word; write {raw.upper()} in capitals"
            " to use it as an operator"
        )
        issues.append(Issue(pos, message, "warning"))
    return _operand_token(raw, pos, _operand(raw, pos), issues)


def _near_token(raw: str, pos: int, issues: list[Issue]) -> Token:
    m = _NEAR_RE.fullmatch(raw)
    if m is None:
        message = (
            f"'{raw}': NEAR needs a distance in words, e.g. NEAR/5"
            f" (1 to {MAX_NEAR}; NEAR/5f for 'in this order')"
        )
        issues.append(Issue(pos, message))
        return Token("NEAR", raw, pos)
    distance = int(m.group(1))
    if not 1 <= distance <= MAX_NEAR:
        message = f"NEAR distance must be between 1 and {MAX_NEAR}, not {distance}"
        issues.append(Issue(pos, message))
        return Token("NEAR", raw, pos)
    return Token("NEAR", raw, pos, distance=distance, ordered=bool(m.group(2)))


def _phrase(raw: str, content: str, pos: int) -> Node | str:
    body = content.rstrip()
    prefix = body.endswith("*")
    if prefix:
        body = body[:-1]
    if "*" in body:
        return f"in {raw} '*' is only allowed at the end of the last word"
    if prefix and not (body and body[-1].isalnum()):
        return f"in {raw} '*' must directly follow a letter or digit"
    words = text.words(body)
    if not words:
        return f"empty phrase {raw}: it contains no letters or digits"
    return _word_node(tuple(words), prefix, raw, pos)


def _word_node(words: tuple[str, ...], prefix: bool, raw: str, pos: int) -> Node | str:
    if prefix and len(words[-1]) < MIN_PREFIX:
        return f"wildcard '{raw}' needs at least {MIN_PREFIX} letters before '*'"
    if len(words) == 1:
        return Term(words[0], prefix, pos)
    return Phrase(words, prefix, pos)


def _operand(raw: str, pos: int) -> Node | str:
    if raw.startswith("#") or raw.startswith("@"):
        return _tagged(raw, pos)
    if text.URL_RE.match(raw):
        return f"'{raw}': web addresses are not searched as words; use site:<host>"
    field = _FIELD_RE.fullmatch(raw)
    if field is not None and field.group(2):
        return _field(field.group(1), field.group(2), raw, pos)
    if field is not None and field.group(1).lower() in _FIELDS:
        return f"'{raw}' has no value: write it without a space, e.g. {raw}value"
    if raw.startswith("-") and len(raw) > 1:
        return f"'{raw}': to exclude a word write NOT {raw[1:]}"
    if raw.startswith("*"):
        return (
            f"leading wildcard '{raw}' is not supported: list the words instead"
            " (e.g. fernbahn OR s-bahn)"
        )
    prefix = raw.endswith("*")
    stem = raw[:-1] if prefix else raw
    if "*" in stem:
        return f"in '{raw}' '*' is only allowed at the end of a word"
    if prefix and not stem[-1].isalnum():
        return f"in '{raw}' '*' must directly follow a letter or digit"
    words = text.words(stem)
    if not words:
        return f"'{raw}' contains no letters or digits (the operators are AND, OR, NOT, NEAR/n)"
    return _word_node(tuple(words), prefix, raw, pos)


def _tagged(raw: str, pos: int) -> Node | str:
    hashtag = raw[0] == "#"
    kind = "hashtag" if hashtag else "handle"
    value = unicodedata.normalize("NFKC", raw[1:])
    if not value:
        return f"'{raw[0]}' needs a {kind} right after it, e.g. {raw[0]}bahn"
    if "*" in value:
        return f"'{raw}': wildcards are not supported in a {kind}"
    valid = text.HASHTAG_VALUE_RE if hashtag else text.MENTION_VALUE_RE
    if not valid.fullmatch(value) or not text.words(value):
        allowed = (
            "letters, digits and '_', with a letter" if hashtag else "letters, digits, '_', '.'"
        )
        return f"'{raw}' is not a valid {kind}: use only {allowed}"
    return Hashtag(text.fold(value), pos) if hashtag else Mention(text.fold(value), pos)


def _field(name: str, raw_value: str, raw: str, pos: int) -> Node | str:
    if name.lower() in ("http", "https"):
        return f"'{raw}': web addresses are not searched as words; use site:<host>"
    key = _FIELDS.get(name.lower())
    if key is None:
        return f"unknown field operator '{name}:' (known: {_FIELD_LIST})"
    if "*" in raw_value:
        return f"'{raw}': wildcards are not supported in field values"
    if key == "site":
        value = text.host_of(raw_value).lstrip(".")
    elif key == "author":
        value = text.fold(raw_value).lstrip("@")
    elif key == "lang":
        value = text.fold(raw_value).replace("_", "-")
    else:
        value = text.fold(raw_value)
    if not value:
        return f"'{raw}' has an empty value"
    return Field(key, value, pos)
