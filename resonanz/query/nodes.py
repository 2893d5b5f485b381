"""The syntax tree of a topic query: frozen dataclasses built by the parser.

Every value in the tree is already folded (see ``text.fold``). ``pos`` is the 0-based
offset of the node's first character in the query; it is ignored by ``==`` so two queries
that mean the same thing compare equal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from resonanz.query import text

FieldName = Literal["author", "site", "lang", "platform"]
FIELD_NAMES: tuple[FieldName, ...] = ("author", "site", "lang", "platform")


@dataclass(frozen=True, slots=True)
class Term:
    """One whole word, or every word starting with it when ``prefix`` (``bahn*``)."""

    word: str
    prefix: bool = False
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive words; the last one is a prefix when ``prefix`` (``"deutsche bah*"``)."""

    words: tuple[str, ...]
    prefix: bool = False
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Hashtag:
    """A hashtag of the post (``#bahn``), without the '#'."""

    tag: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Mention:
    """An @-handle mentioned in the post (``@db_bahn``), without the '@'."""

    handle: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Field:
    """A condition on the post's metadata: ``author:``, ``site:``, ``lang:``, ``platform:``."""

    name: FieldName
    value: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    """The child must not match."""

    child: Node
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    """Every child must match."""

    children: tuple[Node, ...]
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    """At least one child must match."""

    children: tuple[Node, ...]
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Near:
    """Two operands at most ``distance`` words apart; ``left`` first when ``ordered``."""

    left: Node
    right: Node
    distance: int
    ordered: bool = False
    pos: int = field(default=0, compare=False)


Node: TypeAlias = Term | Phrase | Hashtag | Mention | Field | Not | And | Or | Near
# The nodes that stand for a run of words: what the automaton looks for.
WordNode: TypeAlias = Term | Phrase


def word_tuple(node: WordNode) -> tuple[str, ...]:
    """The words of a term or phrase."""
    return (node.word,) if isinstance(node, Term) else node.words


def pattern(words: tuple[str, ...], prefix: bool) -> str:
    """The literal as it appears in ``Document.padded``: space-delimited, open at a prefix end.

    Interned: every query's copy of a literal is then the very string the automaton reports,
    and the matcher's set lookups compare pointers instead of characters (~10 % of match).
    """
    return sys.intern(" " + " ".join(words) + ("" if prefix else " "))


def word_pattern(node: WordNode) -> str:
    """The padded literal of a term or phrase."""
    return pattern(word_tuple(node), node.prefix)


def tag_pattern(value: str) -> str:
    """The words a hashtag or handle leaves in the word string (``db_bahn`` -> `` db bahn ``)."""
    return pattern(tuple(text.words(value)), False)


def label(node: WordNode | Hashtag | Mention) -> str:
    """How a matched literal is reported: ``bahn``, ``bahn*``, ``deutsche bahn``, ``#bahn``."""
    if isinstance(node, Hashtag):
        return "#" + node.tag
    if isinstance(node, Mention):
        return "@" + node.handle
    return " ".join(word_tuple(node)) + ("*" if node.prefix else "")


def walk(node: Node) -> Iterator[Node]:
    """The node and all nodes below it, depth first, left to right."""
    yield node
    if isinstance(node, Not):
        yield from walk(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Near):
        yield from walk(node.left)
        yield from walk(node.right)


def near_operands(node: Node) -> tuple[WordNode, ...] | None:
    """The words/phrases a NEAR operand stands for, or None when it is not a valid operand."""
    if isinstance(node, Term | Phrase):
        return (node,)
    if isinstance(node, Or):
        out: list[WordNode] = []
        for child in node.children:
            sub = near_operands(child)
            if sub is None:
                return None
            out.extend(sub)
        return tuple(out)
    return None
