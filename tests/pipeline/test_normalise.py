"""Normalisers: RSS/Atom entries, file rows and GermEval rows -> Mention; value parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from resonanz.config import Settings
from resonanz.errors import ParseError
from resonanz.fetcher import SafeFetcher
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import (
    html_to_text,
    normalise_germeval,
    normalise_item,
    normalise_row,
    normalise_rss,
    parse_count,
    parse_date,
    platform_from_url,
    register_normalisers,
)
from resonanz.plugins import create_plugin_manager, normalisers
from resonanz.sources.rss import RssSource

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "rss"
FETCHED = datetime(2024, 7, 4, 12, 0, tzinfo=UTC)


def feed_items(name: str, url: str) -> list[RawItem]:
    """Fetch a payload file through RssSource with an in-memory transport."""
    body = (PAYLOADS / name).read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/xml"})

    fetcher = SafeFetcher(
        Settings(), transport=httpx.MockTransport(handler), resolver=lambda h, p: ["93.184.216.34"]
    )
    with fetcher:
        batches = list(RssSource({"url": url}, Settings(), fetcher=fetcher).fetch({}))
    return [item for batch in batches for item in batch.items]


def row_item(payload: dict[str, Any], mapping: dict[str, str] | None = None, **context: Any):
    return RawItem(
        kind="csv",
        payload=payload,
        fetched_at=FETCHED,
        origin="posts.csv:2",
        context={"mapping": mapping or {"text": "text"}, "platform": None, **context},
    )


def test_rss_entries():
    url = "https://blog.example.org/feed.xml"
    first, second, third = [normalise_rss(i) for i in feed_items("rss20.xml", url)]
    assert first.platform == "news"
    assert first.native_id == "https://blog.example.org/2024/streik"
    assert first.url == "https://blog.example.org/2024/streik"
    assert first.title == "Streik bei der Bahn & keine Züge"
    assert first.text == "Heute fallen viele Züge aus & die Info ist überlastet."
    assert first.author == Author("news", "Erika Mustermann", name="Erika Mustermann")
    assert first.created_at == datetime(2024, 7, 2, 8, 0, tzinfo=UTC)
    assert first.lang == "de"
    assert first.engagement == Engagement(replies=1234)
    assert first.collected_at.tzinfo is not None
    assert first.raw_kind == "rss"
    assert first.raw["link"] == first.url
    # A guid that is not a URI is only unique inside its feed.
    assert second.native_id == f"{url}#42"
    assert second.text == "Der neue ICE\n\nSchneller & leiser.\n\nMehr Platz."
    assert second.author == Author(
        "news", "blog.example.org", name="Bahn-Blog", url="https://blog.example.org/"
    )
    assert third.text == "Nur ein Titel"


def test_atom_entries():
    late, plain = [normalise_rss(i) for i in feed_items("atom.xml", "https://news.example.com/a")]
    assert late.native_id == "tag:news.example.com,2024:late"
    assert late.title == "Trains late again"
    assert late.text == "Delays on all lines."
    assert late.author == Author(
        "news", "John Doe", name="John Doe", url="https://news.example.com/john"
    )
    assert late.created_at == datetime(2024, 7, 3, 10, 0, tzinfo=UTC)
    assert late.lang == "en"
    assert plain.text == "Fine content & more."
    assert plain.created_at == datetime(2024, 7, 2, 9, 0, tzinfo=UTC)


def test_rss_entry_without_text_is_a_parse_error():
    item = RawItem("rss", {"id": "https://x.example/1"}, FETCHED, origin="feed x entry 1")
    with pytest.raises(ParseError, match="no text") as info:
        normalise_rss(item)
    assert info.value.where == "feed x entry 1"


def test_row_with_full_mapping():
    payload = {
        "tid": "1546000000000000000", "body": "Hallo @DB_Bahn", "link": "https://x.com/anna/status/1",
        "who": "@anna", "name": "Anna", "fans": "1,234", "when": "", "sprache": "de-DE",
        "überschrift": "", "net": "", "re": "99", "rt": "", "qt": "", "likes": "1.2k",
        "shares": "n/a", "answers": "3", "quotes": "0", "views": "12.0",
    }  # fmt: skip
    mapping = {
        "id": "tid", "text": "body", "url": "link", "author": "who", "author_name": "name",
        "author_followers": "fans", "created_at": "when", "lang": "sprache", "title": "überschrift",
        "platform": "net", "reply_to": "re", "repost_of": "rt", "quote_of": "qt", "likes": "likes",
        "reposts": "shares", "replies": "answers", "quotes": "quotes", "views": "views",
    }  # fmt: skip
    mention = normalise_row(row_item(payload, mapping))
    assert mention == Mention(
        platform="twitter",
        native_id="1546000000000000000",
        text="Hallo @DB_Bahn",
        collected_at=FETCHED,
        url="https://x.com/anna/status/1",
        author=Author("twitter", "anna", name="Anna", followers=1234),
        # No created_at column value: taken from the snowflake id.
        created_at=datetime(2022, 7, 10, 5, 14, 57, 948000, tzinfo=UTC),
        lang="de",
        reply_to="99",
        engagement=Engagement(likes=1200, reposts=None, replies=3, quotes=0, views=12),
        raw=payload,
        raw_kind="csv",
    )


def test_row_platform_precedence():
    url = "https://www.youtube.com/watch?v=x"
    assert normalise_row(row_item({"text": "a", "p": "Reddit"}, {"text": "text", "platform": "p"},
                                  platform="mastodon")).platform == "reddit"  # fmt: skip
    assert normalise_row(row_item({"text": "a"}, platform="mastodon")).platform == "mastodon"
    mapped = {"text": "text", "url": "u"}
    assert normalise_row(row_item({"text": "a", "u": url}, mapped)).platform == "youtube"
    assert normalise_row(row_item({"text": "a"})).platform == "file"


def test_row_without_id_gets_a_stable_content_hash():
    one = normalise_row(row_item({"text": "gleich", "b": "1"}))
    again = normalise_row(row_item({"b": "1", "text": "gleich"}))
    other = normalise_row(row_item({"text": "gleich", "b": "2"}))
    assert one.native_id == again.native_id
    assert one.native_id != other.native_id
    assert one.native_id.startswith("row:") and len(one.native_id) == 36


def test_jsonl_row_with_nested_fields_and_numbers():
    payload = {"id": 123, "text": "Hi", "user": {"screen_name": "bob", "followers_count": 50},
               "created_at": "Wed Oct 10 20:19:24 +0000 2018", "favorite_count": 7.0}  # fmt: skip
    item = RawItem(
        "jsonl",
        payload,
        FETCHED,
        origin="t.jsonl:1",
        context={"mapping": {"text": "text", "id": "id", "author": "user.screen_name",
                             "author_followers": "user.followers_count",
                             "created_at": "created_at", "likes": "favorite_count"},
                 "platform": "twitter"},
    )  # fmt: skip
    mention = normalise_row(item)
    assert mention.native_id == "123"
    assert mention.author == Author("twitter", "bob", followers=50)
    assert mention.created_at == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert mention.engagement.likes == 7


def test_row_without_mapping_recognises_columns():
    item = RawItem("jsonl", {"content": "Servus", "user": "sepp"}, FETCHED, origin="a.jsonl:3")
    mention = normalise_row(item)
    assert (mention.text, mention.author) == ("Servus", Author("file", "sepp"))


def test_row_with_empty_text_is_a_parse_error():
    with pytest.raises(ParseError, match=r"posts\.csv:2: no text"):
        normalise_row(row_item({"text": "   "}))


def test_germeval_row():
    url = "http://www.facebook.com/1/posts/2?comment\\_id=3#1\\_2\\_3"
    item = RawItem("germeval", {"url": url, "text": "Danke!", "relevant": "true"}, FETCHED)
    mention = normalise_germeval(item)
    assert (
        mention.url == mention.native_id == "http://www.facebook.com/1/posts/2?comment_id=3#1_2_3"
    )
    assert mention.platform == "facebook"
    assert mention.author is None and mention.created_at is None
    assert mention.raw["relevant"] == "true"


def test_normalise_item_dispatch_and_errors():
    registry = register_normalisers()
    assert set(registry) == {"rss", "jsonl", "csv", "germeval"}
    mention = normalise_item(row_item({"text": "ok"}), registry)
    assert mention.text == "ok"
    unknown = RawItem("myspace", {}, FETCHED, origin="x:1")
    with pytest.raises(ParseError, match="no normaliser for kind 'myspace'") as info:
        normalise_item(unknown, registry)
    assert info.value.where == "x:1"

    def broken(item: RawItem) -> Mention:
        return Mention(platform="x", native_id=item.payload["missing"], text="t",
                       collected_at=FETCHED)  # fmt: skip

    with pytest.raises(ParseError, match="cannot read this csv item"):
        normalise_item(row_item({"text": "a"}), {"csv": broken})

    def blank(item: RawItem) -> Mention:
        return Mention(platform="x", native_id="1", text=" ", collected_at=FETCHED)

    with pytest.raises(ParseError, match="no text"):
        normalise_item(row_item({"text": "a"}), {"csv": blank})


def test_registered_through_plugins():
    registry = normalisers(create_plugin_manager(load_entry_points=False))
    assert registry["rss"] is normalise_rss
    assert registry["germeval"] is normalise_germeval


CET = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-07-02T10:00:00Z", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("2024-07-02T12:00:00+02:00", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("2024-07-02 10:00:00", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("2024-07-02", datetime(2024, 7, 2, tzinfo=UTC)),
        ("Tue, 02 Jul 2024 12:00:00 +0200", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("Tue, 02 Jul 2024 10:00:00 GMT", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("Wed Oct 10 20:19:24 +0000 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),
        ("02.07.2024 10:00", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("1719914400", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("1719914400000", datetime(2024, 7, 2, 10, tzinfo=UTC)),
        (1719914400, datetime(2024, 7, 2, 10, tzinfo=UTC)),
        (1719914400.5, datetime(2024, 7, 2, 10, 0, 0, 500000, tzinfo=UTC)),
        (datetime(2024, 7, 2, 12, tzinfo=CET), datetime(2024, 7, 2, 10, tzinfo=UTC)),
        (datetime(2024, 7, 2, 10), datetime(2024, 7, 2, 10, tzinfo=UTC)),
        ("gestern", None),
        ("", None),
        (None, None),
        (True, None),
        ([2024], None),
        (10**20, None),
    ],
)
def test_parse_date(value: Any, expected: datetime | None):
    parsed = parse_date(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234", 1234),
        ("1.234.567", 1234567),
        ("1 234", 1234),
        ("12", 12),
        ("12.0", 12),
        ("1.2k", 1200),
        ("3M", 3_000_000),
        (7, 7),
        (7.0, 7),
        ("12.5", None),
        ("-3", None),
        (-3, None),
        ("n/a", None),
        ("", None),
        ("nan", None),
        (None, None),
        (True, None),
        ({"a": 1}, None),
    ],
)
def test_parse_count(value: Any, expected: int | None):
    assert parse_count(value) == expected


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Hallo <b>Welt</b> &amp; mehr</p>", "Hallo Welt & mehr"),
        ("Zeile<br>zwei", "Zeile\nzwei"),
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("x<script>alert(1)</script><style>p{}</style>y", "xy"),
        ("&lt;not a tag&gt; &eacute;t&eacute;", "<not a tag> été"),
        ("  viel   \t Platz  ", "viel Platz"),
        ("5 < 6 & 7 > 3", "5 < 6 & 7 > 3"),
    ],
)
def test_html_to_text(markup: str, text: str):
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("http://twitter.com/DJCosmo7/statuses/616551942341300224", "twitter"),
        ("https://mobile.twitter.com/a/status/1", "twitter"),
        ("https://x.com/a/status/1", "twitter"),
        ("http://www.facebook.com/176772398231/posts/1", "facebook"),
        ("https://m.facebook.com/x", "facebook"),
        ("https://plus.google.com/+Foo/posts/bar", "googleplus"),
        ("https://www.youtube.com/watch?v=1", "youtube"),
        ("https://youtu.be/1", "youtube"),
        ("https://www.instagram.com/p/1", "instagram"),
        ("https://www.spiegel.de/artikel", "web"),
        ("https://google.com/", "web"),
        ("not a url", "web"),
        ("http://[::1", "web"),
        (None, "web"),
    ],
)
def test_platform_from_url(url: str | None, platform: str):
    assert platform_from_url(url) == platform
