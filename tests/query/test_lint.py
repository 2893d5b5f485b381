"""The linter: every error and warning with the right position and a clear message."""

from __future__ import annotations

import pytest

from resonanz.query import Issue, format_issue, lint


def errors(query: str) -> list[tuple[int, str]]:
    return [(i.position, i.message) for i in lint(query).errors]


def warnings(query: str) -> list[tuple[int, str]]:
    return [(i.position, i.message) for i in lint(query).warnings]


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("bahn (zug OR ice", 5, "unbalanced parenthesis: '(' at position 5 is never closed"),
        ("bahn) zug", 4, "unbalanced parenthesis: ')' at position 4 has no matching '('"),
        ('bahn "deutsche bahn', 5, "unterminated quote: '\"' at position 5 is never closed"),
        ("bahn AND", 5, "'AND' at position 5 has nothing after it"),
        ("OR zug", 0, "'OR' at position 0 has nothing before it"),
        ("bahn OR", 5, "'OR' at position 5 has nothing after it"),
        ("()", 0, "empty parentheses"),
        ("bahn ()", 5, "empty parentheses"),
        ("NOT", 0, "'NOT' at position 0 needs a word or group to exclude after it"),
        ("", 0, "the query is empty"),
        ("   ", 0, "the query is empty"),
        ("ba*", 0, "wildcard 'ba*' needs at least 3 letters before '*'"),
        ("zug ä*", 4, "needs at least 3 letters"),
        ('"die b*"', 0, "needs at least 3 letters"),
        ("zug *bahn", 4, "leading wildcard '*bahn' is not supported"),
        ("ba*hn", 0, "'*' is only allowed at the end of a word"),
        ("zug NEAR/0 spät", 4, "NEAR distance must be between 1 and 100, not 0"),
        ("zug NEAR/101 spät", 4, "not 101"),
        ("zug NEAR/x spät", 4, "NEAR needs a distance in words"),
        ("zug NEAR spät", 4, "NEAR needs a distance in words"),
        ("zug NEAR/3 #bahn", 11, "NEAR/3 can only join words, wildcards, phrases"),
        ("(bahn AND zug) NEAR/3 x1", 1, "can only join"),
        ("(zug OR lang:de) NEAR/3 x1", 8, "can only join"),
        ("NOT zug NEAR/3 spät", 0, "can only join"),
        ("zug NEAR/3 spät NEAR/3 ice", 0, "can only join"),
        ("foo:bar", 0, "unknown field operator 'foo:'"),
        ("bahn site:", 5, "'site:' has no value"),
        ("author:@", 0, "'author:@' has an empty value"),
        ("site:*.bahn.de", 0, "wildcards are not supported in field values"),
        ("#", 0, "'#' needs a hashtag right after it"),
        ("#s-bahn", 0, "'#s-bahn' is not a valid hashtag"),
        ("#123", 0, "is not a valid hashtag"),
        ("@", 0, "'@' needs a handle right after it"),
        ("#bahn*", 0, "wildcards are not supported in a hashtag"),
        ("bahn -streik", 5, "to exclude a word write NOT streik"),
        ("zug && ice", 4, "'&&' contains no letters or digits"),
        ('zug ""', 4, "empty phrase"),
        ("https://bahn.de", 0, "web addresses are not searched as words"),
        ("www.bahn.de", 0, "web addresses are not searched as words"),
    ],
)
def test_errors_have_positions(query: str, position: int, fragment: str) -> None:
    result = lint(query)
    assert not result.ok
    assert any(i.position == position and fragment in i.message for i in result.errors), (
        result.errors
    )
    assert all(i.severity == "error" for i in result.errors)


def test_all_errors_are_reported_in_order() -> None:
    found = errors('ba* AND (zug OR "x')
    assert [p for p, _ in found] == [0, 8, 16]


def test_plain_terms_that_look_like_fields_are_fine() -> None:
    assert lint("10:30").ok
    assert lint("Achtung: Zugausfall").ok


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("der", 0, "very common word"),
        ("bahn OR the", 8, "very common word"),
        ("db", 0, "only 2 letter(s)"),
        ("2015", 0, "pure number"),
        ("bah*", 0, "matches every word starting with 'bah'"),
        ("bahn and zug", 5, "'and' is searched as a word; write AND in capitals"),
        ("bahn Or zug", 5, "write OR in capitals"),
        ("zug near/3 spät", 4, "write NEAR/3 in capitals"),
        ("NOT bahn", 0, "matches almost everything"),
        ("lang:de", 0, "matches almost everything"),
        ("bahn OR NOT streik", 0, "matches almost everything"),
    ],
)
def test_warnings(query: str, position: int, fragment: str) -> None:
    result = lint(query)
    assert result.ok
    assert any(i.position == position and fragment in i.message for i in result.warnings), (
        result.warnings
    )
    assert all(i.severity == "warning" for i in result.warnings)


def test_good_queries_have_no_issues() -> None:
    for query in (
        '"deutsche bahn" OR @db_bahn OR #bahn',
        "bahn* AND NOT (werbung OR gewinnspiel)",
        "zugausfall* NEAR/3f (voll OR überfüllt) lang:de",
        "bahn site:twitter.com",
        "(bahn OR zug) NOT der",  # a common word only as an exclusion is fine
        '"die bahn"',  # common words inside a phrase are fine
    ):
        result = lint(query)
        assert result.ok
        assert result.errors == [] and result.warnings == [], query


def test_one_warning_per_word() -> None:
    # "and" is both a lower-case operator and a common word: one warning is enough.
    assert [p for p, _ in warnings("bahn and zug")] == [5]


def test_format_issue_puts_a_caret_under_the_position() -> None:
    query = "bahn (zug OR ice"
    issue = lint(query).errors[0]
    assert format_issue(query, issue) == (
        "unbalanced parenthesis: '(' at position 5 is never closed\n  bahn (zug OR ice\n       ^"
    )


def test_format_issue_on_multi_line_queries_and_at_the_end() -> None:
    query = "bahn OR\nzug AND"
    assert format_issue(query, Issue(12, "x")) == "x\n  zug AND\n      ^"
    assert format_issue("bahn AND", Issue(8, "x")).endswith("\n          ^")
