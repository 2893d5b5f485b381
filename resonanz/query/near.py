"""NEAR/n and NEAR/nf: two word literals (or OR-groups of them) at most n words apart.

The two occurrences must not share a word, and n counts the words *between* them:
``a NEAR/1 b`` matches "a b" and "a x b" but not "a x y b". ``NEAR/nf`` (ordered) also
wants the left side's occurrence to end before the right side's starts.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from resonanz.query.document import Document
from resonanz.query.nodes import Node, label, near_operands, word_pattern, word_tuple

Spans = list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class NearSide:
    """One side of a NEAR: its word literals, precomputed."""

    # (padded literal, words, last word is a prefix)
    operands: tuple[tuple[str, tuple[str, ...], bool], ...]
    # (padded literal, label) for collecting matched terms
    labels: tuple[tuple[str, str], ...]
    literals: frozenset[str]

    @classmethod
    def of(cls, node: Node) -> NearSide:
        """The side for a NEAR operand node (a word literal or an OR-group of them)."""
        operands = near_operands(node)
        if operands is None:  # the parser only builds NEAR over valid operands
            raise TypeError(f"not a NEAR operand: {node!r}")
        return cls(
            tuple((word_pattern(o), word_tuple(o), o.prefix) for o in operands),
            tuple((word_pattern(o), label(o)) for o in operands),
            frozenset(word_pattern(o) for o in operands),
        )

    def spans(self, hits: AbstractSet[str], doc: Document) -> Spans:
        """(first, last) word index of every occurrence in the document."""
        out: Spans = []
        for literal, words, _ in self.operands:
            if literal in hits:
                last = len(words) - 1
                out.extend((i, i + last) for i in doc.literal_starts(literal))
        return out


def near_test(
    left: NearSide, right: NearSide, distance: int, ordered: bool
) -> Callable[[AbstractSet[str], Document], bool]:
    """A test that is true when the two sides occur close enough (see module docstring)."""

    def test(hits: AbstractSet[str], doc: Document) -> bool:
        first = left.spans(hits, doc)
        if not first:
            return False
        second = right.spans(hits, doc)
        for s1, e1 in first:
            for s2, e2 in second:
                if e1 < s2 and s2 - e1 - 1 <= distance:
                    return True
                if not ordered and e2 < s1 and s1 - e2 - 1 <= distance:
                    return True
        return False

    return test
