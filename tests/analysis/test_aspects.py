"""Aspects: term matching, clause polarity, category files, and the enricher on bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from resonanz.analysis.aspectfile import (
    AspectCategory,
    default_categories,
    load_categories,
    parse_categories,
)
from resonanz.analysis.aspects import Aspect, AspectAnalyzer, AspectsEnricher
from resonanz.analysis.terms import TermMatcher, parse_term
from resonanz.config import Settings
from resonanz.errors import ConfigError, ValidationError
from resonanz.models import Mention, RawItem
from resonanz.pipeline import process
from resonanz.query import Matcher
from resonanz.runtime import Runtime

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _category(name: str, *terms: str, **lists: list[str]) -> AspectCategory:
    return AspectCategory(
        name=name,
        terms=tuple(parse_term(t) for t in terms),
        negative=tuple(parse_term(t) for t in lists.get("negative", [])),
        positive=tuple(parse_term(t) for t in lists.get("positive", [])),
        exclude=tuple(parse_term(t) for t in lists.get("exclude", [])),
    )


def _found(terms: list[str], text: str, exclude: list[str] | None = None) -> list[str]:
    """The words of text the terms find, as the matcher sees them."""
    matcher = TermMatcher(
        [[parse_term(t) for t in terms]], [[parse_term(t) for t in exclude or []]]
    )
    words = matcher.words(text)
    return [" ".join(words[h.first : h.end]) for h in matcher.find(words)]


def _aspects(text: str, lang: str | None = "de") -> dict[str, str]:
    analyzer = AspectAnalyzer(RAILWAY)
    return {a.category: a.polarity for a in analyzer.analyze([text], [lang])[0]}


RAILWAY = (
    _category(
        "Pünktlichkeit",
        "anschluss",
        negative=["verspät*", "zu spät"],
        positive=["pünktlich*"],
    ),
    _category("WLAN", "wlan", "wifi"),
    _category("Preis", "ticket*", "*preis", negative=["teuer*"]),
    _category("Störung", negative=["störung*", "streik*"]),
    _category("Barrierefreiheit", "aufzug*"),
    _category("Allgemein", "bahn", "deutsche bahn", "*zug", exclude=["aufzug*", "einzug"]),
)


def test_terms_match_whole_words_and_prefixes() -> None:
    assert _found(["zug"], "Der Zug, ein Zugriff, zug!") == ["zug", "zug"]
    assert _found(["verspät*"], "verspätet, Verspätungen und verspät") == [
        "verspaetet",
        "verspaetungen",
        "verspaet",
    ]
    assert _found(["app"], "Die App-Entwicklung: apps, Apple") == ["app"]


def test_terms_fold_case_and_umlauts() -> None:
    assert len(_found(["verspätung"], "VERSPAETUNG, Verspätung, verspaetung")) == 3
    assert len(_found(["verspaetung"], "Verspätung")) == 1
    assert _found(["straße"], "Bahnhofstrasse") == ["bahnhofstrasse"]


def test_terms_match_compound_heads() -> None:
    assert _found(["störung"], "Signalstörung in Köln") == ["signalstoerung"]
    assert _found(["verspät*"], "Zugverspätungen") == ["zugverspaetungen"]
    # Short terms only with a leading '*'; the first part needs three letters.
    assert _found(["zug"], "Regionalzug") == []
    assert _found(["*zug"], "Regionalzug, Anzug, Zug") == ["regionalzug", "zug"]
    assert _found(["*zug"], "der Aufzug", exclude=["aufzug"]) == []


def test_terms_phrases_hyphens_handles_and_links() -> None:
    assert _found(["deutsche bahn"], "Die Deutsche\nBahn und die deutsche-bahn") == [
        "deutsche bahn",
        "deutsche bahn",
    ]
    assert _found(["db bahn"], "@DB_Bahn hilft") == ["db bahn"]
    assert _found(["online ticket*"], "Online-Tickets, online buchen") == ["online tickets"]
    assert _found(["bahn"], "https://bahn.example/x") == []
    assert _found(["s bahn"], "Die S-Bahn") == ["s bahn"]


@pytest.mark.parametrize(
    ("term", "problem"),
    [
        ("", "empty"),
        ("*", "no word"),
        ("zu* spät", "not a word"),
        ("*deutsche bahn", "one-word"),
        ("a.b", "not a word"),
    ],
)
def test_bad_terms_are_explained(term: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        parse_term(term)


def test_polarity_from_terms_lexicon_and_negation() -> None:
    assert _aspects("Der Zug war heute pünktlich")["Pünktlichkeit"] == "positive"
    assert _aspects("Der Zug war heute nicht pünktlich")["Pünktlichkeit"] == "negative"
    assert _aspects("Schon wieder 20 Minuten Verspätung")["Pünktlichkeit"] == "negative"
    assert _aspects("Heute keine Verspätung")["Pünktlichkeit"] == "positive"
    assert _aspects("Im ICE gibt es kein WLAN")["WLAN"] == "negative"
    assert _aspects("Das WLAN funktioniert nicht")["WLAN"] == "negative"
    assert _aspects("Das WLAN im Zug ist toll")["WLAN"] == "positive"
    assert _aspects("Ich nutze das WLAN im Zug")["WLAN"] == "neutral"
    assert _aspects("the wifi doesn't work", "en")["WLAN"] == "negative"
    assert _aspects("Das Ticket ist sehr teuer")["Preis"] == "negative"


def test_each_aspect_gets_the_tone_of_its_own_clause() -> None:
    found = _aspects("Der Zug war pünktlich, aber das WLAN ging wieder nicht.")
    assert found["Pünktlichkeit"] == "positive"
    assert found["WLAN"] == "negative"
    found = _aspects("Signalstörung in Köln. Das Ticket war günstig und gut.")
    assert found == {"Störung": "negative", "Preis": "positive"}


def test_aspects_name_their_terms_as_written_in_order() -> None:
    analyzer = AspectAnalyzer(RAILWAY)
    (aspects,) = analyzer.analyze(["Die Deutsche Bahn: Zugverspätungen und ZUGVERSPÄTUNGEN"])
    assert [a.category for a in aspects] == ["Allgemein", "Pünktlichkeit"]
    assert aspects[0].terms == ("Deutsche Bahn",)  # not "Bahn" a second time
    assert aspects[1].terms == ("Zugverspätungen",)  # case-insensitively distinct
    assert aspects[1].as_dict() == {
        "category": "Pünktlichkeit",
        "polarity": "negative",
        "terms": ["Zugverspätungen"],
    }
    assert analyzer.analyze(["Ein Aufzug im Einzug"])[0] == [
        Aspect("Barrierefreiheit", "neutral", ("Aufzug",))
    ]


def test_document_polarity_uses_the_known_post_sentiment() -> None:
    category = AspectCategory(name="Allgemein", terms=(parse_term("bahn"),), polarity="document")
    analyzer = AspectAnalyzer([category])
    found = analyzer.analyze(["Die Bahn", "Die Bahn"], document_labels=["positive", None])
    assert found[0][0].polarity == "positive"
    assert found[1][0].polarity in ("negative", "neutral", "positive")  # the default model


def test_the_shipped_template_loads_and_maps_to_germeval() -> None:
    categories = default_categories()
    names = [c.name for c in categories]
    assert len(names) == 15 and names[0] == "Allgemein"
    assert {c.germeval for c in categories} >= {"Zugfahrt", "Sonstige_Unregelmässigkeiten"}
    found = {
        a.category: a.polarity for a in AspectAnalyzer().analyze(["#Bahnstreik: ICE fällt aus"])[0]
    }
    assert found["Sonstige Unregelmäßigkeiten"] == "negative"


TOML = """\
# my categories
[[category]]
name = "Pünktlichkeit"
terms = ["anschluss"]
negative = ["verspät*"]
germeval = "Zugfahrt"

