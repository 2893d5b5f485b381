"""FtsExpr translation to FTS5 / tsquery, and the superset guarantee on both backends."""

from __future__ import annotations

import random
from typing import Any

import pytest

from resonanz.models import Workspace
from resonanz.query.text import search_text
from resonanz.store import FtsExpr, MentionFilter, SqlStore
from resonanz.store.fts import to_fts5, to_tsquery


def term(word: str, prefix: bool = False) -> FtsExpr:
    return ("term", word, prefix)


def phrase(*words: str, prefix: bool = False) -> FtsExpr:
    return ("phrase", tuple(words), prefix)


def and_(*exprs: FtsExpr) -> FtsExpr:
    return ("and", exprs)


def or_(*exprs: FtsExpr) -> FtsExpr:
    return ("or", exprs)


@pytest.mark.parametrize(
    ("expr", "fts5", "tsquery"),
    [
        (term("oepnv"), '"oepnv"', "'oepnv'"),
        (term("and"), '"and"', "'and'"),
        (term("NEAR", True), '"NEAR"*', "'NEAR':*"),
        (phrase("a", "b", "c"), '"a b c"', "'a' <-> 'b' <-> 'c'"),
        (phrase("a", "b", "c", prefix=True), '"a b c"*', "'a' <-> 'b' <-> 'c':*"),
        (
            and_(term("x"), or_(term("not"), phrase("or", "2024"))),
            '("x" AND ("not" OR "or 2024"))',
            "('x' & ('not' | 'or' <-> '2024'))",
        ),
        (and_(term("a"), and_(term("b"), term("c"))), '("a" AND "b" AND "c")', "('a' & 'b' & 'c')"),
        # Words carrying separators become phrases of their words; quotes never reach SQL.
        (term('say "hi"'), '"say hi"', "'say' <-> 'hi'"),
        (term("it's", True), '"it s"*', "'it' <-> 's':*"),
        (term("o'neil"), '"o neil"', "'o' <-> 'neil'"),
        # Characters the databases may tokenise differently are dropped: a wider selection.
        (term("٣"), None, None),
        (and_(term("bus"), term("٣")), '"bus"', "'bus'"),
        (or_(term("bus"), term("٣")), None, None),
        (phrase("a", "٣", "b", "c", prefix=True), '("a" AND "b c"*)', "('a' & 'b' <-> 'c':*)"),
        (phrase("a", "٣", prefix=True), '"a"', "'a'"),
        (term("x" * 1001), None, None),
        (term(""), None, None),
    ],
)
def test_translation(expr: FtsExpr, fts5: str | None, tsquery: str | None) -> None:
    assert to_fts5(expr) == fts5
    assert to_tsquery(expr) == tsquery


def test_malformed_expression_is_refused() -> None:
    bad: Any = ("xor", ())
    with pytest.raises(ValueError, match="not a full-text expression"):
        to_fts5(bad)


# Tricky raw words; the stored search_text holds their folded forms.
VOCABULARY = [
    "ÖPNV",
    "Straße",
    "Bahnhöfe",
    "and",
    "OR",
    "not",
    "NEAR",
    "near",
    "AND",
    '"quoted"',
    "don't",
    "2024",
    "1e5x",
    "3g",
    "e5",
    "12e",
    "x1e5",
    "abc123def",
    "ab½cd",
    "C#",
    "#ÖPNV",
    "@flixbus",
    "flixbus",
    "Flix",
    "bus",
    "Bus-Linie",
    "ελληνικά",
    "東京",
    "ıstanbul",
    "café",
    "٣",
    "〇",
    "zug",
    "verspätung",
    "ü",
    "ue",
    "a",
    "b",
]


def _words_of(text: str) -> list[str]:
    return search_text([text]).split()


