"""RssSource against the loopback feed server."""

from __future__ import annotations

from dataclasses import replace

import pytest
from feedserver import ETAG, LAST_MODIFIED, FeedServer

from resonanz.config import Settings
from resonanz.errors import ConfigError, FetchError, ParseError, RateLimited, UnsafeURLError
from resonanz.plugins import create_plugin_manager, source_classes
from resonanz.sources import FetchedBatch
from resonanz.sources.rss import RssSource


def fetch_all(url: str, settings: Settings, cursor: dict[str, object] | None = None):
    return list(RssSource({"url": url}, settings).fetch(cursor or {}))


def test_rss20_feed_yields_entries_and_cursor(feed_server: FeedServer, local_settings: Settings):
    url = feed_server.url("/rss.xml")
    batches = fetch_all(url, local_settings)
    assert len(batches) == 1
    batch = batches[0]
    assert [i.payload["link"] for i in batch.items] == [
        "https://blog.example.org/2024/streik",
        "https://blog.example.org/2024/ice",
        "https://blog.example.org/2024/titel",
    ]
    first = batch.items[0]
    assert first.kind == "rss"
    assert first.context == {
        "feed_url": url,
        "feed_title": "Bahn-Blog",
        "feed_link": "https://blog.example.org/",
        "feed_language": "de-DE",
    }
    assert first.origin == f"feed {url} entry 1"
    assert first.payload["published_parsed"] == "2024-07-02T08:00:00+00:00"
    assert first.payload["title"] == "Streik bei der Bahn & keine Züge"
    assert batch.cursor == {
        "etag": ETAG,
        "last_modified": LAST_MODIFIED,
        "last_status": 200,
        "url": url,
    }
    assert [(s.where, s.reason) for s in batch.skipped] == [
        (f"feed {url} entry 3", "entry ('Eintrag ohne Adresse') has neither id nor link")
    ]


def test_payload_is_plain_json(feed_server: FeedServer, local_settings: Settings):
    import json

    batch = fetch_all(feed_server.url("/rss.xml"), local_settings)[0]
    for item in batch.items:
        assert json.loads(json.dumps(item.payload)) == item.payload


def test_conditional_get_yields_empty_batch_and_same_cursor(
    feed_server: FeedServer, local_settings: Settings
):
    url = feed_server.url("/rss.xml")
    cursor = fetch_all(url, local_settings)[0].cursor
    batches = fetch_all(url, local_settings, dict(cursor))
    assert batches == [FetchedBatch(items=(), cursor=cursor)]
    _, headers = feed_server.requests[-1]
    assert headers["If-None-Match"] == ETAG
    assert headers["If-Modified-Since"] == LAST_MODIFIED


def test_last_modified_alone_is_sent(feed_server: FeedServer, local_settings: Settings):
    url = feed_server.url("/rss.xml")
    batches = fetch_all(url, local_settings, {"last_modified": LAST_MODIFIED})
    assert batches[0].items == ()
    assert "If-None-Match" not in feed_server.requests[-1][1]


def test_atom_feed(feed_server: FeedServer, local_settings: Settings):
    batch = fetch_all(feed_server.url("/atom.xml"), local_settings)[0]
    assert [i.payload["id"] for i in batch.items] == [
        "tag:news.example.com,2024:late",
        "tag:news.example.com,2024:plain",
    ]
    # Relative links are resolved against the address the feed was fetched from.
    assert batch.items[0].payload["link"] == feed_server.url("/2024/07/late")
    assert batch.items[0].payload["published_parsed"] == "2024-07-03T10:00:00+00:00"
    assert batch.skipped == ()


@pytest.mark.parametrize("path", ["/latin1.xml", "/mislabelled.xml"])
def test_latin1_feeds_are_readable(feed_server: FeedServer, local_settings: Settings, path: str):
    batch = fetch_all(feed_server.url(path), local_settings)[0]
    entry = batch.items[0].payload
    assert entry["title"] == "Verspätung in Köln"
    assert "Größere Störungen" in entry["summary"]
    assert batch.items[0].context["feed_title"] == "Grüße aus München"