[[category]]
name = "Allgemein"
polarity = "document"
terms = ["bahn"]
exclude = ["autobahn"]
"""


def test_a_category_file_in_toml_and_json(tmp_path: Path) -> None:
    toml_path = tmp_path / "aspects.toml"
    toml_path.write_text(TOML, encoding="utf-8")
    categories = load_categories(toml_path)
    assert [c.name for c in categories] == ["Pünktlichkeit", "Allgemein"]
    assert categories[0].germeval == "Zugfahrt" and categories[1].polarity == "document"
    assert categories[0].negative[0].prefix
    data = [{"name": "Preis", "terms": ["ticket*"]}]
    for payload in (data, {"category": data}):
        json_path = tmp_path / "aspects.json"
        json_path.write_text(json.dumps(payload), encoding="utf-8")
        assert [c.name for c in load_categories(json_path)] == ["Preis"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[category]\nname = 1", r"aspects\.toml: not valid TOML: .*line 1"),
        ("", r"aspects\.toml: no categories"),
        (TOML + 'colour = "red"\n', r"aspects\.toml:13: .*Allgemein.*unknown key 'colour'"),
        (TOML.replace('"verspät*"', '"zu* spät"'), r"aspects\.toml:5: .*negative\[1\].*not a word"),
        (TOML.replace('name = "Allgemein"', 'name = "pünktlichkeit"'), r":8: .*used twice"),
        (TOML.replace('"document"', '"sentence"'), r":10: .*'polarity' must be one of"),
        (TOML.replace('terms = ["bahn"]', 'terms = "bahn"'), r":11: .*'terms' must be a list"),
        (TOML.replace('terms = ["bahn"]', "terms = [3]"), r":8: .*terms\[1\] is int"),
        (TOML.replace('name = "Allgemein"\n', ""), r":8: category 2: 'name' must be"),
        ('[[category]]\nname = "Leer"\n', r":1: .*no terms"),
        ('zeitraum = 3\n[[category]]\nname = "x"', r":1: unknown top-level key 'zeitraum'"),
    ],
)
def test_a_broken_category_file_names_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "aspects.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_categories(path)


def test_broken_json_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"x\.json:3: not valid JSON"):
        parse_categories('[\n  {"name": "a",\n  ]', "x.json", fmt="json")
    with pytest.raises(ConfigError, match=r"x\.json:2: category 1 \('a'\): terms\[2\]"):
        parse_categories('[\n {"name": "a", "terms": ["b", "c d*e"]}]', "x.json", fmt="json")
    with pytest.raises(ConfigError, match="does not exist"):
        load_categories(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_categories(binary)


def _mention(text: str, native_id: str = "1", **fields: object) -> Mention:
    return Mention(
        platform="test", native_id=native_id, text=text, collected_at=NOW, lang="de", **fields
    )


def test_the_enricher_sets_aspects_and_can_be_turned_off(tmp_path: Path) -> None:
    path = tmp_path / "aspects.toml"
    path.write_text(TOML, encoding="utf-8")
    enricher = AspectsEnricher(Settings(aspect_analysis=True, aspect_categories=str(path)))
    assert enricher.name == "aspects" and enricher.before_match is False
    post = _mention("Die Bahn hat Verspätung", enrichments={"sentiment": {"label": "negative"}})
    (done,) = enricher.enrich([post, _mention("Nichts", "2")])[:1]
    assert done.enrichments["aspects"] == [
        {"category": "Allgemein", "polarity": "negative", "terms": ["Bahn"]},
        {"category": "Pünktlichkeit", "polarity": "negative", "terms": ["Verspätung"]},
    ]
    assert done.enrichments["sentiment"] == {"label": "negative"}
    off = AspectsEnricher(Settings(aspect_analysis=False, aspect_categories="/no/such/file"))
    assert off.enrich([post]) == [post]


def test_a_broken_category_setting_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "aspects.toml"
    path.write_text("[[category]]\nname = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"aspects\.toml:1: .*'name'"):
        AspectsEnricher(Settings(aspect_analysis=True, aspect_categories=str(path)))


def test_bad_input_never_fails_a_batch() -> None:
    enricher = AspectsEnricher(Settings(aspect_analysis=True))
    texts = [
        "",
        "Zug verspätet. " * 7_000,  # ~100,000 characters
        "\x00\x01\ufffd\ud800 Zug \udfff" + bytes(range(256)).decode("latin-1"),
        "İstanbul ΑΘΗΝΑ Москва 東京 ﷺ Zug",
        "Zu\u0308ge verspätet",  # decomposed umlaut
    ]
    done = enricher.enrich([_mention(t, str(i)) for i, t in enumerate(texts)])
    assert [m.enrichments["aspects"] == [] for m in done] == [True, False, False, False, False]
    long_post = done[1].enrichments["aspects"]
    assert {a["category"] for a in long_post} == {"Allgemein", "Pünktlichkeit und Zugfahrt"}


def test_one_failing_post_leaves_the_rest_enriched(monkeypatch: pytest.MonkeyPatch) -> None:
    enricher = AspectsEnricher(Settings(aspect_analysis=True))
    assert enricher.analyzer is not None
    original = enricher.analyzer.find

    def find(text: str, lang: str | None = None) -> list[object]:
        if "kaputt" in text:
            raise RecursionError("boom")
        return original(text, lang)  # type: ignore[return-value]

    monkeypatch.setattr(enricher.analyzer, "find", find)
    done = enricher.enrich([_mention("kaputt"), _mention("Zug verspätet", "2")])
    assert "aspects" not in done[0].enrichments
    assert done[1].enrichments["aspects"][0]["category"] == "Allgemein"


def test_the_pipeline_runs_the_aspects_enricher() -> None:
    runtime = Runtime.load(
        Settings(language_detection=False, aspect_analysis=True), load_entry_points=False
    )
    assert "aspects" in [e.name for e in runtime.enrichers]
    item = RawItem(
        kind="jsonl",
        payload={"id": "1", "text": "Kein WLAN im ICE, die Bahn ist schrecklich", "lang": "de"},
        fetched_at=NOW,
    )
    batch = process(
        [item],
        normalisers=runtime.normalisers,
        matcher=Matcher.from_queries([]),
        enrichers=runtime.enrichers,
    )
    aspects = {a["category"]: a["polarity"] for a in batch.mentions[0].enrichments["aspects"]}
    assert aspects["Connectivity (WLAN)"] == "negative"
    assert aspects["Allgemein"] == batch.mentions[0].enrichments["sentiment"]["label"]
