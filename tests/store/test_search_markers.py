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


# Hashtags and handles whose folded form differs from their raw text: full-width and
# mathematical letters, umlauts written as one character or decomposed, ß, case.
TRICKY = [
    "Die #ＤＢ fährt (full-width letters)",
    "Die #Ｄb halb und halb",
    "Mathe: #𝐝𝐛 ist fett",
    "Groß: #DB und klein",
    "Umlaut: #Bähn und #baehn",
    "Zerlegt: #ba\u0308hn mit Trema",
    "Versetzt: #ba\u0316\u0308hn mit zwei Zeichen",
    "Scharf: #Straße und #STRASSE",
    "Ziffern: #db１ und #db1",
    "Handle: @ＤＢ_Bahn und @db_bahn",
    "Ligatur: #ﬁlm",
    "Nichts: db ohne Zeichen, # allein, #dbahn, #d b",
    "Andere: #öko #Übung #Österreich",
]
TRICKY_QUERIES = [
    "#db",
    "#baehn",
    "#bähn",
    "#strasse",
    "#straße",
    "#db1",
    "@db_bahn",
    "#film",
    "#oeko OR #uebung",
    "#db AND fährt",
]


@pytest.mark.parametrize("force_scan", [False, True], ids=["planner", "tag-scan"])
def test_tag_conditions_lose_no_hit(
    store: SqlStore,
    ws: Workspace,
    make_mention: Any,
    force_scan: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The narrow hashtag/handle condition (store.tags) against the exact evaluation; with
    ``tag-scan`` every word counts as common, so SQLite reads by the tag condition alone,
    and PostgreSQL's windows along the time index hold 8 keys (many windows per search)."""
    from resonanz.store import reads

    if force_scan:
        monkeypatch.setattr(reads, "_SMALL_DF", -1)
        monkeypatch.setattr(reads, "_FIRST_WINDOW", 1)
        monkeypatch.setattr(reads, "_MAX_WINDOW", 1)
    mentions = [make_mention(str(i), text=text) for i, text in enumerate(TRICKY)]
    mentions.append(make_mention("90", text="leer", title="Titel #ＤＢ"))
    store.save_batch(ws.id, mentions)
    stored = list(store.iter_mentions(ws.id))
    for query in TRICKY_QUERIES:
        node = parse_query(query)
        expected = {m.native_id for m in stored if evaluate(node, document_of(m))}
        found = {hit.mention.native_id for hit in search_mentions(store, ws.id, node)}
        assert found == expected, query
        assert expected, query  # every query matches something here


def test_tags_are_required_where_every_match_has_one() -> None:
    from resonanz.query.fts import required_tags

    assert required_tags(parse("#DB")) == {("#", "db")}
    assert required_tags(parse("#Bähn AND zug")) == {("#", "baehn")}
    assert required_tags(parse("#db OR @DB_Bahn")) == {("#", "db"), ("@", "db_bahn")}
    assert required_tags(parse("#db OR bahn")) is None
    assert required_tags(parse("NOT #db")) is None


def test_fold_tables_match_this_pythons_unicode() -> None:
    """query.fold_sources is generated; a Python with other Unicode data needs a rerun of
    scripts/gen_fold_sources.py."""
    import importlib.util
    from pathlib import Path

    from resonanz.query import fold_sources

    path = Path(__file__).resolve().parents[2] / "scripts" / "gen_fold_sources.py"
    spec = importlib.util.spec_from_file_location("gen_fold_sources", path)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.scan() == fold_sources.SOURCES
    assert tuple(gen.marks()) == fold_sources.MARKS