def test_mislabelled_encoding_is_noted(feed_server: FeedServer, local_settings: Settings):
    batch = fetch_all(feed_server.url("/mislabelled.xml"), local_settings)[0]
    assert len(batch.skipped) == 1
    assert "read 1 entries anyway" in batch.skipped[0].reason


def test_malformed_feed_keeps_readable_entries(feed_server: FeedServer, local_settings: Settings):
    url = feed_server.url("/malformed.xml")
    batch = fetch_all(url, local_settings)[0]
    assert [i.payload["link"] for i in batch.items] == [
        "https://broken.example.org/1",
        "https://broken.example.org/2",
    ]
    assert batch.skipped[0].where == url
    assert "not well-formed" in batch.skipped[0].reason


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/page.html", r"web page \(HTML\), not an RSS or Atom feed"),
        ("/garbage", "not an RSS or Atom feed"),
        ("/empty", "empty response"),
    ],
)
def test_non_feeds_raise_parse_error(
    feed_server: FeedServer, local_settings: Settings, path: str, reason: str
):
    url = feed_server.url(path)
    with pytest.raises(ParseError, match=reason) as info:
        fetch_all(url, local_settings)
    assert info.value.where == url


def test_http_errors_propagate(feed_server: FeedServer, local_settings: Settings):
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_all(feed_server.url("/error"), local_settings)
    with pytest.raises(RateLimited) as info:
        fetch_all(feed_server.url("/busy"), local_settings)
    assert info.value.retry_after == 120


def test_many_entries_are_batched_and_only_the_last_batch_moves_the_cursor(
    feed_server: FeedServer, local_settings: Settings
):
    settings = replace(local_settings, batch_size=2)
    old = {"etag": '"old"'}
    batches = fetch_all(feed_server.url("/rss.xml"), settings, old)
    assert [len(b.items) for b in batches] == [2, 1]
    assert batches[0].cursor == old
    assert batches[1].cursor["etag"] == ETAG
    assert len(batches[0].skipped) == 1
    assert batches[1].skipped == ()


def test_redirected_feed_records_final_url(feed_server: FeedServer, local_settings: Settings):
    batch = fetch_all(feed_server.url("/redirect/1"), local_settings)[0]
    assert batch.cursor["url"] == feed_server.url("/rss.xml")
    assert batch.items[0].context["feed_url"] == feed_server.url("/redirect/1")


def test_validate_config(local_settings: Settings):
    config = RssSource.validate_config(
        {"url": " HTTP://127.0.0.1:8080/feed#x", "keep_unmatched": "false"}, local_settings
    )
    assert config == {"url": "http://127.0.0.1:8080/feed", "keep_unmatched": False}
    with pytest.raises(UnsafeURLError, match="loopback"):
        RssSource.validate_config({"url": "http://127.0.0.1/feed"}, Settings())
    with pytest.raises(UnsafeURLError, match="only http and https"):
        RssSource.validate_config({"url": "file:///etc/passwd"}, local_settings)
    with pytest.raises(ConfigError, match="needs a 'url'"):
        RssSource.validate_config({}, local_settings)
    with pytest.raises(ConfigError, match="unknown rss option"):
        RssSource.validate_config({"url": "http://x.example/", "urll": "y"}, local_settings)


def test_default_name():
    assert RssSource.default_name({"url": "https://www.spiegel.de/schlagzeilen/index.rss"}) == (
        "spiegel.de"
    )


def test_fetch_refuses_private_feed_without_setting(feed_server: FeedServer):
    with pytest.raises(UnsafeURLError):
        fetch_all(feed_server.url("/rss.xml"), Settings())


def test_registered_as_plugin():
    classes = source_classes(create_plugin_manager(load_entry_points=False))
    assert classes["rss"] is RssSource
