"""Compile a syntax tree into closures: a test, a term collector, and its trigger literals.

Word literals (terms, wildcards, phrases) are looked up in ``hits``: the set of padded
literals (see ``nodes.pattern``) present in the document. The matcher gets it from its
automaton scan; ``evaluate`` builds it with substring tests on ``Document.padded``.

The trigger set of a query is a set of padded literals such that whenever the query
matches a document, at least one of them occurs in it. The matcher evaluates a query only
for documents where one of its triggers was found, or for every document when the query
has no trigger set (it can match on NOT or field conditions alone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from resonanz.query.document import Document
from resonanz.query.near import NearSide, near_test
from resonanz.query.nodes import (
    And,
    Field,
    Hashtag,
    Mention,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    WordNode,
    label,
    tag_pattern,
    walk,
    word_pattern,
)

Hits = AbstractSet[str]
Test = Callable[[Hits, Document], bool]
Collect = Callable[[Hits, Document, list[str]], None]
Terms = Callable[[Hits, Document], tuple[str, ...]]
# (padded literal, label): the labels whose literal occurs (None: always) are the terms.
TermPairs = tuple[tuple[str | None, str], ...]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledQuery:
    """A parsed query ready for matching."""

    node: Node
    test: Test
    terms: Terms  # the labels of the positive literals that make a matching document match
    patterns: frozenset[str]
    triggers: frozenset[str] | None
    # True when the query matches whenever one of its triggers occurs (an OR of word
    # literals): the matcher then needs no test.
    sure: bool
    # The terms when they do not depend on the document (saves a call per match).
    fixed_terms: tuple[str, ...] | None
    # Otherwise, where the terms are the present ones of a fixed list: that list.
    term_pairs: TermPairs | None
    # The query as set operations on hits plus a rest test, when it is such an AND.
    flat: FlatAnd | None


@dataclass(frozen=True, slots=True, eq=False)
class FlatAnd:
    """An AND whose word children are tested with set operations, without closures.

    It matches when all ``required`` literals occur, every group has a literal that
    occurs, no ``excluded`` literal occurs, and ``rest`` (the other children: fields,
    hashtags, handles, NEAR, nested groups) holds. Single-word groups are in ``required``.
    """

    required: frozenset[str]
    groups: tuple[frozenset[str], ...]
    excluded: frozenset[str]
    rest: Test | None


def compile_query(node: Node) -> CompiledQuery:
    """Compile a syntax tree for matching."""
    words_only = isinstance(node, Term | Phrase) or (
        isinstance(node, Or) and all(isinstance(c, Term | Phrase) for c in node.children)
    )
    fixed: tuple[str, ...] | None = None
    if isinstance(node, Term | Phrase | Hashtag | Mention):
        fixed = (label(node),)
    elif isinstance(node, And) and (words := _word_children(node)) is not None:
        fixed = tuple(dict.fromkeys(map(label, words)))
    pairs = _flat_terms(node)
    return CompiledQuery(
        node,
        _test(node),
        _terms(node, pairs),
        patterns(node),
        triggers(node),
        words_only,
        fixed,
        pairs,
        flat_and(node),
    )


def flat_and(node: Node) -> FlatAnd | None:
    """The AND as sets of word literals plus a rest test (see ``FlatAnd``); None otherwise."""
    if not isinstance(node, And):
        return None
    required: set[str] = set()
    groups: list[frozenset[str]] = []
    excluded: set[str] = set()
    rest: list[Node] = []
    for child in node.children:
        literals = _word_literals(child)
        if literals is not None:
            if len(literals) == 1:
                required |= literals
            else:
                groups.append(literals)
        elif isinstance(child, Not) and (literals := _word_literals(child.child)) is not None:
            excluded |= literals
        else:
            rest.append(child)
    rest.sort(key=_evaluation_cost)
    return FlatAnd(
        frozenset(required),
        tuple(groups),
        frozenset(excluded),
        _all([_test(child) for child in rest]) if rest else None,
    )


def _word_literals(node: Node) -> frozenset[str] | None:
    """The padded literals of a word or an OR of words (one of them occurs), else None."""
    if isinstance(node, Term | Phrase):
        return frozenset((word_pattern(node),))
    if isinstance(node, Or) and (words := _word_children(node)) is not None:
        return frozenset(map(word_pattern, words))
    return None


def patterns(node: Node) -> frozenset[str]:
    """Every padded literal the automaton must report for this query."""
    out: set[str] = set()
    for n in walk(node):
        if isinstance(n, Term | Phrase):
            out.add(word_pattern(n))
        elif isinstance(n, Hashtag):
            out.add(tag_pattern(n.tag))
        elif isinstance(n, Mention):
            out.add(tag_pattern(n.handle))
    return frozenset(out)


Cost = Callable[[frozenset[str]], tuple[int, ...]]


def literal_cost(literals: frozenset[str]) -> tuple[int, ...]:
    """Static guess of how often a trigger set fires: fewer literals, then longer ones."""
    return (len(literals), -min(map(len, literals)))


def frequency_cost(seen: Mapping[str, int]) -> Cost:
    """Cost from observed counts: how many sampled documents contained any of the literals."""

    def cost(literals: frozenset[str]) -> tuple[int, ...]:
        return (sum(seen.get(literal, 0) for literal in literals), *literal_cost(literals))

    return cost


def triggers(node: Node, cost: Cost = literal_cost) -> frozenset[str] | None:
    """Literals one of which every matching document contains; None when there is no such set.

    OR needs the union of its children's sets; AND and NEAR can use any one child's set
    and take the cheapest by ``cost``.
    """
    if isinstance(node, Term | Phrase):
        return frozenset((word_pattern(node),))
    if isinstance(node, Hashtag):
        # "#db_bahn" in a post leaves the words "db bahn" in its word string.
        return frozenset((tag_pattern(node.tag),))
    if isinstance(node, Mention):
        return frozenset((tag_pattern(node.handle),))
    if isinstance(node, Field | Not):
        return None
    if isinstance(node, Or):
        union: set[str] = set()
        for child in node.children:
            sub = triggers(child, cost)
            if sub is None:
                return None
            union |= sub
        return frozenset(union)
    children = node.children if isinstance(node, And) else (node.left, node.right)
    options = [t for t in (triggers(c, cost) for c in children) if t is not None]
    return min(options, key=cost) if options else None


def has_choice(node: Node) -> bool:
    """True when the trigger set depends on the cost function (an AND or NEAR inside)."""
    return any(isinstance(n, And | Near) for n in walk(node))


def _nothing(hits: Hits, doc: Document, out: list[str]) -> None:
    """Collector of nodes that contribute no words (NOT, fields)."""


def _test(node: Node) -> Test:
    if isinstance(node, Term | Phrase):
        literal = word_pattern(node)
        return lambda hits, doc: literal in hits
    if isinstance(node, Hashtag):
        tag = node.tag
        return lambda hits, doc: tag in doc.hashtags
    if isinstance(node, Mention):
        handle = node.handle
        return lambda hits, doc: handle in doc.mentions
    if isinstance(node, Field):
        return _field_test(node)
    if isinstance(node, Not):
        inner = _test(node.child)
        return lambda hits, doc: not inner(hits, doc)
    if isinstance(node, And | Or):
        return _group_test(node)
    left, right = NearSide.of(node.left), NearSide.of(node.right)
    near = near_test(left, right, node.distance, node.ordered)
    # Positions are only looked at when both sides occur at all.
    left_literals, right_literals = left.literals, right.literals
    return lambda hits, doc: (
        not left_literals.isdisjoint(hits)
        and not right_literals.isdisjoint(hits)
        and near(hits, doc)
    )


def _field_test(node: Field) -> Test:
    """author/platform: equal; site: same host or a subdomain; lang: same, or its region."""
    value = node.value
    if node.name == "site":
        dotted = "." + value
        return lambda hits, doc: doc.host == value or doc.host.endswith(dotted)
    if node.name == "lang":
        region = value + "-"
        return lambda hits, doc: doc.lang == value or doc.lang.startswith(region)
    if node.name == "author":
        return lambda hits, doc: doc.author == value
    return lambda hits, doc: doc.platform == value


def _group_test(node: And | Or) -> Test:
    # Word literals are tested first with one set operation, then the rest, cheapest first.
    literals = frozenset(word_pattern(c) for c in node.children if isinstance(c, Term | Phrase))
    rest = sorted(
        (c for c in node.children if not isinstance(c, Term | Phrase)), key=_evaluation_cost
    )
    tests = [_test(child) for child in rest]
    if isinstance(node, And):
        if literals:
            tests.insert(0, lambda hits, doc: literals <= hits)
        return _all(tests)
    if literals:
        tests.insert(0, lambda hits, doc: not literals.isdisjoint(hits))
    return _any(tests)


def _all(tests: list[Test]) -> Test:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda hits, doc: first(hits, doc) and second(hits, doc)
    return lambda hits, doc: all(test(hits, doc) for test in tests)


def _any(tests: list[Test]) -> Test:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda hits, doc: first(hits, doc) or second(hits, doc)
    return lambda hits, doc: any(test(hits, doc) for test in tests)


def _terms(node: Node, pairs: TermPairs | None) -> Terms:
    """The fastest way to list a matching node's terms: fixed, filtered (``pairs``, from
    ``_flat_terms``), or collected."""
    if isinstance(node, Term | Phrase | Hashtag | Mention):
        fixed = (label(node),)
        return lambda hits, doc: fixed
    if pairs is not None:
        return lambda hits, doc: tuple(
            [text for literal, text in pairs if literal is None or literal in hits]
        )
    collect = _collector(node)

    def terms(hits: Hits, doc: Document) -> tuple[str, ...]:
        out: list[str] = []
        collect(hits, doc, out)
        return tuple(dict.fromkeys(out))

    return terms


def _flat_terms(node: Node) -> TermPairs | None:
    """(literal, label) pairs whose present literals are a match's terms, in query order.

    Works for an OR of words, and for an AND of words, ORs of words, NOTs, fields,
    hashtags and handles: when such a node matches, its terms are exactly its positive
    word literals that occur (hashtags and handles, literal None, always hold). None for
    anything else (NEAR, or an OR whose children are not all words).
    """
    if isinstance(node, Or):
        words = _word_children(node)
        return None if words is None else _unique_pairs(words)
    if not isinstance(node, And):
        return None
    parts: list[Term | Phrase | Hashtag | Mention] = []
    for child in node.children:
        if isinstance(child, Term | Phrase | Hashtag | Mention):
            parts.append(child)
        elif isinstance(child, Or) and (words := _word_children(child)) is not None:
            parts.extend(words)
        elif not isinstance(child, Not | Field):
            return None
    return _unique_pairs(parts)


def _unique_pairs(
    nodes: Sequence[Term | Phrase | Hashtag | Mention],
) -> TermPairs:
    pairs: dict[str, str | None] = {}
    for n in nodes:
        pairs.setdefault(label(n), word_pattern(n) if isinstance(n, Term | Phrase) else None)
    return tuple((literal, text) for text, literal in pairs.items())


def _word_children(node: And | Or) -> list[WordNode] | None:
    """The children when all of them are word literals, else None."""
    words = [c for c in node.children if isinstance(c, Term | Phrase)]
    return words if len(words) == len(node.children) else None


def _collector(node: Node) -> Collect:
    if isinstance(node, Term | Phrase | Hashtag | Mention):
        text = label(node)
        return lambda hits, doc, out: out.append(text)
    if isinstance(node, Field | Not):
        return _nothing
    if isinstance(node, Near):
        labels = NearSide.of(node.left).labels + NearSide.of(node.right).labels
        return _collect_present(labels)
    words = [c for c in node.children if isinstance(c, Term | Phrase)]
    if isinstance(node, And):
        if len(words) == len(node.children):
            texts = [label(w) for w in words]
            return lambda hits, doc, out: out.extend(texts)
        return _collect_all([_collector(c) for c in node.children])
    if len(words) == len(node.children):
        return _collect_present(tuple((word_pattern(w), label(w)) for w in words))
    return _collect_holding([(_test(c), _collector(c)) for c in node.children])


def _collect_present(labels: tuple[tuple[str, str], ...]) -> Collect:
    def collect(hits: Hits, doc: Document, out: list[str]) -> None:
        out.extend(text for literal, text in labels if literal in hits)

    return collect


def _collect_all(collectors: list[Collect]) -> Collect:
    def collect(hits: Hits, doc: Document, out: list[str]) -> None:
        for child in collectors:
            child(hits, doc, out)

    return collect


def _collect_holding(compiled: list[tuple[Test, Collect]]) -> Collect:
    def collect(hits: Hits, doc: Document, out: list[str]) -> None:
        for test, child in compiled:
            if test(hits, doc):
                child(hits, doc, out)

    return collect


def _evaluation_cost(node: Node) -> int:
    """1: only word tests; 2: also reads hashtags, handles or metadata; 3: NEAR positions."""
    kinds = {type(n) for n in walk(node)}
    if Near in kinds:
        return 3
    return 2 if kinds & {Hashtag, Mention, Field} else 1