def _holds(expr: FtsExpr, words: list[str]) -> bool:
    """Exact evaluation over a mention's search_text words (what Python would do)."""
    op = expr[0]
    if op == "term":
        word, prefix = expr[1], expr[2]
        return any(w == word or (prefix and w.startswith(word)) for w in words)  # type: ignore[arg-type]
    if op == "phrase":
        seq, prefix = expr[1], expr[2]
        n = len(seq)
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            if window[:-1] == list(seq[:-1]) and (
                window[-1] == seq[-1] or (prefix and window[-1].startswith(seq[-1]))  # type: ignore[union-attr]
            ):
                return True
        return False
    results = [_holds(child, words) for child in expr[1]]  # type: ignore[union-attr]
    return all(results) if op == "and" else any(results)


def _random_expr(rng: random.Random, pool: list[str], depth: int = 0) -> FtsExpr:
    kind = rng.random()
    if depth < 2 and kind < 0.3:
        children = tuple(_random_expr(rng, pool, depth + 1) for _ in range(rng.randint(2, 3)))
        return ("and" if rng.random() < 0.5 else "or", children)
    word = rng.choice(pool)
    if kind < 0.5:
        n = rng.randint(2, 3)
        start = rng.randrange(len(pool))
        return (
            "phrase",
            tuple(pool[(start + k) % len(pool)] for k in range(n)),
            rng.random() < 0.4,
        )
    prefix = rng.random() < 0.4
    if prefix and len(word) > 1:
        word = word[: rng.randint(1, len(word) - 1)]
    return ("term", word, prefix)


def test_prefilter_is_a_superset(store: SqlStore, ws: Workspace, make_mention) -> None:
    rng = random.Random(7)
    texts = [" ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(1, 6))) for _ in range(150)]
    texts += ["ÖPNV and Straße", "don't stop", "1e5x 3g", "not near", "b a"]
    store.save_batch(ws.id, [make_mention(str(i), text=t) for i, t in enumerate(texts)])
    words_by_id = {m.native_id: _words_of(m.text) for m in store.iter_mentions(ws.id)}
    pool = sorted({w for words in words_by_id.values() for w in words})
    exprs: list[FtsExpr] = [
        term("oepnv"),
        term("strasse"),
        phrase("oepnv", "and", "strasse"),
        term("don"),
        phrase("don", "t"),
        term("1e5"),
        term("1e5", True),
        phrase("not", "near"),
        term("near", True),
        term("bahnhoefe"),
        term("tokyo"),
        term("a"),
        phrase("b", "a"),
        and_(term("and"), or_(term("or"), term("not"))),
        term("ue"),
        term("u", True),
    ]
    exprs += [_random_expr(rng, pool) for _ in range(120)]
    exact_hits = 0
    for expr in exprs:
        expected = {nid for nid, words in words_by_id.items() if _holds(expr, words)}
        got = {m.native_id for m in store.iter_mentions(ws.id, MentionFilter(fts=expr))}
        assert got >= expected, f"{expr!r} missed {sorted(expected - got)}"
        exact_hits += got == expected
        assert store.count_mentions(ws.id, MentionFilter(fts=expr)) == len(got)
    # A superset, but not a useless one: most plain expressions come back exact.
    assert exact_hits >= len(exprs) * 0.8


def test_fts_combines_with_other_filters(store: SqlStore, ws: Workspace, make_mention) -> None:
    store.save_batch(
        ws.id,
        [
            make_mention("1", text="Flixbus fährt zum Hbf", platform="mastodon"),
            make_mention("2", text="Flixbus Verspätung"),
            make_mention("3", title="Flixbus-News", text="nichts"),
            make_mention("4", text="Fernbus"),
        ],
    )
    flt = MentionFilter(fts=term("flixbus"), platform="bluesky")
    assert sorted(m.native_id for m in store.iter_mentions(ws.id, flt)) == ["2", "3"]
    assert store.count_by(ws.id, "platform", MentionFilter(fts=term("faehrt"))) == [("mastodon", 1)]
    assert store.count_mentions(ws.id, MentionFilter(fts=term("bus", True))) == 0
    assert store.count_mentions(ws.id, MentionFilter(fts=term("fernbu", True))) == 1
    assert store.count_mentions(ws.id, MentionFilter(fts=term("٣"))) == 4  # no constraint
