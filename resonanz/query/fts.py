"""Turn a query into a backend-neutral full-text prefilter (``store.base.FtsExpr``).

The prefilter selects a superset of the documents the query matches; the exact query is
then evaluated in Python. NOT and field conditions cannot narrow a word index safely, so
they are dropped; NEAR becomes AND of its operands; hashtags and handles become the words
they leave in the text (``#db_bahn`` -> the phrase "db bahn").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resonanz.query import text
from resonanz.query.nodes import And, Field, Hashtag, Mention, Near, Node, Not, Phrase, Term

if TYPE_CHECKING:
    # Only a type here: importing the store would load SQLAlchemy and Alembic into every
    # process that matches queries (the enrichers' start-up, see docs/benchmarks.md).
    from resonanz.store.base import FtsExpr


def to_fts(node: Node) -> FtsExpr | None:
    """A full-text expression every match of node satisfies; None when nothing narrows it."""
    if isinstance(node, Term):
        return ("term", node.word, node.prefix)
    if isinstance(node, Phrase):
        return ("phrase", node.words, node.prefix)
    if isinstance(node, Hashtag | Mention):
        words = tuple(text.words(node.tag if isinstance(node, Hashtag) else node.handle))
        return ("term", words[0], False) if len(words) == 1 else ("phrase", words, False)
    if isinstance(node, Field | Not):
        return None
    if isinstance(node, Near):
        return _and([to_fts(node.left), to_fts(node.right)])
    if isinstance(node, And):
        return _and([to_fts(child) for child in node.children])
    parts = [to_fts(child) for child in node.children]
    if any(part is None for part in parts):
        return None
    return _flat("or", [part for part in parts if part is not None])


# The characters a hashtag / handle can start with before NFKC (text.hashtags and
# text.mentions normalise first): the ASCII sign and its full-width and small forms.
MARKERS: dict[str, tuple[str, ...]] = {
    "#": ("#", "\uff03", "\ufe5f"),
    "@": ("@", "\uff20", "\ufe6b"),
}


def required_marker(node: Node) -> str | None:
    """'#' when every match has a hashtag, '@' when every match has a handle, else None.

    The store can then skip mentions whose title and text hold no such sign at all: a
    query like ``#db`` otherwise checks every post with the word "db".
    """
    if isinstance(node, Hashtag):
        return "#"
    if isinstance(node, Mention):
        return "@"
    if isinstance(node, Near):
        return required_marker(node.left) or required_marker(node.right)
    if isinstance(node, And):
        return next((m for m in map(required_marker, node.children) if m), None)
    if isinstance(node, Term | Phrase | Field | Not):
        return None
    found = {required_marker(child) for child in node.children}
    return found.pop() if len(found) == 1 else None


def required_tags(node: Node) -> frozenset[tuple[str, str]] | None:
    """(sign, folded tag) pairs of which every match has at least one as a hashtag or
    handle, or None when a match may have none (then ``required_marker`` still helps).

    ``#db`` gives {("#", "db")}; ``#db OR @bahn`` {("#", "db"), ("@", "bahn")}; an AND
    takes the first child that has them. The store narrows a search with them
    (``MentionFilter.contains_tags``).
    """
    if isinstance(node, Hashtag):
        return frozenset({("#", text.fold(node.tag))})
    if isinstance(node, Mention):
        return frozenset({("@", text.fold(node.handle))})
    if isinstance(node, Near):
        return required_tags(node.left) or required_tags(node.right)
    if isinstance(node, And):
        return next((t for t in map(required_tags, node.children) if t), None)
    if isinstance(node, Term | Phrase | Field | Not):
        return None
    found: set[tuple[str, str]] = set()
    for child in node.children:
        tags = required_tags(child)
        if tags is None:
            return None
        found |= tags
    return frozenset(found)


def _and(parts: list[FtsExpr | None]) -> FtsExpr | None:
    kept = [part for part in parts if part is not None]
    return _flat("and", kept) if kept else None


def _flat(op: str, parts: list[FtsExpr]) -> FtsExpr:
    flat: list[FtsExpr] = []
    for part in parts:
        if part[0] == "and" == op or part[0] == "or" == op:
            flat.extend(part[1])
        else:
            flat.append(part)
    unique = tuple(dict.fromkeys(flat))
    if len(unique) == 1:
        return unique[0]
    return ("and", unique) if op == "and" else ("or", unique)
