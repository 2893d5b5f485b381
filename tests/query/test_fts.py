"""query.fts: the full-text prefilter selects a superset of the matching posts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from resonanz.query import parse, to_fts
from resonanz.query.reference import Post, reference_matches
from resonanz.query.text import search_text
from resonanz.store.base import FtsExpr

from .strategies import posts, queries


def fts_selects(expr: FtsExpr, words: list[str]) -> bool:
    """What a full-text index does with expr over a document's folded words."""
    if expr[0] == "term":
        _, word, prefix = expr
        return any(w == word or (prefix and w.startswith(word)) for w in words)
    if expr[0] == "phrase":
        _, run, prefix = expr
        k = len(run)
        for i in range(len(words) - k + 1):
            window = words[i : i + k]
            last_ok = window[-1] == run[-1] or (prefix and window[-1].startswith(run[-1]))
            if window[:-1] == list(run[:-1]) and last_ok:
                return True
        return False
    if expr[0] == "and":
        return all(fts_selects(part, words) for part in expr[1])
    return any(fts_selects(part, words) for part in expr[1])


@settings(max_examples=150, deadline=None, database=None)
@given(queries, st.lists(posts(), min_size=1, max_size=6))
def test_prefilter_is_a_superset(query: str, post_list: list[Post]) -> None:
    expr = to_fts(parse(query))
    for post in post_list:
        if expr is not None and reference_matches(parse(query), post):
            words = search_text([post.title, post.text]).split()
            assert fts_selects(expr, words), (query, post)


def test_words_phrases_and_wildcards() -> None:
    assert to_fts(parse("Bahn")) == ("term", "bahn", False)
    assert to_fts(parse("bahn*")) == ("term", "bahn", True)
    assert to_fts(parse('"Deutsche Bahn"')) == ("phrase", ("deutsche", "bahn"), False)
    assert to_fts(parse('"deutsche bah*"')) == ("phrase", ("deutsche", "bah"), True)
    assert to_fts(parse("S-Bahn")) == ("phrase", ("s", "bahn"), False)


def test_boolean_structure() -> None:
    assert to_fts(parse("bahn OR zug")) == (
        "or",
        (("term", "bahn", False), ("term", "zug", False)),
    )
    assert to_fts(parse("bahn zug")) == ("and", (("term", "bahn", False), ("term", "zug", False)))
    # NOT can't narrow an index safely: it is dropped from an AND ...
    assert to_fts(parse("bahn NOT streik")) == ("term", "bahn", False)
    # ... and an OR with an unconstrained branch is unconstrained.
    assert to_fts(parse("bahn OR NOT streik")) is None
    assert to_fts(parse("NOT streik")) is None
    # nested ORs and ANDs are flattened
    assert to_fts(parse("(a1 OR (b1 OR c1)) AND (d1 AND e1)")) == (
        "and",
        (
            ("or", (("term", "a1", False), ("term", "b1", False), ("term", "c1", False))),
            ("term", "d1", False),
            ("term", "e1", False),
        ),
    )


def test_near_fields_hashtags_and_handles() -> None:
    assert to_fts(parse("zug NEAR/3 (spät OR ausfall)")) == (
        "and",
        (
            ("term", "zug", False),
            ("or", (("term", "spaet", False), ("term", "ausfall", False))),
        ),
    )
    assert to_fts(parse("lang:de")) is None
    assert to_fts(parse("bahn site:bahn.de author:x platform:y")) == ("term", "bahn", False)
    assert to_fts(parse("#Bahn")) == ("term", "bahn", False)
    assert to_fts(parse("@DB_Bahn")) == ("phrase", ("db", "bahn"), False)
