"""The Matcher: many topics at once, incremental changes, trigger planning."""

from __future__ import annotations

import pytest

from resonanz.errors import NotFoundError, QueryError
from resonanz.query import Document, Matcher


def doc(text: str, **fields: str | None) -> Document:
    return Document.build(text=text, **fields)


def test_match_returns_topics_in_id_order_with_terms() -> None:
    matcher = Matcher.from_queries(
        [
            (7, "bahn OR zug"),
            (3, '"deutsche bahn" NOT streik'),
            (5, "flixbus"),
            (1, "#bahn"),
        ]
    )
    assert matcher.match(doc("Die Deutsche Bahn und ihre Züge #Bahn")) == [
        (1, ("#bahn",)),
        (3, ("deutsche bahn",)),
        (7, ("bahn",)),
    ]
    assert matcher.match(doc("Flixbus fährt")) == [(5, ("flixbus",))]
    assert matcher.match(doc("nichts")) == []


def test_queries_without_triggers_are_evaluated_for_every_document() -> None:
    matcher = Matcher.from_queries([(1, "NOT streik"), (2, "lang:de"), (3, "bahn")])
    assert matcher.always_count == 2
    assert matcher.match(doc("Ruhe", lang="de")) == [(1, ()), (2, ())]
    assert matcher.match(doc("Streik", lang="en")) == []


def test_and_triggers_on_one_side_only() -> None:
    matcher = Matcher.from_queries([(1, "(flixbus OR flixtrain) AND (bus OR zug OR ice)")])
    # Two trigger literals instead of three: the candidates are the flix* documents.
    assert matcher.candidates(doc("Der Bus kommt")) == []
    assert matcher.candidates(doc("Flixbus ohne Zug")) == [1]
    assert matcher.match(doc("Flixbus ohne Zug")) == [(1, ("flixbus", "zug"))]


def test_hashtags_and_handles_are_looked_up_in_the_document() -> None:
    matcher = Matcher.from_queries([(1, "#db_bahn"), (2, "@db_info OR zug"), (3, "#db_bahn zug")])
    # Direct queries (ORs of words, hashtags, handles) are found by the post's own hashtags
    # and handles; in others a hashtag or handle still triggers on its words.
    assert matcher.candidates(doc("DB Bahn")) == [3]
    assert matcher.candidates(doc("#DB_Bahn")) == [1, 3]
    assert matcher.match(doc("Zug #db_info")) == [(2, ("zug",))]
    assert matcher.match(doc("Zug @db_info")) == [(2, ("@db_info", "zug"))]
    assert matcher.match(doc("DB Bahn")) == []
    assert matcher.match(doc("#DB_Bahn und @DB_Info")) == [(1, ("#db_bahn",)), (2, ("@db_info",))]


def test_add_replace_and_remove() -> None:
    matcher = Matcher()
    matcher.add(1, "bahn")
    matcher.add(2, "zug")
    assert len(matcher) == 2 and 1 in matcher
    assert [t for t, _ in matcher.match(doc("Bahn Zug"))] == [1, 2]
    matcher.add(1, "streik")  # replaces topic 1's query
    assert [t for t, _ in matcher.match(doc("Bahn Zug"))] == [2]
    matcher.remove(2)
    assert matcher.match(doc("Bahn Zug")) == []
    assert matcher.match(doc("Streik")) == [(1, ("streik",))]
    with pytest.raises(NotFoundError):
        matcher.remove(2)


def test_an_invalid_query_changes_nothing() -> None:
    matcher = Matcher.from_queries([(1, "bahn")])
    with pytest.raises(QueryError):
        matcher.add(1, "bahn AND")
    assert matcher.match(doc("Bahn")) == [(1, ("bahn",))]
    with pytest.raises(QueryError):
        Matcher.from_queries([(1, "bahn"), (2, "(zug")])


