"""Term lists matched like topic query terms: whole words, ``verspät*``, umlauts, compound heads.

Terms and texts are folded the way topic queries fold them (``resonanz.query.text``:
case, ä/ö/ü/ß spelled out, as ``lexicon.fold`` does), so ``Verspätung``,
``VERSPAETUNG`` and ``verspätung`` are one word. Words are runs of letters and digits;
hyphens, ``#``, ``@`` and ``_`` are boundaries (``S-Bahn`` is ``s bahn``, ``@DB_Bahn``
is ``db bahn``); links are skipped.

- ``zug``: the word itself; ``deutsche bahn``: the words in a row.
- ``verspät*``: any word starting so (``verspätet``, ``Verspätungen``); in a phrase the
  last word may end with ``*`` (``online ticket*``).
- A one-word term of at least ``MIN_HEAD`` letters also matches as the head (last part)
  of a German compound whose first part has ``MIN_MODIFIER`` letters or more:
  ``störung`` finds ``Signalstörung``, ``verspät*`` finds ``Zugverspätungen``.
- ``*zug``: a shorter term that should match as a head too (``Regionalzug``).

All terms of all groups are found in one Aho-Corasick pass over the folded words
(``ahocorasick-rs``), then checked against word boundaries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick_rs

from resonanz.errors import ValidationError
from resonanz.query.text import fold, words

__all__ = ["MIN_HEAD", "MIN_MODIFIER", "Hit", "Term", "TermMatcher", "parse_term"]

MIN_HEAD = 5
MIN_MODIFIER = 3
_PART_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """A parsed term: its folded words, whether the last is a prefix, head matching."""

    text: str
    parts: tuple[str, ...]
    prefix: bool
    head: bool


@dataclass(frozen=True)
class Hit:
    """A term of group ``group`` found at words ``first`` to ``end`` (exclusive)."""

    group: int
    first: int
    end: int


def parse_term(text: str) -> Term:
    """Parse one term; ValidationError saying what is wrong with it."""
    cleaned = " ".join(unicodedata.normalize("NFKC", text).replace("-", " ").split())
    if not cleaned:
        raise ValidationError("a term is empty")
    head = cleaned.startswith("*")
    prefix = cleaned.endswith("*") and len(cleaned) > 1
    body = cleaned[1 if head else 0 : -1 if prefix else None]
    parts = body.split(" ") if body else []
    if not parts:
        raise ValidationError(f"term {text!r} has no word")
    for part in parts:
        if not _PART_RE.fullmatch(part):
            raise ValidationError(
                f"term {text!r}: {part!r} is not a word (letters and digits; '*' only at the "
                "end of a term, or at the start of a one-word term for compound heads)"
            )
    if head and len(parts) != 1:
        raise ValidationError(f"term {text!r}: a leading '*' only works on one-word terms")
    folded = tuple(fold(p) for p in parts)
    return Term(
        text=text,
        parts=folded,
        prefix=prefix,
        head=len(folded) == 1 and (head or len(folded[0]) >= MIN_HEAD),
    )


@dataclass(frozen=True)
class _Entry:
    group: int
    words: int
    prefix: bool
    head: bool
    exclude: bool


class TermMatcher:
    """Finds the terms of several groups (e.g. aspect categories) in texts.

    ``groups[i]`` is the term list of group i; ``excludes[i]`` (optional) are terms whose
    words never count for group i (``aufzug`` keeps ``*zug`` from finding lifts).
    """

    def __init__(
        self,
        groups: Sequence[Sequence[Term]],
        excludes: Sequence[Sequence[Term]] | None = None,
    ) -> None:
        entries: dict[str, list[_Entry]] = {}
        for exclude, lists in ((False, groups), (True, excludes or ())):
            for group, terms in enumerate(lists):
                for term in terms:
                    entry = _Entry(group, len(term.parts), term.prefix, term.head, exclude)
                    entries.setdefault(" ".join(term.parts), []).append(entry)
        self._patterns = list(entries)
        self._entries = [entries[p] for p in self._patterns]
        self._automaton = ahocorasick_rs.AhoCorasick(self._patterns) if self._patterns else None

    @staticmethod
    def words(text: str) -> list[str]:
        """The folded words of text, as the matcher sees them (links left out)."""
        return words(text)

    def find(self, folded_words: Sequence[str]) -> list[Hit]:
        """Hits in ``folded_words`` (see ``words``), by group then position; a word that
        an exclude term of a group matches gives that group no hit."""
        if self._automaton is None or not folded_words:
            return []
        joined = " ".join(folded_words)
        found: set[tuple[int, int, int]] = set()
        excluded: set[tuple[int, int]] = set()
        for pattern, start, stop in self._automaton.find_matches_as_indexes(
            joined, overlapping=True
        ):
            word_start = joined.rfind(" ", 0, start) + 1
            word_stop = joined.find(" ", stop)
            at_start = start == word_start
            at_end = stop == len(joined) or word_stop == stop
            as_head = start - word_start >= MIN_MODIFIER
            first = -1
            for entry in self._entries[pattern]:
                if not (at_start or (entry.head and as_head)) or not (entry.prefix or at_end):
                    continue
                if first < 0:
                    first = joined.count(" ", 0, start)
                if entry.exclude:
                    excluded.add((entry.group, first))
                else:
                    found.add((entry.group, first, first + entry.words))
        # "deutsche bahn" found, "bahn" inside it is no second hit of the same group
        hits: list[Hit] = []
        reach: dict[int, int] = {}
        for group, first, end in sorted(found, key=lambda f: (f[0], f[1], -f[2])):
            if (group, first) not in excluded and end > reach.get(group, -1):
                hits.append(Hit(group, first, end))
                reach[group] = end
        return hits
