"""What queries mean: word boundaries, compounds, folding, NEAR, fields, matched terms."""

from __future__ import annotations

import pytest

from resonanz.query import Document, evaluate, matched_terms, parse


def matches(query: str, text: str, **fields: str | None) -> bool:
    return evaluate(parse(query), Document.build(text=text, **fields))


def terms(query: str, text: str, **fields: str | None) -> tuple[str, ...]:
    return matched_terms(parse(query), Document.build(text=text, **fields))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Bahn kommt", True),
        ("BAHN!!!", True),
        ("Chaos bei der S-Bahn", True),  # hyphens are word boundaries
        ("Bahn-Streik", True),
        ("#Bahn", True),  # a term also matches hashtags ...
        ("danke @DB_Bahn", True),  # ... and the words of handles
        ("Der Bahnhof", False),  # but never part of a word
        ("Fernbahnhof", False),
        ("Bahnen", False),
        ("https://www.bahn.de/angebote", False),  # URLs are not words
    ],
)
def test_a_term_matches_whole_words_only(text: str, expected: bool) -> None:
    assert matches("bahn", text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bahnhof", True),
        ("Bahnhöfe", True),
        ("Bahn", True),
        ("S-Bahnhof", True),  # after a hyphen a new word starts
        ("Fernbahnhof", False),  # no infix or suffix matching
        ("Hauptbahnhof", False),
    ],
)
def test_a_wildcard_matches_word_starts(text: str, expected: bool) -> None:
    assert matches("bahn*", text) is expected


def test_umlaut_forms_are_other_words_for_wildcards() -> None:
    # "Züge" folds to "zuege", which does not start with "zug".
    assert not matches("zug*", "Züge")
    assert matches("zug* OR züge*", "Züge")


def test_compounds_need_their_own_terms() -> None:
    assert matches("fernbahnhof OR hauptbahnhof", "Am Hauptbahnhof")
    assert matches("s-bahn", "S-Bahn Berlin")
    assert not matches("s-bahn", "S Berlin Bahn")


@pytest.mark.parametrize("text", ["Züge", "ZÜGE", "Zuege", "ZUEGE", "Zu\u0308ge"])
def test_umlauts_and_their_ae_spellings_are_the_same(text: str) -> None:
    assert matches("züge", text)
    assert matches("zuege", text)


@pytest.mark.parametrize("text", ["Straße", "Strasse", "STRASSE", "straße"])
def test_sharp_s_and_ss_are_the_same(text: str) -> None:
    assert matches("straße", text)
    assert matches("strasse", text)


def test_phrases() -> None:
    assert matches('"deutsche bahn"', "Die Deutsche Bahn AG")
    assert matches('"deutsche bahn"', "Deutsche-Bahn-Chef")
    assert not matches('"deutsche bahn"', "Deutsche Post und Bahn")
    assert matches('"deutsche bah*"', "deutsche Bahnhöfe")
    # URLs are removed before words are found, so the words around them become adjacent.
    assert matches('"deutsche bahn"', "Deutsche https://x.de Bahn")


def test_phrases_run_from_the_title_into_the_text() -> None:
    assert matches('"deutsche bahn"', "Bahn fährt", title="Die Deutsche")


def test_near_counts_words_between() -> None:
    assert matches("zug NEAR/1 verspätung", "Zug Verspätung")
    assert matches("zug NEAR/1 verspätung", "Zug hat Verspätung")
    assert not matches("zug NEAR/1 verspätung", "Zug hat heute Verspätung")
    assert matches("zug NEAR/2 verspätung", "Zug hat heute Verspätung")
    assert matches("zug NEAR/1 verspätung", "Verspätung beim Zug")  # either order


def test_ordered_near_wants_the_left_side_first() -> None:
    assert matches("zug NEAR/2f verspätung", "Zug mit Verspätung")
    assert not matches("zug NEAR/2f verspätung", "Verspätung beim Zug")


