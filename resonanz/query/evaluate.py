"""Evaluate one query against one document, without building a matcher.

Used after a full-text prefilter (``resonanz search``, ``topic test``). The query is
compiled once (cached per syntax tree) and its word literals are looked up with
substring tests on ``Document.padded`` instead of an automaton.
"""

from __future__ import annotations

from functools import lru_cache

from resonanz.query.compiler import CompiledQuery, compile_query
from resonanz.query.document import Document
from resonanz.query.nodes import Node


def evaluate(node: Node, doc: Document) -> bool:
    """True when the query matches the document."""
    compiled = _compiled(node)
    return compiled.test(_probe(compiled, doc), doc)


def matched_terms(node: Node, doc: Document) -> tuple[str, ...]:
    """The query's positive literals that matched (``bahn``, ``bahn*``, ``#bahn``); () if none."""
    compiled = _compiled(node)
    hits = _probe(compiled, doc)
    return compiled.terms(hits, doc) if compiled.test(hits, doc) else ()


@lru_cache(maxsize=1024)
def _compiled(node: Node) -> CompiledQuery:
    return compile_query(node)


def _probe(compiled: CompiledQuery, doc: Document) -> frozenset[str]:
    padded = doc.padded
    return frozenset(p for p in compiled.patterns if p in padded)
