"""Match documents against many topic queries at once.

All queries' word literals go into one Aho-Corasick automaton (``ahocorasick_rs``) that
scans ``Document.padded``. Literals are stored padded with spaces (`` bahn `` for the word,
`` bahn`` for the prefix ``bahn*``), which is the word-boundary check: a hit can only start
at a word start and, unless it is a prefix, end at a word end. A query is evaluated only
when one of its trigger literals was found (see ``compiler.triggers``). An OR of words,
hashtags and handles is never evaluated: its found words and the post's hashtags and handles
are looked up in tables of entries. An AND of words, groups and NOTs of them is tested with
set operations (``compiler.FlatAnd``), leaving out the child its triggers come from.

Which child of an AND (or side of a NEAR) triggers is first guessed from the literals
(fewest, longest); the matcher counts how often each literal occurs in the first 500
documents and every 8th after, and after 500 documents and then every 8 times as many re-plans the
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
from operator import itemgetter

from ahocorasick_rs import AhoCorasick

from resonanz.errors import NotFoundError
from resonanz.query import candidates as loop
from resonanz.query.candidates import Check, Checks, Entry, Index
from resonanz.query.compiler import (
    CompiledQuery,
    compile_query,
    frequency_cost,
    has_choice,
    triggers,
)
from resonanz.query.document import Document
from resonanz.query.nodes import (
    Hashtag,
    Mention,
    Node,
    Or,
    Phrase,
    Term,
    label,
    tag_pattern,
    word_pattern,
)
from resonanz.query.parser import parse

SAMPLE_EVERY = 8  # count literal frequencies in every 8th document after the first plan
FIRST_PLAN = 500  # documents (all sampled) before the first re-plan; then 8 times as many

_NONE: frozenset[str] = frozenset()


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
        self._triggers: dict[str, dict[int, Check]] = {}
        self._always: dict[int, Check] = {}
        self._always_items: Checks = ()
        # literal -> (topic, (label,)) of the queries that are an OR of word literals, this
        # one among them: a hit is a match, with no evaluation and no per-query lookup.
        # The same for the hashtags and handles of ORs that also have such children: they
        # are looked up in the document's hashtags and handles, not triggered by their words.
        self._direct: dict[str, tuple[Entry, ...]] = {}
        self._direct_tags: dict[str, tuple[Entry, ...]] = {}
        self._direct_handles: dict[str, tuple[Entry, ...]] = {}
        # The words those hashtags / handles leave in the word string (see
        # ``nodes.tag_pattern``) -> how many table entries: the document's hashtags and
        # handles are only looked at when one of them occurs.
        self._tag_words: dict[str, int] = {}
        self._handle_words: dict[str, int] = {}
        # literal -> (its direct entries, its triggered queries): what ``match`` reads, one
        # lookup per literal found.
        self._index: Index = {}
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
        if self._main is not None:
            hits = set(self._main.find_matches_as_strings(padded, overlapping=True))
        else:
            hits = set()
        if self._delta is not None:
            hits.update(self._delta.find_matches_as_strings(padded, overlapping=True))
        return hits

    def match(self, doc: Document) -> list[tuple[int, tuple[str, ...]]]:
        """(topic id, matched terms) for every query the document matches, by topic id."""
        hits = self.scan_text(doc.padded)
        self._documents += 1
        if self._documents <= FIRST_PLAN or self._documents % SAMPLE_EVERY == 0:
            self._seen.update(hits)
            if self._documents >= self._next_plan:
                self.plan()
        out: list[Entry] = []
        evaluations = loop.run_candidates(hits, self._index, self._always_items, doc, out)
        before = len(out)
        self._direct_tags_and_handles(hits, doc, out)
        evaluations += len(out) - before
        self.evaluations += evaluations
        if len(out) > 1 and len(dict(out)) < len(out):
            out = self._merge(out, hits, doc)
        out.sort(key=_topic)
        return out

    def _direct_matches(self, hits: set[str], doc: Document) -> list[Entry]:
        """One entry per word, hashtag or handle of a direct query that occurs."""
        out: list[Entry] = []
        direct = self._direct
        for literal in hits & direct.keys():
            out.extend(direct[literal])
        self._direct_tags_and_handles(hits, doc, out)
        return out

    def _direct_tags_and_handles(self, hits: set[str], doc: Document, out: list[Entry]) -> None:
        """Add the entries of the document's hashtags and handles in direct queries."""
        # Most posts have no "#" / "@" (the Document knows it without parsing): then nothing
        # else is looked at; otherwise the tables only when one of their words occurs.
        words = self._tag_words
        if words and (tags := doc.hashtags) and not words.keys().isdisjoint(hits):
            direct = self._direct_tags
            for tag in tags & direct.keys():
                out.extend(direct[tag])
        words = self._handle_words
        if words and (handles := doc.mentions) and not words.keys().isdisjoint(hits):
            direct = self._direct_handles
            for handle in handles & direct.keys():
                out.extend(direct[handle])

    def _merge(
        self, found: list[tuple[int, tuple[str, ...]]], hits: set[str], doc: Document
    ) -> list[tuple[int, tuple[str, ...]]]:
        """One entry per topic: when several parts of one OR query occurred, or when a query
        was found by two of its triggers."""
        counts = Counter(topic_id for topic_id, _ in found)
        out = [entry for entry in found if counts[entry[0]] == 1]
        for topic_id, count in counts.items():
            if count > 1:
                query = self._queries[topic_id]
                terms = query.fixed_terms
                out.append((topic_id, query.terms(hits, doc) if terms is None else terms))
        return out

    def candidates(self, doc: Document) -> list[int]:
        """The topics ``match`` considers for this document (found by a trigger), sorted."""
        hits = self.scan_text(doc.padded)
        direct = {topic_id for topic_id, _ in self._direct_matches(hits, doc)}
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
        parts = _direct_parts(compiled.node) if planned is not None else None
        if planned is None:
            self._always[topic_id] = _check(compiled, None)
            self._always_items = tuple(self._always.items())
        elif parts is not None:
            for index, key, text in zip(*_direct_keys(parts), strict=True):
                table, words = self._tables()[index]
                table[key] = (*table.get(key, ()), (topic_id, (text,)))
                if words is not None:
                    literal = tag_pattern(key)
                    words[literal] = words.get(literal, 0) + 1
                else:
                    self._reindex(key)
        else:
            check = _check(compiled, planned)
            for literal in planned:
                self._triggers.setdefault(literal, {})[topic_id] = check
                self._reindex(literal)

    def _unregister(self, topic_id: int, compiled: CompiledQuery) -> None:
        planned = self._planned.pop(topic_id)
        parts = _direct_parts(compiled.node) if planned is not None else None
        if planned is None:
            del self._always[topic_id]
            self._always_items = tuple(self._always.items())
        elif parts is not None:
            for index, key, _ in zip(*_direct_keys(parts), strict=True):
                table, words = self._tables()[index]
                kept = tuple(entry for entry in table[key] if entry[0] != topic_id)
                if kept:
                    table[key] = kept
                else:
                    del table[key]
                if words is None:
                    self._reindex(key)
                else:
                    literal = tag_pattern(key)
                    if words[literal] > 1:
                        words[literal] -= 1
                    else:
                        del words[literal]
        else:
            for literal in planned:
                topics = self._triggers[literal]
                del topics[topic_id]
                if not topics:
                    del self._triggers[literal]
                self._reindex(literal)

    def _reindex(self, literal: str) -> None:
        """Bring ``_index`` up to date for one literal after a change to its queries."""
        entries = self._direct.get(literal, ())
        checks = tuple(self._triggers.get(literal, {}).items())
        if entries or checks:
            self._index[literal] = (entries, checks)
        else:
            self._index.pop(literal, None)

    def _tables(self) -> tuple[tuple[dict[str, tuple[Entry, ...]], dict[str, int] | None], ...]:
        """The direct tables by index: words (padded literals), hashtags, handles."""
        return (
            (self._direct, None),
            (self._direct_tags, self._tag_words),
            (self._direct_handles, self._handle_words),
        )

    def _candidates(self, hits: set[str]) -> dict[int, Check]:
        candidates = dict(self._always)
        triggers = self._triggers
        for literal in hits & triggers.keys():
            candidates.update(triggers[literal])
        return candidates


