"""Match documents against many topic queries at once.

All queries' word literals go into one Aho-Corasick automaton (``ahocorasick_rs``) that
scans ``Document.padded``. Literals are stored padded with spaces (`` bahn `` for the word,
`` bahn`` for the prefix ``bahn*``), which is the word-boundary check: a hit can only start
at a word start and, unless it is a prefix, end at a word end. A query is evaluated only
when one of its trigger literals was found (see ``compiler.triggers``).

Which child of an AND (or side of a NEAR) triggers is first guessed from the literals
(fewest, longest); the matcher counts how often each literal occurs in a sample of the
documents it sees and, after 2,000 documents and then every 8 times as many, re-plans the
triggers by observed frequency, so ``(brand) AND (common words)`` triggers on the brand.

Adding or removing a query never recompiles the others. New literals go into a small
*delta* automaton, rebuilt in well under a millisecond for a few hundred literals; the main
automaton is rebuilt when the delta outgrows ``delta_limit`` literals or when more than a
quarter of the main automaton's literals belong to removed queries (docs/queries.md has
the measurements).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ahocorasick_rs import AhoCorasick

from resonanz.errors import NotFoundError
from resonanz.query.compiler import (
    CompiledQuery,
    compile_query,
    frequency_cost,
    has_choice,
    triggers,
)
from resonanz.query.document import Document
from resonanz.query.nodes import Node, Phrase, Term, label, walk, word_pattern
from resonanz.query.parser import parse

SAMPLE_EVERY = 8  # count literal frequencies in every 8th document
FIRST_PLAN = 2_000  # documents before the first re-plan; then 8 times as many each time


class Matcher:
    """Many (topic id, query) pairs compiled for matching one document at a time."""

    def __init__(self, *, delta_limit: int = 512) -> None:
        self.delta_limit = delta_limit
        self.evaluations = 0  # queries evaluated so far (candidates), for benchmarks
        self.full_builds = 0  # how often the main automaton was built
        self._queries: dict[int, CompiledQuery] = {}
        self._planned: dict[int, frozenset[str] | None] = {}  # current triggers per topic
        self._refs: dict[str, int] = {}  # live literal -> number of queries using it
        # literal -> the queries it triggers; queries without triggers are always evaluated
        self._triggers: dict[str, dict[int, CompiledQuery]] = {}
        self._always: dict[int, CompiledQuery] = {}
        # literal -> (topic, (label,)) of the queries that are an OR of word literals, this
        # one among them: a hit is a match, with no evaluation and no per-query lookup.
        self._direct: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {}
        self._main: AhoCorasick | None = None
        self._main_literals: frozenset[str] = frozenset()
        self._dead = 0  # literals in the main automaton that no query uses any more
        self._wanted: set[str] = set()  # live literals not in the main automaton
        self._delta: AhoCorasick | None = None
        self._delta_literals: frozenset[str] = frozenset()
        self._dirty = False
        self._seen: Counter[str] = Counter()  # literal -> sampled documents containing it
        self._documents = 0
        self._next_plan = FIRST_PLAN

    @classmethod
    def from_queries(cls, queries: Iterable[tuple[int, str]], *, delta_limit: int = 512) -> Matcher:
        """A matcher for all (topic id, query) pairs; raises QueryError for an invalid query."""
        matcher = cls(delta_limit=delta_limit)
        for topic_id, query in queries:
            matcher.add(topic_id, query)
        matcher.build()
        return matcher

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, topic_id: object) -> bool:
        return topic_id in self._queries

    @property
    def literal_count(self) -> int:
        """How many distinct literals the queries use."""
        return len(self._refs)

    @property
    def always_count(self) -> int:
        """How many queries have no trigger literal and are evaluated for every document."""
        return len(self._always)

    def add(self, topic_id: int, query: str) -> None:
        """Add a topic's query, replacing its previous one; raises QueryError if invalid."""
        compiled = compile_query(parse(query))
        if topic_id in self._queries:
            self.remove(topic_id)
        self._queries[topic_id] = compiled
        for literal in compiled.patterns:
            count = self._refs.get(literal, 0)
            self._refs[literal] = count + 1
            if count == 0:
                if literal in self._main_literals:
                    self._dead -= 1
                else:
                    self._wanted.add(literal)
        planned = compiled.triggers
        if self._seen and has_choice(compiled.node):
            planned = triggers(compiled.node, frequency_cost(self._seen))
        self._register(topic_id, compiled, planned)
        self._dirty = True

    def remove(self, topic_id: int) -> None:
        """Remove a topic's query; raises NotFoundError when the matcher does not have it."""
        compiled = self._queries.pop(topic_id, None)
        if compiled is None:
            raise NotFoundError(f"topic {topic_id} is not in this matcher")
        for literal in compiled.patterns:
            count = self._refs[literal] - 1
            if count:
                self._refs[literal] = count
                continue
            del self._refs[literal]
            if literal in self._main_literals:
                self._dead += 1
            else:
                self._wanted.discard(literal)
        self._unregister(topic_id, compiled)
        self._dirty = True

    def build(self, *, full: bool = False) -> None:
        """Bring the automata up to date now (``match`` does it when needed)."""
        too_many_dead = self._dead > max(self.delta_limit, len(self._main_literals) // 4)
        first = self._main is None and bool(self._wanted)
        if full or first or too_many_dead or len(self._wanted) > self.delta_limit:
            self._main_literals = frozenset(self._refs)
            self._main = _automaton(self._main_literals)
            self._dead = 0
            self._wanted = set()
            self.full_builds += 1
        if self._delta_literals != self._wanted:
            self._delta_literals = frozenset(self._wanted)
            self._delta = _automaton(self._delta_literals)
        self._dirty = False

    def scan(self, doc: Document) -> set[str]:
        """The padded literals of all queries that occur in the document (automaton scan)."""
        return self.scan_text(doc.padded)

    def scan_text(self, padded: str) -> set[str]:
        """The literals found in a padded word string (``Document.padded``)."""
        if self._dirty:
            self.build()
        hits: set[str] = set()
        if self._main is not None:
            hits.update(self._main.find_matches_as_strings(padded, overlapping=True))
        if self._delta is not None:
            hits.update(self._delta.find_matches_as_strings(padded, overlapping=True))
        return hits

    def match(self, doc: Document) -> list[tuple[int, tuple[str, ...]]]:
        """(topic id, matched terms) for every query the document matches, by topic id."""
        hits = self.scan_text(doc.padded)
        self._documents += 1
        if self._documents % SAMPLE_EVERY == 0:
            self._seen.update(hits)
            if self._documents >= self._next_plan:
                self.plan()
        out: list[tuple[int, tuple[str, ...]]] = []
        direct = self._direct
        for literal in hits & direct.keys():
            out.extend(direct[literal])
        if len(out) > 1 and len({topic_id for topic_id, _ in out}) < len(out):
            out = self._merge(out, hits, doc)
        candidates = self._candidates(hits)
        self.evaluations += len(candidates) + len(out)
        for topic_id, query in candidates.items():
            if query.sure or query.test(hits, doc):
                terms = query.fixed_terms
                out.append((topic_id, query.terms(hits, doc) if terms is None else terms))
        out.sort(key=_first)
        return out

    def _merge(
        self, found: list[tuple[int, tuple[str, ...]]], hits: set[str], doc: Document
    ) -> list[tuple[int, tuple[str, ...]]]:
        """One entry per topic when several literals of one OR query occurred."""
        counts = Counter(topic_id for topic_id, _ in found)
        out = [entry for entry in found if counts[entry[0]] == 1]
        for topic_id, count in counts.items():
            if count > 1:
                out.append((topic_id, self._queries[topic_id].terms(hits, doc)))
        return out

    def candidates(self, doc: Document) -> list[int]:
        """The topics ``match`` considers for this document (found by a trigger), sorted."""
        hits = self.scan_text(doc.padded)
        direct = {t for literal in hits & self._direct.keys() for t, _ in self._direct[literal]}
        return sorted([*self._candidates(hits), *direct])

    def plan(self) -> None:
        """Re-choose every query's triggers by the literal frequencies seen so far."""
        self._next_plan = max(self._next_plan, self._documents) * 8
        cost = frequency_cost(self._seen)
        for topic_id, compiled in self._queries.items():
            if has_choice(compiled.node):
                planned = triggers(compiled.node, cost)
                if planned != self._planned[topic_id]:
                    self._unregister(topic_id, compiled)
                    self._register(topic_id, compiled, planned)

    def _register(
        self, topic_id: int, compiled: CompiledQuery, planned: frozenset[str] | None
    ) -> None:
        self._planned[topic_id] = planned
        if planned is None:
            self._always[topic_id] = compiled
        elif compiled.sure:
            for literal, text in _word_labels(compiled.node).items():
                self._direct[literal] = (*self._direct.get(literal, ()), (topic_id, (text,)))
        else:
            for literal in planned:
                self._triggers.setdefault(literal, {})[topic_id] = compiled

    def _unregister(self, topic_id: int, compiled: CompiledQuery) -> None:
        planned = self._planned.pop(topic_id)
        if planned is None:
            del self._always[topic_id]
        elif compiled.sure:
            for literal in planned:
                kept = tuple(entry for entry in self._direct[literal] if entry[0] != topic_id)
                if kept:
                    self._direct[literal] = kept
                else:
                    del self._direct[literal]
        else:
            for literal in planned:
                topics = self._triggers[literal]
                del topics[topic_id]
                if not topics:
                    del self._triggers[literal]

    def _candidates(self, hits: set[str]) -> dict[int, CompiledQuery]:
        candidates = dict(self._always)
        triggers = self._triggers
        for literal in hits & triggers.keys():
            candidates.update(triggers[literal])
        return candidates


def _word_labels(node: Node) -> dict[str, str]:
    """Padded literal -> label of the word literals of a query."""
    return {word_pattern(n): label(n) for n in walk(node) if isinstance(n, Term | Phrase)}


def _first(item: tuple[int, tuple[str, ...]]) -> int:
    return item[0]


def _automaton(literals: Iterable[str]) -> AhoCorasick | None:
    patterns = list(literals)
    return AhoCorasick(patterns) if patterns else None
