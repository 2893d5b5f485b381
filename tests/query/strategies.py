"""Hypothesis strategies: random queries and posts over one small vocabulary.

The vocabulary mixes umlaut/ae and ß/ss spellings (also decomposed umlauts), compounds,
hashtags, handles, hyphens, underscores, punctuation and URLs, so that random queries
and random posts meet often and in all the tricky ways.
"""

from __future__ import annotations

from hypothesis import strategies as st

from resonanz.query.reference import Post

POST_WORDS = [
    "Bahn", "bahn", "BAHN", "S-Bahn", "Bahnhof", "Fernbahnhof", "Bahnhöfe", "Zug", "Züge",
    "Zuege", "Zu\u0308ge", "Straße", "Strasse", "STRASSE", "Müller", "Mueller", "ICE",
    "Streik", "Deutsche", "deutsche", "Verspätung", "Verspaetung", "spät", "spaet", "der",
    "und", "DB_Bahn", "S-Bahn-Chaos", "Bahn-Streik", "2015",
]  # fmt: skip
PUNCTUATION = ["", "", "", ",", ".", "!", "?", "…", ":", ")"]
URLS = ["https://www.bahn.de/bahn", "http://t.co/Bahn", "www.zug.de"]


@st.composite
def post_token(draw: st.DrawFn) -> str:
    """One token of a post: a word, hashtag, handle or URL, maybe with punctuation."""
    kind = draw(st.sampled_from(["word"] * 6 + ["hashtag", "mention", "url", "mail"]))
    word = draw(st.sampled_from(POST_WORDS))
    if kind == "hashtag":
        word = "#" + word
    elif kind == "mention":
        word = "@" + draw(st.sampled_from(["DB_Bahn", "db_info", "Mueller", "Bahn"]))
    elif kind == "url":
        return draw(st.sampled_from(URLS))
    elif kind == "mail":
        word = "info@" + word
    return word + draw(st.sampled_from(PUNCTUATION))


@st.composite
def posts(draw: st.DrawFn) -> Post:
    """A random post with metadata."""
    text = " ".join(draw(st.lists(post_token(), max_size=12)))
    title = draw(st.one_of(st.none(), st.lists(post_token(), max_size=3).map(" ".join)))
    return Post(
        text=text,
        title=title,
        author=draw(st.sampled_from([None, "@DB_Bahn", "db_bahn", "Max", "MAX"])),
        url=draw(
            st.sampled_from(
                [None, "https://www.bahn.de/x", "https://s.bahn.de", "http://notbahn.de/", "zug.de"]
            )
        ),
        lang=draw(st.sampled_from([None, "de", "DE", "de-AT", "de_at", "en"])),
        platform=draw(st.sampled_from([None, "twitter", "Twitter", "mastodon"])),
    )


WORD_LEAVES = [
    "bahn", "Bahn*", "bahnh*", "zug", "züge", "zuege", "zug*", "straße", "strasse",
    "müller", "ice", "streik", "deutsche", "verspätung*", "spät", "db_bahn", "s-bahn",
    "fernbahnhof", "der", "2015", '"deutsche bahn"', '"s bahn"', '"der bah*"',
    '"zug streik"', "„Deutsche Bahn“", '"bahn bahn"',
]  # fmt: skip
OTHER_LEAVES = [
    "#bahn", "#DB_Bahn", "#zuege", "#straße", "@db_bahn", "@DB_Info", "@mueller",
    "site:bahn.de", "site:www.bahn.de", "site:zug.de", "lang:de", "lang:de-at",
    "author:db_bahn", "author:@Max", "platform:twitter",
]  # fmt: skip

word_leaf = st.sampled_from(WORD_LEAVES)
near_operand = st.one_of(
    word_leaf,
    st.lists(word_leaf, min_size=2, max_size=3).map(lambda xs: "(" + " OR ".join(xs) + ")"),
)


@st.composite
def near(draw: st.DrawFn) -> str:
    """A parenthesised NEAR/n or NEAR/nf of two valid operands."""
    distance = draw(st.integers(1, 4))
    ordered = draw(st.sampled_from(["", "f"]))
    return f"({draw(near_operand)} NEAR/{distance}{ordered} {draw(near_operand)})"


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def wrap(expr: str, parens: bool) -> str:
        return f"({expr})" if parens else expr

    pair = st.tuples(children, children, st.booleans())
    return st.one_of(
        pair.map(lambda t: wrap(f"{t[0]} AND {t[1]}", t[2])),
        pair.map(lambda t: wrap(f"{t[0]} {t[1]}", t[2])),
        pair.map(lambda t: wrap(f"{t[0]} OR {t[1]}", t[2])),
        pair.map(lambda t: wrap(f"{t[0]} NOT {t[1]}", t[2])),
        children.map(lambda c: f"NOT ({c})"),
    )


queries = st.recursive(
    st.one_of(word_leaf, word_leaf, st.sampled_from(OTHER_LEAVES), near()),
    _combine,
    max_leaves=6,
)