DirectPart = Term | Phrase | Hashtag | Mention


def _check(compiled: CompiledQuery, planned: frozenset[str] | None) -> Check:
    """How to test a query found by one of the planned triggers (None: by none).

    An AND of words, groups of words, NOTs of them and other conditions is tested with set
    operations (``compiler.FlatAnd``). The child the triggers come from is left out: it
    holds whenever one of them occurs, and the query is only tested then.
    """
    flat = compiled.flat
    fixed, pairs, terms = compiled.fixed_terms, compiled.term_pairs, compiled.terms
    if flat is None:
        return (_NONE, (), _NONE, compiled.test, fixed, pairs, terms)
    required, groups = flat.required, flat.groups
    if planned is not None:
        if len(planned) == 1 and planned <= required:
            required = required - planned
        elif planned in groups:
            i = groups.index(planned)
            groups = groups[:i] + groups[i + 1 :]
    return (required, groups, flat.excluded, flat.rest, fixed, pairs, terms)


def _direct_parts(node: Node) -> list[DirectPart] | None:
    """The children of an OR of words, hashtags and handles (or the one such node), else None.

    Such a query matches exactly when one of them occurs: the matcher needs no evaluation.
    """
    if isinstance(node, Term | Phrase | Hashtag | Mention):
        return [node]
    if isinstance(node, Or):
        parts = [c for c in node.children if isinstance(c, Term | Phrase | Hashtag | Mention)]
        if len(parts) == len(node.children):
            return parts
    return None


def _direct_keys(parts: list[DirectPart]) -> tuple[list[int], list[str], list[str]]:
    """(table index, key, label) of each distinct part: see ``Matcher._tables``."""
    keys: dict[tuple[int, str], str] = {}
    for part in parts:
        if isinstance(part, Hashtag):
            keys.setdefault((1, part.tag), label(part))
        elif isinstance(part, Mention):
            keys.setdefault((2, part.handle), label(part))
        else:
            keys.setdefault((0, word_pattern(part)), label(part))
    return [i for i, _ in keys], [k for _, k in keys], list(keys.values())


_topic = itemgetter(0)


def _automaton(literals: Iterable[str]) -> AhoCorasick | None:
    patterns = list(literals)
    return AhoCorasick(patterns, store_patterns=True) if patterns else None
