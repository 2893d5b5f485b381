"""Searches that need a hashtag or handle skip posts without '#'/'@' — and lose no hit."""

from __future__ import annotations

import sys
import unicodedata
from typing import Any

import pytest

from resonanz.models import Workspace
from resonanz.pipeline import document_of
from resonanz.query import evaluate, parse
from resonanz.query.fts import MARKERS, required_marker
from resonanz.search import parse_query, search_mentions
from resonanz.store import SqlStore


def test_markers_cover_every_character_nfkc_turns_into_the_sign() -> None:
    for sign, forms in MARKERS.items():
        found = {
            chr(c)
            for c in range(sys.maxunicode + 1)
            if not 0xD800 <= c <= 0xDFFF and sign in unicodedata.normalize("NFKC", chr(c))
        }
        assert found == set(forms)


@pytest.mark.parametrize(
    ("query", "marker"),
    [
        ("#db", "#"),
        ("@db_bahn", "@"),
        ("#db AND bahn", "#"),
        ("bahn AND (#db OR #bahn)", "#"),
        ("#db OR bahn", None),
        ("#db OR @db", None),
        ("NOT #db", None),
        ("zug NEAR/3 bahn", None),
        ("bahn", None),
        ("lang:de AND @db", "@"),
    ],
)
def test_required_marker(query: str, marker: str | None) -> None:
    assert required_marker(parse(query)) == marker


TEXTS = [
    "Die #DB ist spät",
    "Die ＃db ist spät (full-width)",
    "Die ﹟db ist klein",
    "DB ohne Zeichen",
    "#dbahn ist etwas anderes",
    "Mail an a@db.de, kein Handle",
    "Danke @db_bahn!",
    "Danke ＠db_bahn!",
    "db und # getrennt",
]


@pytest.mark.parametrize("query", ["#db", "@db_bahn", "#db AND spät", "#db OR ohne"])
def test_results_equal_the_exact_evaluation(
    store: SqlStore, ws: Workspace, make_mention: Any, query: str
) -> None:
    mentions = [make_mention(str(i), text=text) for i, text in enumerate(TEXTS)]
    mentions.append(make_mention("90", text="nichts hier", title="Titel mit #db"))
    store.save_batch(ws.id, mentions)
    node = parse_query(query)
    expected = {m.native_id for m in store.iter_mentions(ws.id) if evaluate(node, document_of(m))}
    found = {hit.mention.native_id for hit in search_mentions(store, ws.id, node)}
    assert found == expected
    assert expected  # every query matches something here
