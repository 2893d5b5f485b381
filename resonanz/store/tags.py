"""The SQL condition "the title or text may hold this hashtag / handle" (a superset).

A search for ``#db`` must find every post whose hashtags, found after NFKC and folded,
include "db" (``query.text.hashtags``). Testing the raw text for the sign alone (``#``) keeps
every such post but also every post with any hashtag; a common word behind it (DB in a
railway workspace) then costs the search thousands of candidates. This condition is
narrower and still loses nothing, for a tag whose folded form is ASCII:

- the text holds the sign and the tag in any letter case (``LIKE``, ASCII case-insensitive
  on SQLite, ``ILIKE`` on PostgreSQL) — the plain way to write it; or
- it holds a full-width or small form of the sign (``＃``, ``﹟``; ``query.fts.MARKERS``); or
- the ASCII sign is followed by the first *i* characters of the tag (any case) and then a
  non-ASCII character that folds to something starting with the tag's next character
  (``#Ｄb``, ``#𝐝𝐛``, ``#Bähn`` for ``#baehn``, ``#Straße`` for ``#strasse``) or that may
  change the character before it under NFKC (a combining mark: a decomposed ``a`` + ``¨``);
  the tables are ``query.fold_sources``, generated from Python's Unicode data.

A tag whose folded form is not ASCII gets the sign-only condition.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.query.fold_sources import MARKS, SOURCES


def tag_condition(conn: Connection, columns: tuple[Any, ...], sign: str, tag: str) -> Any:
    """OR of the conditions above over the columns."""
    from resonanz.query.fts import MARKERS  # query.fts imports the store's base types

    forms = MARKERS[sign]
    if not tag or not tag.isascii():
        return sa.or_(*(c.contains(f, autoescape=True) for f in forms for c in columns))
    sqlite = conn.dialect.name == "sqlite"
    parts: list[Any] = []
    for column in columns:
        literal = sign + tag
        parts.append(
            column.contains(literal, autoescape=True)
            if sqlite  # SQLite's LIKE ignores ASCII case
            else column.ilike("%" + _escape_like(literal) + "%", escape="\\")
        )
        parts.extend(column.contains(f, autoescape=True) for f in forms[1:])
        for i in range(len(tag)):
            then = _char_class(tag[i])
            if sqlite:
                head = "".join(_glob_char(ch) for ch in tag[:i])
                parts.append(column.op("GLOB")(f"*{_glob_char(sign)}{head}{then}*"))
            else:
                parts.append(column.op("~*")(re.escape(sign + tag[:i]) + then))
    return sa.or_(*parts)


_MARK_RANGES = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in MARKS)


def _char_class(next_char: str) -> str:
    """A bracket expression (GLOB and POSIX regex alike) of the non-ASCII characters that
    can stand where ``next_char`` of the tag is expected."""
    return "[" + SOURCES.get(next_char, "") + _MARK_RANGES + "]"


def _glob_char(char: str) -> str:
    """A GLOB pattern for one character in either case ('d' -> '[dD]')."""
    if char.isalpha():
        return f"[{char.lower()}{char.upper()}]"
    return f"[{char}]" if char in "*?[" else char


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
