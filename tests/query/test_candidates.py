"""The compiled inner loop (``_fastmatch``) and the Python one give the same matches."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resonanz.query import Document, Matcher, lint
from resonanz.query import candidates as loop
from resonanz.query.candidates import Run
from resonanz.query.reference import Post

from .strategies import posts, queries
from .test_properties import _document, _expected

native = loop.native_run_candidates
needs_native = pytest.mark.skipif(
    native is None, reason="resonanz.query._fastmatch is not built (no C compiler at install)"
)
SETTINGS = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@contextmanager
def using(run: Run) -> Iterator[None]:
    saved = loop.run_candidates
    loop.run_candidates = run
    try:
        yield
    finally:
        loop.run_candidates = saved


def _run_both(matcher: Matcher, doc: Document) -> list[tuple[int, tuple[str, ...]]]:
    assert native is not None
    before = matcher.evaluations
    with using(loop.python_run_candidates):
        slow = matcher.match(doc)
    slow_evaluations = matcher.evaluations - before
    with using(native):
        fast = matcher.match(doc)
    assert fast == slow, doc
    assert matcher.evaluations - before == 2 * slow_evaluations
    return fast


@needs_native
@SETTINGS
@given(st.lists(queries, min_size=1, max_size=10), st.lists(posts(), min_size=1, max_size=8))
def test_native_and_python_loops_agree(query_list: list[str], post_list: list[Post]) -> None:
    for query in query_list:
        assert lint(query).ok, query
    topics = dict(enumerate(query_list, start=1))
    matcher = Matcher.from_queries(topics.items())
    for post in post_list:
        assert _run_both(matcher, _document(post)) == _expected(topics, post), post


@needs_native
def test_native_loop_on_every_kind_of_check() -> None:
    # Direct ORs, ANDs with groups and NOTs, NEAR and field rests, terms that are fixed,
    # filtered from pairs, or collected by a function, and a query with no trigger.
    topics = {
        1: "bahn OR zug",
        2: "(bahn OR zug) AND (streik OR verspätung*)",
        3: "bahn AND NOT (streik OR ice)",
        4: "bahn NEAR/2 streik",
        5: "(bahn OR zug) lang:de",
        6: "(bahn NEAR/1 streik) OR (zug AND #bahn)",
        7: "NOT ice",
        8: "#bahn OR @db_bahn",
    }
    matcher = Matcher.from_queries(topics.items())
    texts = [
        "Die Bahn streikt, Streik bei der Bahn #Bahn @DB_Bahn",
        "Zug mit Verspätungen, kein ICE",
        "ICE und Bahn",
        "nichts",
    ]
    for text in texts:
        post = Post(text=text, lang="de")
        doc = Document.build(text=text, lang="de")
        assert _run_both(matcher, doc) == _expected(topics, post)


@needs_native
def test_native_loop_refuses_wrong_shapes() -> None:
    assert native is not None
    doc = Document.build(text="bahn")
    with pytest.raises(TypeError, match="hits must be a set"):
        native(["x"], {}, (), doc, [])  # type: ignore[arg-type]
    bad_check = ((1, (frozenset(), ())),)
    with pytest.raises(TypeError, match="7-tuple"):
        native({" bahn "}, {}, bad_check, doc, [])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"\(entries, checks\)"):
        native({" bahn "}, {" bahn ": ((), (), ())}, (), doc, [])  # type: ignore[dict-item]


def test_python_loop_is_used_without_the_extension() -> None:
    # What a machine without a C compiler runs: the Python loop, against the reference.
    topics = {1: "(bahn OR zug) AND NOT streik", 2: "bahn NEAR/3 zug", 3: "zug*"}
    matcher = Matcher.from_queries(topics.items())
    post = Post(text="Die Bahn und ein Zug")
    with using(loop.python_run_candidates):
        found = matcher.match(_document(post))
    assert found == _expected(topics, post)
    assert [topic for topic, _ in found] == [1, 2, 3]


def test_package_imports_and_matches_without_the_extension() -> None:
    # As on a machine where the extension was not built: importing it fails.
    code = (
        "import sys; sys.modules['resonanz.query._fastmatch'] = None\n"
        "from resonanz.query import Document, Matcher, candidates\n"
        "assert candidates.native_run_candidates is None\n"
        "assert candidates.run_candidates is candidates.python_run_candidates\n"
        "m = Matcher.from_queries([(1, 'bahn AND (zug OR ice)'), (2, 'streik')])\n"
        "print(m.match(Document.build(text='Bahn, Zug und ICE')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[(1, ('bahn', 'zug', 'ice'))]"