def test_near_with_groups_phrases_and_wildcards() -> None:
    query = '(zug* OR ice) NEAR/3 "zu spät"'
    assert matches(query, "Der ICE kam zu spät")
    assert matches(query, "zu spät: Zugausfall")
    assert not matches(query, "Der ICE kam heute leider wieder zu spät")


def test_near_needs_two_different_occurrences() -> None:
    assert not matches("bahn NEAR/3 bahn", "Bahn")
    assert matches("bahn NEAR/3 bahn", "Bahn und Bahn")
    assert not matches('"deutsche bahn" NEAR/3 bahn', "Deutsche Bahn")


def test_not() -> None:
    assert matches("bahn NOT streik", "Bahn fährt")
    assert not matches("bahn NOT streik", "Bahn Streik")
    assert matches("NOT streik", "Bahn fährt")
    assert matches("bahn OR NOT streik", "nichts")


def test_hashtags_match_only_hashtags() -> None:
    assert matches("#bahn", "Ärger mit der #Bahn")
    assert not matches("#bahn", "Ärger mit der Bahn")
    assert not matches("#bahn", "#Bahnhof")
    assert matches("#db_bahn", "#DB_Bahn")
    assert matches("#öpnv", "#OEPNV")
    assert matches("#züge", "#Zu\u0308ge")  # decomposed umlaut in the post


def test_handles_match_mentions_only() -> None:
    assert matches("@db_bahn", "Frage an @DB_Bahn.")
    assert not matches("@db_bahn", "Frage an DB_Bahn")
    assert not matches("@db_bahn", "mail an info@db_bahn.de")
    assert matches("@db_bahn", "x", title="@DB_Bahn hilft")


def test_author() -> None:
    assert matches("author:db_bahn", "x", author="@DB_Bahn")
    assert matches("author:@DB_Bahn", "x", author="db_bahn")
    assert not matches("author:db_bahn", "x", author="db_bahn_fan")
    assert not matches("author:db_bahn", "x")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.bahn.de/angebote", True),
        ("https://bahn.de", True),
        ("https://s.bahn.de/x", True),  # subdomains
        ("bahn.de/x", True),
        ("https://notbahn.de", False),
        ("https://bahn.de.example.com", False),
        (None, False),
    ],
)
def test_site_is_the_host_or_a_subdomain(url: str | None, expected: bool) -> None:
    assert matches("site:bahn.de", "x", url=url) is expected
    assert matches("site:www.bahn.de", "x", url=url) is expected


def test_lang_and_platform() -> None:
    assert matches("lang:de", "x", lang="de")
    assert matches("lang:de", "x", lang="DE")
    assert matches("lang:de", "x", lang="de-AT")  # a region of the language
    assert matches("lang:de", "x", lang="de_AT")
    assert not matches("lang:de", "x", lang="en")
    assert not matches("lang:de", "x")
    assert matches("lang:de-at", "x", lang="de_AT")
    assert not matches("lang:de-at", "x", lang="de")
    assert matches("platform:twitter", "x", platform="Twitter")
    assert not matches("platform:twitter", "x", platform="mastodon")


def test_matched_terms_lists_what_matched_in_query_order() -> None:
    query = "(bahn OR zug* OR ice) AND NOT streik"
    assert terms(query, "Zugausfall der Bahn") == ("bahn", "zug*")
    assert terms(query, "Bahn Streik") == ()
    assert terms('"deutsche bahn" OR #bahn OR @db_bahn', "#Bahn @DB_Bahn") == (
        "#bahn",
        "@db_bahn",
    )
    assert terms("bahn lang:de", "Bahn", lang="de") == ("bahn",)
    assert terms("zug NEAR/2 spät", "zu spät kam der Zug") == ("zug", "spaet")
    # only the branches that match are listed
    assert terms("(bahn AND streik) OR zug", "Bahn Zug") == ("zug",)
