"""Parsing queries into syntax trees: operators, precedence, operands."""

from __future__ import annotations

import pytest

from resonanz.errors import QueryError
from resonanz.query import (
    And,
    Field,
    Hashtag,
    Mention,
    Near,
    Not,
    Or,
    Phrase,
    Term,
    parse,
)


def t(word: str, prefix: bool = False) -> Term:
    return Term(word, prefix)


def test_terms_are_folded() -> None:
    assert parse("Bahnhöfe") == t("bahnhoefe")
    assert parse("STRASSE") == parse("Straße") == t("strasse")
    assert parse("Zu\u0308ge") == t("zuege")  # decomposed umlaut


def test_implicit_and_is_and() -> None:
    assert parse("bahn streik") == parse("bahn AND streik") == And((t("bahn"), t("streik")))


def test_not_after_an_operand_means_and_not() -> None:
    assert parse("bahn NOT streik") == And((t("bahn"), Not(t("streik"))))
    assert parse("bahn AND NOT streik") == parse("bahn NOT streik")
    assert parse("NOT streik") == Not(t("streik"))


def test_precedence_not_near_and_or() -> None:
    assert parse("a1 OR b1 AND c1") == Or((t("a1"), And((t("b1"), t("c1")))))
    assert parse("a1 AND b1 NEAR/2 c1") == And((t("a1"), Near(t("b1"), t("c1"), 2)))
    assert parse("(a1 OR b1) AND c1") == And((Or((t("a1"), t("b1"))), t("c1")))
    assert parse("NOT a1 OR b1") == Or((Not(t("a1")), t("b1")))


def test_nested_groups_are_flattened() -> None:
    assert parse("a1 OR (b1 OR c1)") == Or((t("a1"), t("b1"), t("c1")))
    assert parse("(a1 b1) c1") == And((t("a1"), t("b1"), t("c1")))


def test_lowercase_operators_are_words() -> None:
    assert parse("bahn and zug") == And((t("bahn"), t("and"), t("zug")))
    assert parse("bahn or zug") == And((t("bahn"), t("or"), t("zug")))


def test_phrases_and_typographic_quotes() -> None:
    phrase = Phrase(("deutsche", "bahn"))
    assert parse('"Deutsche Bahn"') == phrase
    assert parse("„Deutsche Bahn“") == phrase
    assert parse("“Deutsche Bahn”") == phrase
    assert parse('"Bahn"') == t("bahn")  # a one-word phrase is a term


def test_wildcards() -> None:
    assert parse("bahn*") == t("bahn", prefix=True)
    assert parse('"deutsche bah*"') == Phrase(("deutsche", "bah"), prefix=True)


def test_words_with_inner_punctuation_become_phrases() -> None:
    assert parse("S-Bahn") == Phrase(("s", "bahn"))
    assert parse("db_bahn") == Phrase(("db", "bahn"))
    assert parse("10:30") == Phrase(("10", "30"))
    assert parse("S-Bahn*") == Phrase(("s", "bahn"), prefix=True)


def test_near() -> None:
    assert parse("zug NEAR/3 spät") == Near(t("zug"), t("spaet"), 3, ordered=False)
    assert parse("zug NEAR/3f spät") == Near(t("zug"), t("spaet"), 3, ordered=True)
    assert parse('(zug OR ice) NEAR/5 "zu spät"') == Near(
        Or((t("zug"), t("ice"))), Phrase(("zu", "spaet")), 5
    )


def test_fields_hashtags_and_handles() -> None:
    assert parse("author:@DB_Bahn") == Field("author", "db_bahn")
    assert parse("site:https://www.Bahn.de/x") == Field("site", "bahn.de")
    assert parse("Site:bahn.de") == Field("site", "bahn.de")
    assert parse("lang:DE_at") == Field("lang", "de-at")
    assert parse("platform:Twitter") == Field("platform", "twitter")
    assert parse("#ÖPNV") == Hashtag("oepnv")
    assert parse("@DB_Bahn") == Mention("db_bahn")


def test_words_ending_in_a_colon_are_plain_words() -> None:
    assert parse("Achtung: zug") == And((t("achtung"), t("zug")))


def test_positions_are_kept() -> None:
    node = parse("bahn AND (zug OR #ice)")
    assert isinstance(node, And)
    group = node.children[1]
    assert node.children[0].pos == 0
    assert isinstance(group, Or)
    assert [child.pos for child in group.children] == [10, 17]


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("bahn (zug OR ice", 5),
        ('bahn "deutsche', 5),
        ("bahn AND", 5),
        ("ba* AND (x", 0),  # the first error by position wins
    ],
)
def test_parse_raises_at_the_first_error(query: str, position: int) -> None:
    with pytest.raises(QueryError) as raised:
        parse(query)
    assert raised.value.position == position
    assert raised.value.query == query


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("(" * 60 + "bahn" + ")" * 60)
    assert parse("(" * 30 + "bahn" + ")" * 30) == t("bahn")
