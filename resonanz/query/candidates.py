"""The matcher's inner loop: look up the found literals, test the candidate queries.

``run_candidates(hits, index, always, doc, out)`` appends an entry ``(topic id, terms)``
to ``out`` for every direct query whose literal was found and every triggered (or always
evaluated) query whose check holds, and returns how many entries and checks it looked at.
``index`` maps a padded literal to ``(entries, checks)``; a check is the ``Check`` tuple
of ``matcher._check``: required literals, groups of literals (one of each must occur),
excluded literals, a rest test (None: true), then the terms: fixed, or ``(literal, label)``
pairs whose found literals (None: always) are the terms, or a function that collects them.

The compiled version in ``_fastmatch.c`` does the same in C and is used when it was built
(``pip install -e .`` builds it where a C compiler is found); ``python_run_candidates`` is
the same loop in Python, used without it. Both give the same entries in the same order
(tests/query/test_candidates.py).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import TypeAlias

from resonanz.query.compiler import TermPairs, Terms, Test
from resonanz.query.document import Document

Entry: TypeAlias = tuple[int, tuple[str, ...]]  # (topic id, matched terms)
Literals: TypeAlias = frozenset[str]
Check: TypeAlias = tuple[
    Literals,  # required: all occur
    tuple[Literals, ...],  # groups: one literal of each occurs
    Literals,  # excluded: none occurs
    Test | None,  # the rest of the query (None: true)
    tuple[str, ...] | None,  # fixed terms
    TermPairs | None,  # (literal or None, label): the terms whose literal occurs
    Terms,  # collects the terms when neither of the two above is given
]
Checks: TypeAlias = tuple[tuple[int, Check], ...]
Index: TypeAlias = dict[str, tuple[tuple[Entry, ...], Checks]]
Run: TypeAlias = Callable[[set[str], Index, Checks, Document, list[Entry]], int]


def python_run_candidates(
    hits: set[str], index: Index, always: Checks, doc: Document, out: list[Entry]
) -> int:
    """See the module docstring."""
    evaluations = _run_checks(always, hits, doc, out)
    for literal in hits:
        found = index.get(literal)
        if found is not None:
            entries, checks = found
            out.extend(entries)
            evaluations += len(entries)
            if checks:
                evaluations += _run_checks(checks, hits, doc, out)
    return evaluations


def _run_checks(checks: Checks, hits: AbstractSet[str], doc: Document, out: list[Entry]) -> int:
    for topic_id, (required, groups, excluded, rest, fixed, pairs, terms) in checks:
        if not (required <= hits and excluded.isdisjoint(hits)):
            continue
        for group in groups:
            if group.isdisjoint(hits):
                break
        else:
            if rest is None or rest(hits, doc):
                if fixed is None:
                    if pairs is not None:
                        fixed = tuple([t for lit, t in pairs if lit is None or lit in hits])
                    else:
                        fixed = terms(hits, doc)
                out.append((topic_id, fixed))
    return len(checks)


def _native() -> Run | None:
    try:
        from resonanz.query._fastmatch import run_candidates
    except ImportError:  # not built (no C compiler at install time): the Python loop
        return None
    return run_candidates


native_run_candidates = _native()
run_candidates: Run = native_run_candidates or python_run_candidates
