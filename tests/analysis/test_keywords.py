"""The keywords enricher on German and English posts, payload links and bad input."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from resonanz.analysis.emojis import emoji_in
from resonanz.analysis.keywords import KEYS, KeywordsEnricher, keywords_of
from resonanz.analysis.links import link_domain, links_of
from resonanz.analysis.phrases import (
    MAX_CHARS,
    Compound,
    compound_head,
    key_phrases,
    split_compound,
)
from resonanz.config import Settings
from resonanz.models import Mention, RawItem, TopicMatch
from resonanz.pipeline import process
from resonanz.query import Matcher
from resonanz.runtime import Runtime
from resonanz.store import SqlStore

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _mention(
    text: str,
    *,
    raw: dict[str, Any] | None = None,
    terms: tuple[str, ...] = (),
    lang: str | None = None,
    native_id: str = "1",
) -> Mention:
    matches = (TopicMatch(topic_id=1, terms=terms),) if terms else ()
    return Mention(
        platform="twitter",
        native_id=native_id,
        text=text,
        collected_at=NOW,
        raw=raw or {},
        matches=matches,
        lang=lang,
    )


def _keywords(text: str, **kwargs: Any) -> dict[str, list[str]]:
    (out,) = KeywordsEnricher(Settings()).enrich([_mention(text, **kwargs)])
    keywords: dict[str, list[str]] = out.enrichments["keywords"]
    return keywords


def test_german_post() -> None:
    kw = _keywords(
        "@DB_Bahn Zugausfall in Köln Hbf, schon wieder! Das Deutschlandticket hilft da nix "
        "#Bahnchaos #bahnchaos #ÖPNV 😡😡 https://www.bahn.de/angebot/ticket"
    )
    assert kw["hashtags"] == ["bahnchaos", "öpnv"]
    assert kw["mentions"] == ["db_bahn"]
    assert kw["links"] == ["https://www.bahn.de/angebot/ticket"]
    assert kw["domains"] == ["bahn.de"]
    assert kw["emoji"] == ["😡"]
    assert kw["phrases"][:2] == ["zugausfall", "köln hbf"]
    assert "deutschlandticket" in kw["phrases"][2]
    assert kw["compound_heads"] == ["ausfall", "ticket"]
    assert kw["brands"] == []


def test_every_key_is_present_even_when_empty() -> None:
    kw = _keywords("ok")
    assert tuple(kw) == KEYS
    assert all(value == [] for value in kw.values())


def test_english_post() -> None:
    kw = _keywords(
        "Just picked up the new phone at the Apple Store in Berlin. The camera quality is "
        "amazing 📸👍🏽 @Apple #iPhone"
    )
    # Without part-of-speech tags a verb can make it ("picked"); the names and nouns do.
    assert {"apple store", "berlin", "camera quality"} <= set(kw["phrases"])
    assert len(kw["phrases"]) == 5
    assert kw["hashtags"] == ["iphone"]
    assert kw["mentions"] == ["apple"]
    assert kw["emoji"] == ["📸", "👍🏽"]


def test_key_phrases_prefer_capitalised_long_and_repeated_words() -> None:
    text = (
        "mal sehen ob morgen wieder alles ausfällt, Stellwerksstörung bei Frankfurt, "
        "stellwerksstörung!"
    )
    phrases = key_phrases(text, limit=2)
    assert phrases == ["stellwerksstörung", "frankfurt"]


def test_long_runs_are_cut_into_pieces_of_at_most_three_words() -> None:
    phrases = key_phrases("Vorstand Aufsichtsrat Betriebsrat Gewerkschaft Tarifrunde", limit=5)
    assert phrases == ["vorstand aufsichtsrat betriebsrat", "gewerkschaft tarifrunde"]


def test_german_runs_are_cut_into_noun_groups() -> None:
    text = "Intershop schreibt rote Zahlen: Google untersucht grosse Probleme"
    assert key_phrases(text, limit=9) == [
        "intershop",
        "schreibt",
        "rote zahlen",
        "google",
        "untersucht",
        "grosse probleme",
    ]
    # English (and all lower-case posts) keep their runs whole.
    assert key_phrases(text, limit=9, german=False)[:2] == ["intershop schreibt", "rote zahlen"]
    assert key_phrases("bus erreicht zum glück") == ["bus erreicht", "glück"]


def test_laughter_and_repeats_are_no_phrases() -> None:
    assert key_phrases("hahaha hehe wakakakak Hawaii Urlaub Urlaub Urlaub") == ["hawaii urlaub"]


def test_words_are_compared_after_folding_for_stopwords() -> None:
    # "Für", "Über" and "MÜSSEN" are stopwords in every spelling.
    assert key_phrases("Für Pendler: Über Umleitungen MÜSSEN informieren") == [
        "pendler",
        "umleitungen",
        "informieren",
    ]


@pytest.mark.parametrize(
    ("word", "head"),
    [
        ("Zugausfall", "ausfall"),
        ("zugausfälle", "ausfall"),
        ("Deutschlandticket", "ticket"),
        ("Kundenservice", "service"),
        ("Hauptbahnhof", "bahnhof"),
        ("Flughafen", "hafen"),
        ("Bahnsteigen", None),  # an inflected form the list does not hold
        ("S-Bahn-Ausfall", "ausfall"),
        ("Deutschland-Ticket", "ticket"),
        ("Ausfall", None),  # aus- is a prefix, not a modifier
        ("Bezug", None),
        ("Interessen", None),
        ("Ticket", None),
    ],
)
def test_compound_heads(word: str, head: str | None) -> None:
    assert compound_head(word) == head


def test_split_compound_removes_linking_elements() -> None:
    assert split_compound("zeitungsartikel") is None  # "artikel" is not a listed head
    assert split_compound("kundenservice") == Compound("kunde", "service")
    compound = split_compound("versicherungskunden")
    assert compound is not None
    assert (compound.modifier, compound.head) == ("versicherung", "kunde")
    compound = split_compound("zugverspätungen")
    assert compound is not None
    assert (compound.modifier, compound.head) == ("zug", "verspätung")


def test_compound_heads_are_only_looked_for_in_german_or_unknown_language() -> None:
    text = "Der Zugausfall war lang"
    assert _keywords(text, lang="de")["compound_heads"] == ["ausfall"]
    assert _keywords(text, lang="en")["compound_heads"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I ❤ you", ["❤"]),
        ("❤️ und ❤ sind eins", ["❤️"]),
        ("👩🏽‍💻 coding, 👍🏻👍🏿", ["👩🏽‍💻", "👍🏻", "👍🏿"]),
        ("❤️‍🔥 🏳️‍🌈 🧑‍🤝‍🧑 🐻‍❄️", ["❤️‍🔥", "🏳️‍🌈", "🧑‍🤝‍🧑", "🐻‍❄️"]),
        ("Flaggen 🇩🇪🇬🇧 und 🏴󠁧󠁢󠁳󠁣󠁴󠁿", ["🇩🇪", "🇬🇧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]),
        ("Platz 1️⃣ und #️⃣", ["1️⃣", "#️⃣"]),
        ("© dpa, Marke™, Pfeil →", []),  # text symbols without U+FE0F
        ("©️ als Emoji", ["©️"]),
        ("Zug 🚆 fällt aus ⚡️", ["🚆", "⚡️"]),
        ("Ärger über Verspätung – „schon wieder“…", []),
    ],
)
def test_emoji(text: str, expected: list[str]) -> None:
    assert emoji_in(text) == expected


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Spiegel.de/politik", "spiegel.de"),
        ("https://m.faz.net/aktuell/", "faz.net"),
        ("https://news.bbc.co.uk/2/hi", "bbc.co.uk"),
        ("https://www.orf.gv.at/x", "orf.gv.at"),
        ("https://someone.github.io/blog", "someone.github.io"),
        ("https://youtu.be/abc", "youtube.com"),
        ("www.bahn.de/reise", "bahn.de"),
        ("http://192.0.2.7:8080/x", "192.0.2.7"),
        ("https://t.co/AbC", "t.co"),
        ("not a url", ""),
    ],
)
def test_link_domains(url: str, domain: str) -> None:
    assert link_domain(url) == domain


def test_links_strip_trailing_punctuation_and_junk() -> None:
    text = "Siehe (https://example.org/a). Und https://example.org/a, dann www.x.de/b…"
    assert links_of(text) == ["https://example.org/a", "www.x.de/b"]
    assert links_of("kaputt http://example.org/\x00\ud800rest") == ["http://example.org/"]


def test_twitter_payload_expands_t_co_links() -> None:
    raw = {
        "id_str": "1",
        "full_text": "Neuer Fahrplan https://t.co/AbC und https://t.co/XyZ",
        "entities": {
            "urls": [
                {"url": "https://t.co/AbC", "expanded_url": "https://www.bahn.de/fahrplan"},
                {"url": "https://t.co/XyZ", "expanded_url": "https://bit.ly/3x"},
            ]
        },
        "extended_tweet": {
            "entities": {"urls": [{"url": "https://t.co/Q", "unwound_url": "https://zdf.de/n"}]}
        },
    }
    kw = _keywords(raw["full_text"], raw=raw)
    assert kw["links"] == ["https://www.bahn.de/fahrplan", "https://bit.ly/3x", "https://zdf.de/n"]
    assert kw["domains"] == ["bahn.de", "bit.ly", "zdf.de"]


def test_twitter_photo_links_point_at_the_photo_page() -> None:
    photo = "https://x.com/anna/status/1/photo/1"
    raw = {"entities": {"media": [{"url": "https://t.co/P", "expanded_url": photo}]}}
    kw = _keywords("Seht euch das an https://t.co/P", raw=raw)
    assert kw["links"] == [photo]
    assert kw["domains"] == ["x.com"]


def test_bluesky_payload_link_facets_and_embeds() -> None:
    text = "Lesenswert: spiegel.de/wirtschaft/... und mehr"
    start = len(b"Lesenswert: ")
    end = start + len(b"spiegel.de/wirtschaft/...")
    link = {"$type": "app.bsky.richtext.facet#link", "uri": "https://www.spiegel.de/wirtschaft/x"}
    raw = {
        "uri": "at://did:plc:abc/app.bsky.feed.post/1",
        "record": {
            "text": text,
            "facets": [
                {"index": {"byteStart": start, "byteEnd": end}, "features": [link]},
                {"index": {"byteStart": 0, "byteEnd": 3}, "features": [{"$type": "x#tag"}]},
            ],
            "embed": {"external": {"uri": "https://www.tagesschau.de/inland/y"}},
        },
    }
    kw = _keywords(text, raw=raw)
    assert kw["links"] == [
        "https://www.spiegel.de/wirtschaft/x",
        "https://www.tagesschau.de/inland/y",
    ]
    assert kw["domains"] == ["spiegel.de", "tagesschau.de"]


def test_mastodon_card_url_counts() -> None:
    raw = {"id": "1", "content": "<p>Lest das</p>", "card": {"url": "https://netzpolitik.org/a"}}
    kw = _keywords("Lest das", raw=raw)
    assert kw["domains"] == ["netzpolitik.org"]


def test_odd_payloads_are_ignored() -> None:
    for raw in (
        {"entities": {"urls": "nope"}},
        {"entities": {"urls": [None, 3, {"url": 5, "expanded_url": None}]}},
        {"record": {"facets": [{"index": {"byteStart": "a"}, "features": [{"uri": 7}]}]}},
        {"card": ["x"]},
        {"entities": {"urls": [{"expanded_url": "javascript:alert(1)"}]}},
    ):
        assert _keywords("Text https://a.de/x", raw=raw)["domains"] == ["a.de"]


def test_brands_are_the_matched_terms_as_written() -> None:
    kw = _keywords(
        "Die Deutsche Bahn in Köln: Zugausfall! #DBNavigator @DB_Bahn DB db",
        terms=("deutsche bahn", "koeln", "zug*", "#dbnavigator", "@db_bahn", "db", "DB", "ice"),
    )
    assert kw["brands"] == [
        "Deutsche Bahn",
        "Köln",
        "Zugausfall",
        "#DBNavigator",
        "@DB_Bahn",
        "DB",
        "ice",  # matched elsewhere (title, URL): the term itself
    ]


def test_brands_from_several_topics_are_deduplicated() -> None:
    mention = _mention("Telekom und telekom").with_fields(
        matches=(TopicMatch(1, ("telekom",)), TopicMatch(2, ("TELEKOM", "magenta*")))
    )
    (out,) = KeywordsEnricher(Settings()).enrich([mention])
    assert out.enrichments["keywords"]["brands"] == ["Telekom", "magenta"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02\xff\xfe\ud800\udfff binär",
        "Привет мир Ελληνικά 中文 عربي mixed Zugverspätungen heute 🇺🇦",
        "#" * 500 + "@" * 500 + "http://" * 300,
        "a" * 5000,
        "\u0301\u200d\ufe0f\u20e3" * 100,
    ],
)
def test_bad_input_never_raises(text: str) -> None:
    kw = _keywords(text)
    assert tuple(kw) == KEYS


def test_very_long_posts_only_feed_their_start_to_phrases() -> None:
    text = "Zugausfall in Köln. " + "bla " * 30_000 + "Weltuntergang am Ende"
    assert len(text) > 100_000
    kw = _keywords(text + " #spät")
    assert "zugausfall" in kw["phrases"]
    assert "weltuntergang" not in " ".join(kw["phrases"])
    assert len(" ".join(key_phrases(text))) < MAX_CHARS


def test_title_counts_as_text() -> None:
    mention = _mention("Heute mehr dazu.").with_fields(title="Streik bei der #Lufthansa")
    kw = keywords_of(mention)
    assert kw["hashtags"] == ["lufthansa"]
    assert kw["phrases"][0] == "streik"


def test_one_bad_post_does_not_stop_the_batch(caplog: pytest.LogCaptureFixture) -> None:
    good = _mention("Zugausfall in Köln", native_id="good")
    bad = _mention("Zugausfall", native_id="bad").with_fields(
        matches=(TopicMatch(1, (None,)),)  # type: ignore[arg-type]
    )
    with caplog.at_level(logging.WARNING):
        out = KeywordsEnricher(Settings()).enrich([bad, good])
    assert "keywords" not in out[0].enrichments
    assert out[1].enrichments["keywords"]["phrases"] == ["zugausfall", "köln"]
    assert "twitter post bad" in caplog.text


def test_keywords_are_stored_and_read_back(store: SqlStore) -> None:
    ws = store.create_workspace("acme", "ACME")
    posts = [
        _mention("Zugausfall in Köln 😡 #Bahn https://t.co/x\x01rest", native_id="1"),
        _mention("\x01\x02\x7f\ufffe binär 🏴󠁧󠁢󠁳󠁣󠁴󠁿", native_id="2"),
    ]
    enriched = KeywordsEnricher(Settings()).enrich(posts)
    store.save_batch(ws.id, enriched)
    by_id = {m.native_id: m.enrichments["keywords"] for m in store.iter_mentions(ws.id)}
    assert by_id == {m.native_id: m.enrichments["keywords"] for m in enriched}
    assert by_id["1"]["links"] == ["https://t.co/x"]


def test_existing_enrichments_are_kept() -> None:
    mention = _mention("Zug").with_fields(enrichments={"sentiment": {"label": "neutral"}})
    (out,) = KeywordsEnricher(Settings()).enrich([mention])
    assert out.enrichments["sentiment"] == {"label": "neutral"}
    assert "keywords" in out.enrichments


def test_disabled_by_setting() -> None:
    settings = replace(Settings(), keyword_extraction=False)
    (out,) = KeywordsEnricher(settings).enrich([_mention("Zugausfall #bahn")])
    assert out.enrichments == {}


def test_registered_enricher_runs_in_the_pipeline() -> None:
    runtime = Runtime.load(Settings(language_detection=False), load_entry_points=False)
    assert "keywords" in [e.name for e in runtime.enrichers]
    payload = {
        "id_str": "42",
        "full_text": "Die Deutsche Bahn streicht Züge: Zugausfall in München 🚆 https://t.co/a",
        "entities": {"urls": [{"url": "https://t.co/a", "expanded_url": "https://br.de/x"}]},
    }
    item = RawItem(
        kind="jsonl",
        payload=payload,
        fetched_at=NOW,
        origin="tweets.jsonl:1",
        context={"mapping": {"id": "id_str", "text": "full_text"}, "platform": "twitter"},
    )
    matcher = Matcher.from_queries([(7, '"deutsche bahn" OR zugausfall')])
    batch = process(
        [item], normalisers=runtime.normalisers, matcher=matcher, enrichers=runtime.enrichers
    )
    (mention,) = batch.mentions
    kw = mention.enrichments["keywords"]
    assert kw["brands"] == ["Deutsche Bahn", "Zugausfall"]
    assert kw["domains"] == ["br.de"]
    assert kw["emoji"] == ["🚆"]
    assert "zugausfall" in kw["phrases"]
    assert "ausfall" in kw["compound_heads"]


class _ShortLinks(BaseHTTPRequestHandler):
    """A tiny link shortener: each path answers with a fixed status and Location."""

    routes: ClassVar[dict[str, tuple[int, str]]] = {
        "/a": (301, "/b"),  # a chain on the short host ...
        "/b": (302, "https://www.example.org/artikel?id=1"),  # ... to a site never contacted
        "/relative": (301, "//www.tagesschau.de/inland"),
        "/missing": (404, ""),
        "/loop": (301, "/loop"),
        "/script": (301, "javascript:alert(1)"),
    }
    seen: ClassVar[list[tuple[str, str]]] = []
    release = threading.Event()

    def do_HEAD(self) -> None:
        self.seen.append(("HEAD", self.path))
        if self.path == "/no-head":
            self._answer(405, "")
        else:
            self._route()

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path))
        if self.path == "/no-head":
            self._answer(301, "https://www.zeit.de/x", body=b"x" * 100_000)
        else:
            self._route()

    def _route(self) -> None:
        if self.path == "/slow":
            self.release.wait(5)
            return
        status, location = self.routes.get(self.path, (404, ""))
        self._answer(status, location)

    def _answer(self, status: int, location: str, body: bytes = b"") -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def shortener() -> Iterator[str]:
    """Base URL of a redirecting server on 127.0.0.1; its requests land in _ShortLinks.seen."""
    _ShortLinks.seen.clear()
    _ShortLinks.release.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ShortLinks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        _ShortLinks.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def _expanding(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "expand_short_links": True,
        "allow_private_targets": True,  # the test shortener is on 127.0.0.1
        "short_link_hosts": "127.0.0.1, bit.ly",
        "short_link_timeout": 0.5,
    }
    return replace(Settings(), **{**values, **changes})


def test_short_links_expand_through_their_redirects(shortener: str) -> None:
    enricher = KeywordsEnricher(_expanding())
    posts = [
        _mention(f"Lies das {shortener}/a und {shortener}/relative", native_id="1"),
        _mention(f"Auch hier: {shortener}/a", native_id="2"),
        _mention(f"Ohne HEAD {shortener}/no-head", native_id="3"),
    ]
    out = enricher.enrich(posts)
    kws = [m.enrichments["keywords"] for m in out]
    assert kws[0]["links"] == [
        "https://www.example.org/artikel?id=1",
        "http://www.tagesschau.de/inland",
    ]
    assert kws[0]["domains"] == ["example.org", "tagesschau.de"]
    assert kws[1]["domains"] == ["example.org"]
    assert kws[2]["domains"] == ["zeit.de"]
    # Each short link was asked once per hop, with HEAD; GET only where HEAD was refused.
    assert sorted(_ShortLinks.seen) == [
        ("GET", "/no-head"),
        ("HEAD", "/a"),
        ("HEAD", "/b"),
        ("HEAD", "/no-head"),
        ("HEAD", "/relative"),
    ]
    # The cache answers the next batch without a request.
    _ShortLinks.seen.clear()
    (again,) = enricher.enrich([_mention(f"Nochmal {shortener}/a")])
    assert again.enrichments["keywords"]["domains"] == ["example.org"]
    assert _ShortLinks.seen == []


def test_failed_expansions_keep_the_short_link(shortener: str) -> None:
    enricher = KeywordsEnricher(_expanding())
    paths = ("/missing", "/loop", "/script", "/slow")
    started = time.monotonic()
    out = enricher.enrich([_mention(f"Link {shortener}{path}", native_id=path) for path in paths])
    assert time.monotonic() - started < 3  # the slow one gave up after short_link_timeout
    for mention, path in zip(out, paths, strict=True):
        assert mention.enrichments["keywords"]["links"] == [f"{shortener}{path}"]
        assert mention.enrichments["keywords"]["domains"] == ["127.0.0.1"]


def test_private_addresses_are_refused_without_the_setting(shortener: str) -> None:
    settings = _expanding(allow_private_targets=False)
    (out,) = KeywordsEnricher(settings).enrich([_mention(f"Link {shortener}/a")])
    assert out.enrichments["keywords"]["domains"] == ["127.0.0.1"]
    assert _ShortLinks.seen == []


def test_at_most_short_link_max_expansions_per_batch(shortener: str) -> None:
    enricher = KeywordsEnricher(_expanding(short_link_max=1))
    text = f"{shortener}/relative und {shortener}/a"
    (out,) = enricher.enrich([_mention(text)])
    assert out.enrichments["keywords"]["domains"] == ["tagesschau.de", "127.0.0.1"]
    assert _ShortLinks.seen == [("HEAD", "/relative")]
    # The one left out is tried in a later batch.
    (out,) = enricher.enrich([_mention(text)])
    assert out.enrichments["keywords"]["domains"] == ["tagesschau.de", "example.org"]


def test_payload_targets_on_short_link_hosts_are_followed(shortener: str) -> None:
    raw = {"entities": {"urls": [{"url": "https://t.co/x", "expanded_url": f"{shortener}/a"}]}}
    (out,) = KeywordsEnricher(_expanding()).enrich([_mention("Link https://t.co/x", raw=raw)])
    assert out.enrichments["keywords"]["domains"] == ["example.org"]


def test_no_request_without_the_setting(shortener: str) -> None:
    settings = replace(_expanding(), expand_short_links=False)
    (out,) = KeywordsEnricher(settings).enrich([_mention(f"Link {shortener}/a")])
    assert out.enrichments["keywords"]["domains"] == ["127.0.0.1"]
    assert _ShortLinks.seen == []