def test_new_literals_go_into_a_delta_automaton() -> None:
    matcher = Matcher.from_queries((i, f"wort{i}") for i in range(100))
    assert matcher.full_builds == 1
    for i in range(100, 110):
        matcher.add(i, f"wort{i}")
        assert matcher.match(doc(f"ein wort{i}")) == [(i, (f"wort{i}",))]
    assert matcher.full_builds == 1  # only the small delta automaton was rebuilt
    assert matcher.match(doc("wort5 wort105")) == [(5, ("wort5",)), (105, ("wort105",))]


def test_the_main_automaton_is_rebuilt_when_the_delta_grows() -> None:
    matcher = Matcher(delta_limit=3)
    for i in range(4):
        matcher.add(i, f"wort{i}")
    matcher.match(doc("x"))
    assert matcher.full_builds == 1
    matcher.add(10, "neu1 OR neu2")
    matcher.match(doc("x"))
    assert matcher.full_builds == 1
    matcher.add(11, "neu3 OR neu4")
    assert matcher.match(doc("neu4 wort0")) == [(0, ("wort0",)), (11, ("neu4",))]
    assert matcher.full_builds == 2


def test_the_main_automaton_is_rebuilt_after_many_removals() -> None:
    matcher = Matcher.from_queries(((i, f"wort{i}") for i in range(20)), delta_limit=2)
    for i in range(5):  # a quarter of the literals are dead: not yet
        matcher.remove(i)
    matcher.match(doc("x"))
    assert matcher.full_builds == 1
    matcher.remove(5)
    matcher.match(doc("x"))
    assert matcher.full_builds == 2
    assert matcher.literal_count == 14
    assert matcher.match(doc("wort1 wort6")) == [(6, ("wort6",))]


def test_a_removed_literal_can_come_back() -> None:
    matcher = Matcher.from_queries([(1, "bahn"), (2, "zug")])
    matcher.remove(1)
    assert matcher.match(doc("Bahn")) == []
    matcher.add(3, "bahn")
    assert matcher.match(doc("Bahn")) == [(3, ("bahn",))]
    assert matcher.full_builds == 1


def test_planning_moves_triggers_to_the_rarer_side() -> None:
    # Statically "(flixbus) AND (bus OR zug)" would trigger on the single literal; here the
    # static guess prefers the group with fewer literals, which is the common one.
    matcher = Matcher.from_queries([(1, "(flixbus OR meinfernbus) AND zugverbindung")])
    assert matcher.candidates(doc("zugverbindung")) == [1]
    for _ in range(64):
        matcher.match(doc("Die Zugverbindung ist gut"))
    matcher.match(doc("Flixbus fährt"))
    matcher.plan()
    assert matcher.candidates(doc("zugverbindung")) == []
    assert matcher.candidates(doc("flixbus")) == [1]
    assert matcher.match(doc("Flixbus statt Zugverbindung")) == [(1, ("flixbus", "zugverbindung"))]
    matcher.add(2, "(meinfernbus OR flixbus) zugverbindung")  # new queries use what was seen
    assert matcher.candidates(doc("zugverbindung")) == []


def test_evaluations_are_counted() -> None:
    matcher = Matcher.from_queries([(1, "bahn"), (2, "bahn zug"), (3, "NOT x1")])
    matcher.match(doc("Bahn"))
    assert matcher.evaluations == 3


def test_a_query_found_by_two_triggers_is_reported_once() -> None:
    matcher = Matcher.from_queries(
        [
            (1, "(flixbus OR flixtrain) AND (bus OR zug) NOT streik"),
            (2, "(flixbus OR #flix OR @flix) OR flixtrain"),
            (3, "flixbus zug site:bahn.de"),
        ]
    )
    post = doc("Flixbus, Flixtrain und Zug #Flix @flix", url="https://www.bahn.de/x")
    assert matcher.match(post) == [
        (1, ("flixbus", "flixtrain", "zug")),
        (2, ("flixbus", "#flix", "@flix", "flixtrain")),
        (3, ("flixbus", "zug")),
    ]
    assert matcher.match(doc("Flixbus und Zug im Streik")) == [(2, ("flixbus",))]
    assert matcher.match(doc("Flixtrain", url="bahn.de")) == [(2, ("flixtrain",))]
