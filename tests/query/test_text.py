"""Folding and tokenising (query.text) and the Document built from a post."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonanz.query import Document
from resonanz.query import text as text_module
from resonanz.query.nodes import pattern
from resonanz.query.reference import Post
from resonanz.query.text import (
    URL_RE,
    WORD_RE,
    fold,
    hashtags,
    host_of,
    mentions,
    search_text,
    urls,
    words,
)

from .strategies import posts


def test_fold() -> None:
    assert fold("Bahnhöfe") == fold("BAHNHOEFE") == "bahnhoefe"
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("Zu\u0308ge") == "zuege"
    assert fold("ＡＢＣ") == "abc"


def test_words() -> None:
    assert words("Die S-Bahn (Berlin), @DB_Bahn #ÖPNV!") == [
        "die", "s", "bahn", "berlin", "db", "bahn", "oepnv",
    ]  # fmt: skip
    assert words("siehe https://www.bahn.de/x und WWW.zug.de/y.") == ["siehe", "und"]
    assert words("Café „Zur Bahn“ …") == ["café", "zur", "bahn"]


@settings(max_examples=300, database=None)
@given(st.text(alphabet="abcXYZ019äÖüßé_-#@.:/ „“…\t\n", max_size=40))
def test_ascii_fast_path_finds_the_same_words_as_the_regex(raw: str) -> None:
    folded = fold(raw)
    if "://" not in folded and "www." not in folded:
        assert words(raw) == WORD_RE.findall(folded)


@settings(max_examples=500, database=None)
@given(st.text(max_size=60))
def test_any_text_gives_the_same_words_as_the_regex(raw: str) -> None:
    # Any code point, surrogates included: the byte-translation paths equal the regex.
    folded = fold(raw)
    if "://" not in folded and "www." not in folded:
        assert words(raw) == WORD_RE.findall(folded)


def test_search_text_is_title_words_then_text_words() -> None:
    assert search_text(["Deutsche Bahn:", None, "Züge fallen aus"]) == (
        "deutsche bahn zuege fallen aus"
    )


def test_hashtags_and_mentions() -> None:
    assert hashtags("#Bahn #ÖPNV C# &#39; x#y #2015 #s21") == {"bahn", "oepnv", "s21"}
    assert hashtags("#Zu\u0308ge") == {"zuege"}  # decomposed umlauts are normalised first
    assert hashtags("https://x.de/?a=#frag #echt") == {"echt"}
    assert mentions("@DB_Bahn mail@bahn.de @user.bsky.social") == {
        "db_bahn",
        "user.bsky.social",
    }
    assert hashtags("keine") == frozenset() and mentions("keine") == frozenset()


def test_urls_and_hosts() -> None:
    assert urls("Siehe https://bahn.de/x. Und www.zug.de!") == ["https://bahn.de/x", "www.zug.de"]
    assert host_of("https://WWW.Bahn.DE/x") == "bahn.de"
    assert host_of("s.bahn.de/path") == "s.bahn.de"
    assert host_of(None) == host_of("") == ""
    assert host_of("http://[::1") == ""


def test_document_fields() -> None:
    doc = Document.build(
        text="Bahn #Zug @DB_Info https://t.co/x",
        title="Streik!",
        author="@DB_Bahn",
        url="https://www.twitter.com/x",
        lang="de_AT",
        platform="Twitter",
    )
    assert doc.words == ["streik", "bahn", "zug", "db", "info"]
    assert doc.padded == " streik bahn zug db info "
    assert doc.hashtags == {"zug"}
    assert doc.mentions == {"db_info"}
    assert (doc.author, doc.host, doc.lang, doc.platform) == (
        "db_bahn",
        "twitter.com",
        "de-at",
        "twitter",
    )


def test_document_positions() -> None:
    doc = Document.build(text="Zug um Zug, deutsche Bahn und deutsche Bahnhöfe")
    assert doc.positions("zug") == [0, 2]
    assert doc.positions("ice") == []
    assert doc.starts(("deutsche", "bahn"), False) == [3]
    assert doc.starts(("deutsche", "bahn"), True) == [3, 6]
    assert doc.starts(("bahn",), True) == [4, 7]
    empty = Document.build(text="")
    assert empty.words == [] and empty.starts(("x1",), True) == []


@settings(max_examples=300, database=None)
@given(
    st.lists(
        st.sampled_from(
            ["Bahn", "ÄÖÜ", "ß", "ſ", "K", " ", "-", "#", "@", "https://", "HTTP://", "www.",
             "WWW.", "Www.", "x.de/a?b=1#c", '"', "<", "'", "„", "…", "\u0308", "ﬁ", "\t"]
        ),
        max_size=12,
    ).map("".join)
)  # fmt: skip
def test_words_match_the_plain_definition(raw: str) -> None:
    # The definition: fold, remove URLs (any case), take the runs of letters and digits.
    assert words(raw) == WORD_RE.findall(URL_RE.sub(" ", fold(raw)))


@settings(max_examples=500, database=None)
@given(
    st.one_of(
        st.text(alphabet="hHtTpPsS:/.wWaAz09-_@[]?#%+ \t\n", max_size=30),
        st.builds(
            "".join,
            st.tuples(
                st.sampled_from(["http://", "HTTPS://", "ftp://", "www.", "", " http://"]),
                st.text(alphabet="aZ09.-_@:[]%\t", max_size=15),
                st.sampled_from(["", "/", "/x?y", "?q", "#f", "\t/"]),
            ),
        ),
    )
)
def test_host_of_agrees_with_urlsplit(url: str) -> None:
    try:
        expected = (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
    except ValueError:
        expected = ""
    expected = expected.rstrip(".")
    expected = expected[4:] if expected.startswith("www.") else expected
    assert host_of(url) == expected


# Text drawn from letters, digits, marks, punctuation, spaces, other scripts and pieces of
# URLs, so word boundaries and URL ends are tested far beyond Latin-1 (surrogates included).
_ANY_TEXT = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from("aZ09äöüßÄ_-#@ .,;:!?\t\n\u00a0\u2013\u201e\u201c\u0308\u00b2\ud800"),
        st.sampled_from(["http://", "https://", "HTTP://", "www.", "ww", "h", "<", ">", "'", '"']),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None, database=None)
@given(_ANY_TEXT)
def test_padded_word_string_in_c_and_python_agree(raw: str) -> None:
    text = text_module
    folded = fold(raw)
    expected = " " + " ".join(WORD_RE.findall(URL_RE.sub(" ", folded))) + " "
    assert text.python_padded_of_folded(folded) == expected
    if text.native_padded_of_folded is not None:
        assert text.native_padded_of_folded(folded) == expected
        assert text.native_padded_of_folded(raw) == text.python_padded_of_folded(raw)
    assert text.padded_words(raw) == " " + " ".join(words(raw)) + " "
    if text.native_padded_simple is not None:
        padded = text.native_padded_simple(raw)
        assert padded is None or padded == text.python_padded_of_folded(text.python_fold(raw))


def test_document_words_are_its_padded_string_split() -> None:
    doc = Document.build(text="Züge – „Bahn“ 2015! https://bahn.de/x #S-Bahn")
    assert doc.padded == " zuege bahn 2015 s bahn "
    assert doc.words == ["zuege", "bahn", "2015", "s", "bahn"]
    titled = Document.build(text="Bahn", title="Der Zug")
    assert titled.padded == " der zug bahn "
    assert titled.words == ["der", "zug", "bahn"]
    assert Document.build(text="…").padded == "  "


needs_native_fold = pytest.mark.skipif(
    text_module.native_fold_simple is None,
    reason="resonanz.query._fastmatch is not built (no C compiler at install)",
)


@needs_native_fold
def test_c_fold_of_every_code_point_is_the_python_fold_or_declined() -> None:
    native = text_module.native_fold_simple
    assert native is not None
    accepted = 0
    for code in range(0x110000):
        char = chr(code)
        folded = native(char)
        if folded is not None:
            accepted += 1
            assert folded == text_module.python_fold(char), hex(code)
            # what makes folding character by character exact (see _fastmatch.c)
            if code != 0x2026:
                assert unicodedata.is_normalized("NFKC", char), hex(code)
                assert unicodedata.combining(char) == 0, hex(code)
    assert accepted == 128 + 128 - 14 + 1 + 17
    nfkc_simple = text_module.native_nfkc_simple
    assert nfkc_simple is not None
    for code in range(0x110000):
        char = chr(code)
        normal = nfkc_simple(char)
        assert normal is None or normal == unicodedata.normalize("NFKC", char), hex(code)
        assert (normal is None) == (native(char) is None), hex(code)
        padded = text_module.native_padded_simple
        assert padded is not None
        if normal is not None:
            assert padded(char) == text_module.python_padded_of_folded(fold(char)), hex(code)
    assert native("€ 5 – „Züge“ …") == "€ 5 – „zuege“ ..."
    assert native("Straße ½") is None
    assert native("Zu\u0308ge") is None  # a combining mark: Python normalises it


# Strings of the characters the C fold takes and some it declines, so that neighbours
# (composition, ß, umlauts, ellipsis) meet.
_FOLD_TEXT = st.text(
    st.one_of(
        st.characters(max_codepoint=0xFF),
        st.sampled_from("\u2026\u2013\u201e\u201c\u20ac\ufeff\u0308\u0301\u00a8ÄÖÜäöüßẞİ\u212a"),
    ),
    max_size=40,
)


@needs_native_fold
@settings(max_examples=500, deadline=None, database=None)
@given(_FOLD_TEXT)
def test_c_fold_agrees_with_python_fold(raw: str) -> None:
    native = text_module.native_fold_simple
    assert native is not None
    folded = native(raw)
    if folded is not None:
        assert folded == text_module.python_fold(raw)
    assert fold(raw) == text_module.python_fold(raw)
    assert text_module.nfkc(raw) == unicodedata.normalize("NFKC", raw)


_URL_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["http://", "https://", "HTTPS://", "hTTp://", "www.", "WwW.", "://"]),
        st.sampled_from("hHtTpPsSwW:/.ſ\u212a\u0130x #@<>\"' \t\u00a0\u3000äÄ"),
        st.characters(),
    ),
    max_size=30,
).map("".join)


@needs_native_fold
@settings(max_examples=500, deadline=None, database=None)
@given(_URL_TEXT)
def test_c_url_stripping_agrees_with_the_regexes(raw: str) -> None:
    native = text_module.native_strip_urls
    assert native is not None
    assert native(raw) == URL_RE.sub(" ", raw) == text_module.python_strip_urls(raw)
    folded = fold(raw)
    expected = " " + " ".join(WORD_RE.findall(URL_RE.sub(" ", folded))) + " "
    assert text_module.padded_of_folded(folded) == expected
    assert text_module.padded_words(raw) == expected


@needs_native_fold
def test_c_url_stripping_with_every_character_in_every_place() -> None:
    # Which characters the regex takes for a letter of "https://" or "www." in any case
    # (ſ for s, and no other) and which end a URL (whitespace, <, >, quotes).
    native = text_module.native_strip_urls
    assert native is not None
    for start in ("https://x y", "www.x y"):
        for place in range(len(start)):
            for code in range(0x10000):
                raw = start[:place] + chr(code) + start[place + 1 :]
                assert native(raw) == URL_RE.sub(" ", raw), (start, place, hex(code))


@settings(max_examples=300, deadline=None, database=None)
@given(posts(), st.data())
def test_literal_starts_are_the_starts_of_its_words(post: Post, data: st.DataObject) -> None:
    doc = Document.build(text=post.text, title=post.title)
    vocabulary = [*doc.words, "bahn", "zug", "b", "zu"]
    run = tuple(data.draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=3)))
    prefix = data.draw(st.booleans())
    assert doc.literal_starts(pattern(run, prefix)) == doc.starts(run, prefix)
