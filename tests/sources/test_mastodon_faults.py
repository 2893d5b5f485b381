"""The Mastodon connector when things go wrong: 429 and 5xx injected into mastodon-mock,
a rejected token, wrong instance addresses, private targets, bad options."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apiserver import ApiServer, JsonReply
from mastodon_peer import (  # noqa: F401 (the fixtures)
    MastodonPeer,
    mastodon_peer_fixture,
    mastodon_server_fixture,
    sqlite_store_fixture,
)

from resonanz.collect import run_source
from resonanz.config import Settings
from resonanz.errors import (
    AuthError,
    ConfigError,
    FetchError,
    ParseError,
    RateLimited,
    UnsafeURLError,
)
from resonanz.runtime import Runtime
from resonanz.sources import FetchedBatch
from resonanz.sources.mastodon import MastodonSource
from resonanz.store import SqlStore

SETTINGS = Settings(
    language_detection=False,
    allow_private_targets=True,
    http_timeout=3.0,
    http_retries=2,
    http_backoff_max=0.05,
)
TAG_PATH = "/api/v1/timelines/tag/bahn"


def fetch(peer_url: str, settings: Settings = SETTINGS, **options: Any) -> list[FetchedBatch]:
    config = MastodonSource.validate_config(
        {"instance": peer_url, "streaming": "off", **options}, settings
    )
    return list(MastodonSource(config, settings).fetch({}))


def test_429_with_a_short_reset_is_waited_out(mastodon_peer: MastodonPeer) -> None:
    posted = mastodon_peer.post("alice", "Zug fällt aus #bahn")
    mastodon_peer.rate_limit(TAG_PATH, reset_in=1.0)
    settings = replace(SETTINGS, http_backoff_max=5.0)
    started = time.monotonic()
    (batch,) = fetch(mastodon_peer.url, settings, hashtag="bahn")
    assert time.monotonic() - started >= 0.5  # waited for X-RateLimit-Reset, then retried
    assert [item.payload["id"] for item in batch.items] == [posted["id"]]


def test_429_with_a_long_reset_ends_the_run_and_keeps_the_cursor(
    sqlite_store: SqlStore, mastodon_peer: MastodonPeer
) -> None:
    runtime = Runtime.load(SETTINGS, load_entry_points=False)
    ws = sqlite_store.create_workspace("acme", "ACME")
    options = {"instance": mastodon_peer.url, "hashtag": "bahn", "page_size": 1, "streaming": "off"}
    config = MastodonSource.validate_config(options, SETTINGS)
    source = sqlite_store.add_source(ws.id, "mastodon", "m", config)
    mastodon_peer.post("alice", "eins #bahn")
    run_source(sqlite_store, runtime, source)
    newer = [mastodon_peer.post("bob", f"neu {n} #bahn") for n in range(3)]
    # After the first page, the instance refuses for five minutes (the mock's default
    # ratelimit headers: X-RateLimit-Reset now + 300, Retry-After 300).
    mastodon_peer.let_through(TAG_PATH, count=1)
    mastodon_peer.fault(TAG_PATH, status=429, kind="ratelimit", count=None)
    started = time.monotonic()
    report = run_source(sqlite_store, runtime, sqlite_store.get_source_by_id(source.id))
    assert time.monotonic() - started < 2  # not slept through
    assert report.error is not None
    assert re.search(
        r"rate limit reached during hashtag timeline #bahn; it resets in 3\d\d s", report.error
    )
    assert (report.batches, report.inserted) == (1, 1)
    assert sqlite_store.get_source_by_id(source.id).cursor["newest_id"] == newer[0]["id"]

    mastodon_peer.clear_faults()
    resumed = run_source(sqlite_store, runtime, sqlite_store.get_source_by_id(source.id))
    assert (resumed.error, resumed.inserted) == (None, 2)
    assert sqlite_store.count_mentions(ws.id) == 4


def test_5xx_is_retried(mastodon_peer: MastodonPeer) -> None:
    mastodon_peer.post("alice", "Stellwerksstörung #bahn")
    mastodon_peer.fault(TAG_PATH, status=502, count=2)  # http_retries=2: the third try works
    (batch,) = fetch(mastodon_peer.url, hashtag="bahn")
    assert len(batch.items) == 1


def test_lasting_5xx_ends_with_the_status(mastodon_peer: MastodonPeer) -> None:
    mastodon_peer.fault(TAG_PATH, status=503, count=None)
    with pytest.raises(FetchError, match="failed on hashtag timeline #bahn with HTTP 503") as err:
        fetch(mastodon_peer.url, hashtag="bahn")
    assert err.value.status == 503


def test_rejected_token_is_an_auth_error_without_the_token(mastodon_peer: MastodonPeer) -> None:
    with pytest.raises(AuthError, match=r"HTTP 401 \(This method requires an authenticated") as err:
        fetch(mastodon_peer.url, mode="mentions", access_token="revoked-secret-token")
    assert "revoked-secret-token" not in str(err.value)
    assert "invalid, revoked or lacks the read scope" in str(err.value)


def test_instance_that_cannot_be_reached() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=f"could not reach http://127.0.0.1:{port}"):
        fetch(f"http://127.0.0.1:{port}", hashtag="bahn")


def test_address_that_is_not_a_mastodon_instance(api_server: ApiServer) -> None:
    with pytest.raises(FetchError, match=r"HTTP 404.*is this the address of a Mastodon instance"):
        fetch(api_server.base_url, hashtag="bahn")
    page = JsonReply(
        raw=b"<!doctype html><title>Blog</title>", headers={"Content-Type": "text/html"}
    )
    api_server.script("GET", TAG_PATH, page)
    with pytest.raises(ParseError, match="not JSON; is this the address of a Mastodon instance"):
        fetch(api_server.base_url, hashtag="bahn")
    api_server.script("GET", TAG_PATH, JsonReply({"statuses": []}))
    with pytest.raises(ParseError, match="expected a list, got a JSON dict"):
        fetch(api_server.base_url, hashtag="bahn")


def test_private_targets_are_refused_at_add_and_at_fetch_time(
    mastodon_peer: MastodonPeer,
) -> None:
    strict = replace(SETTINGS, allow_private_targets=False)
    with pytest.raises(UnsafeURLError, match="loopback"):
        MastodonSource.validate_config({"instance": mastodon_peer.url, "hashtag": "x"}, strict)
    config = {"instance": mastodon_peer.url, "mode": "hashtag", "hashtag": "x"}
    with pytest.raises(UnsafeURLError, match="set allow_private_targets"):
        list(MastodonSource(config, strict).fetch({}))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs a mode"),
        ({"mode": "trending"}, "'trending' is not one of hashtag, public"),
        ({"mode": "hashtag"}, "None is not a hashtag"),
        ({"hashtag": "zwei worte"}, "'zwei worte' is not a hashtag"),
        ({"mode": "search"}, "needs a 'query'"),
        ({"mode": "mentions"}, "add -o access_token"),
        ({"mode": "public", "query": "x"}, "query do not apply to mode public"),
        ({"hashtag": "x", "keywords": "y"}, "unknown mastodon option"),
        ({"hashtag": "x", "page_size": "80"}, "80 is not between 1 and 40"),
        ({"mode": "mentions", "access_token": "t", "notification_types": "follow"}, "follow"),
        ({"hashtag": "x", "streaming": "yes"}, "'yes' is not one of auto, on, off"),
        ({"query": "x", "streaming": "on"}, "no stream for searches"),
        ({"hashtag": "x", "stream_seconds": "0"}, "0 is not between 1 and 3600"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        MastodonSource.validate_config({"instance": "https://mastodon.social", **options}, SETTINGS)


def test_config_is_normalised_and_named() -> None:
    config = MastodonSource.validate_config(
        {"instance": "https://mastodon.social/", "hashtag": "#ÖPNV", "local_only": "yes"}, SETTINGS
    )
    assert config == {
        "instance": "https://mastodon.social",
        "mode": "hashtag",
        "hashtag": "ÖPNV",
        "local_only": True,
        "page_size": 40,
        "backfill_pages": 1,
        "max_pages": 25,
        "streaming": "auto",
        "stream_seconds": 30,
    }
    assert MastodonSource.default_name(config) == "mastodon.social #ÖPNV"


def test_a_used_up_limit_stops_before_the_next_request(api_server: ApiServer) -> None:
    # Status shape after docs.joinmastodon.org/entities/Status (fields the connector reads).
    status = {"id": "103270115826048975", "uri": "https://m.example/users/a/statuses/1"}
    reset = datetime.now(UTC) + timedelta(minutes=5)
    headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    api_server.script("GET", TAG_PATH, JsonReply([status], headers=headers))
    config = MastodonSource.validate_config(
        {"instance": api_server.base_url, "hashtag": "bahn", "page_size": 1, "streaming": "off"},
        SETTINGS,
    )
    batches = MastodonSource(config, SETTINGS).fetch({"stream": "tag:bahn", "newest_id": "1"})
    first = next(batches)
    assert first.cursor == {"stream": "tag:bahn", "newest_id": status["id"]}
    with pytest.raises(RateLimited, match="rate limit used up before hashtag timeline") as err:
        next(batches)
    assert (
        err.value.retry_after is not None and 290 < err.value.retry_after <= 302
    )  # Date header: whole seconds
    assert len(api_server.calls(TAG_PATH)) == 1
