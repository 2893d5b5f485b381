"""Bluesky stream and search edge cases, served from 127.0.0.1.

A real websocket server replays scripted messages: real firehose frames from the recorded
stream, garbage, an unknown record type in the post collection, server error and info
frames, and Jetstream events shaped as its README documents them
(tests/payloads/bluesky/jetstream.jsonl). The search mode talks to the scripted JSON API
server with searchPosts and XRPC error bodies shaped as the lexicons document them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import libipld
import pytest
from apiserver import ApiServer, JsonReply
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from resonanz.bench.connectors import read_frames
from resonanz.config import Settings
from resonanz.errors import AuthError, ConfigError, RateLimited, SourceError
from resonanz.pipeline import normalise_batch
from resonanz.runtime import Runtime
from resonanz.sources.bluesky import BlueskySource
from resonanz.sources.bluesky.frames import decode_frame
from resonanz.sources.retry import RetryPolicy

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "bluesky"
NO_WAIT = RetryPolicy(attempts=2, base_delay=0.0, sleep=lambda _: None)


class Scripted:
    """A websocket server on 127.0.0.1 sending each client the scripted messages."""

    def __init__(self) -> None:
        self.messages: list[str | bytes] = []
        self.paths: list[str] = []
        self.server: Server = serve(self._handle, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}"

    def _handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        self.paths.append(connection.request.path)
        try:
            for message in self.messages:
                connection.send(message)
            connection.recv()  # hold the connection until the client leaves
        except ConnectionClosed:
            pass


@pytest.fixture(scope="module")
def ws_server() -> Iterator[Scripted]:
    scripted = Scripted()
    yield scripted
    scripted.server.shutdown()


def _settings(**changes: Any) -> Settings:
    return replace(Settings(), allow_private_targets=True, http_timeout=3.0, **changes)


def _frame(header: dict[str, Any], body: dict[str, Any]) -> bytes:
    return libipld.encode_dag_cbor(header) + libipld.encode_dag_cbor(body)


def _car(block: dict[str, Any]) -> tuple[bytes, bytes]:
    """A one-block CAR file (CAR v1: varint-prefixed header and block) and the block's CID."""
    data = libipld.encode_dag_cbor(block)
    cid = b"\x01\x71\x12\x20" + hashlib.sha256(data).digest()
    # The header {"roots": [CID], "version": 1}; a CID is CBOR tag 42 over 0x00 + its bytes.
    link = b"\xd8\x2a\x58\x25\x00" + cid
    header = b"\xa2\x65roots\x81" + link + b"\x67version\x01"
    entry = cid + data
    return bytes([len(header)]) + header + bytes([len(entry)]) + entry, cid


def _commit(seq: int, record: dict[str, Any]) -> bytes:
    car, cid = _car(record)
    body = {
        "seq": seq,
        "repo": "did:plc:test",
        "rev": "3l3qo2vutsw2b",
        "time": "2026-03-01T09:30:00.000Z",
        "ops": [{"action": "create", "path": "app.bsky.feed.post/3l3qo2vuowo2b", "cid": cid}],
        "blocks": car,
        "tooBig": False,
        "blobs": [],
        "rebase": False,
        "since": None,
        "commit": cid,
    }
    return _frame({"op": 1, "t": "#commit"}, body)


def _firehose(server: Scripted, settings: Settings) -> BlueskySource:
    config = BlueskySource.validate_config(
        {"mode": "firehose", "url": server.url, "max_seconds": "1"}, settings
    )
    return BlueskySource(config, settings, policy=NO_WAIT)


def test_firehose_skips_bad_frames_and_keeps_the_cursor(ws_server: Scripted) -> None:
    real = read_frames()[:40]
    last_seq = max(e.seq or 0 for e in map(decode_frame, real) if not hasattr(e, "error"))
    posted = _commit(last_seq + 1, {"$type": "app.bsky.feed.post", "text": "Bahn", "createdAt": ""})
    liked = _commit(last_seq + 2, {"$type": "app.bsky.feed.like", "subject": {}, "createdAt": ""})
    info = _frame({"op": 1, "t": "#info"}, {"name": "OutdatedCursor", "message": "too old"})
    ws_server.messages = [*real, b"\x00garbage", posted, info, liked, "a text message"]
    batches = list(_firehose(ws_server, _settings()).fetch({"seq": 3}))
    assert ws_server.paths[-1] == "/xrpc/com.atproto.sync.subscribeRepos?cursor=3"
    assert batches[-1].cursor == {"seq": last_seq + 2}
    reasons = [s.reason for b in batches for s in b.skipped]
    assert any(r.startswith("unreadable event: not DAG-CBOR") for r in reasons)
    assert "record type 'app.bsky.feed.like' is not a post" in reasons
    assert "the server said OutdatedCursor: too old" in reasons
    assert any("text message where a binary frame" in r for r in reasons)
    items = [i for b in batches for i in b.items]
    assert items[-1].origin == "at://did:plc:test/app.bsky.feed.post/3l3qo2vuowo2b"
    assert len(items) > 5


def test_firehose_error_frames_end_the_run_with_the_reason(ws_server: Scripted) -> None:
    ws_server.messages = [_frame({"op": -1}, {"error": "FutureCursor", "message": "ahead"})]
    with pytest.raises(SourceError, match=r"lies in its future .* reset its cursor"):
        list(_firehose(ws_server, _settings()).fetch({"seq": 99}))


def test_jetstream_events_become_posts_with_time_us_cursors(ws_server: Scripted) -> None:
    lines = (PAYLOADS / "jetstream.jsonl").read_text(encoding="utf-8").splitlines()
    ws_server.messages = list(lines)
    settings = _settings(batch_size=1)
    config = BlueskySource.validate_config(
        {"mode": "jetstream", "url": ws_server.url, "max_seconds": "1"}, settings
    )
    assert config["keep_unmatched"] is False
    batches = list(BlueskySource(config, settings, policy=NO_WAIT).fetch({"time_us": 17}))
    assert ws_server.paths[-1] == "/subscribe?wantedCollections=app.bsky.feed.post&cursor=17"
    items = [i for b in batches for i in b.items]
    assert [b.cursor["time_us"] for b in batches if b.items] == [
        1725911162329308,
        1725911162329500,
    ]
    assert batches[-1].cursor == {"time_us": 1725911162329500}
    assert items[0].payload == json.loads(lines[2])  # the event, untouched
    runtime = Runtime.load(settings, load_entry_points=False)
    mentions, skipped = normalise_batch(items, runtime.normalisers)
    assert not skipped
    first, second = mentions
    assert first.author is not None and first.author.handle == "yohenrique.bsky.social"
    assert first.lang == "pt" and first.url == (
        "https://bsky.app/profile/did:plc:ufbl4k27gp6kzas5glhz7fim/post/3l3qo2vuowo2b"
    )
    assert (
        second.reply_to == "at://did:plc:wa7b35aakoll7hugkrjtf3xf/app.bsky.feed.post/3l3pte3p2e325"
    )
    reasons = [s.reason for b in batches for s in b.skipped]
    assert any(r.startswith("unreadable event: not JSON") for r in reasons)
    assert any("1 post deletion(s)" in r for r in reasons)


def _search(api_server: ApiServer, **options: Any) -> BlueskySource:
    """A search source on the scripted server (its replies scripted by each test)."""
    settings = _settings(batch_size=1)
    config = BlueskySource.validate_config(
        {
            "mode": "search",
            "url": api_server.base_url,
            "query": "deutsche bahn",
            "handle": "atproto.com",
            "app_password": "abcd-efgh-ijkl-mnop",
            **options,
        },
        settings,
    )
    return BlueskySource(config, settings, policy=NO_WAIT)


def _payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def _login(api_server: ApiServer) -> None:
    """createSession answers as Bluesky does for a good handle and app password."""
    api_server.script(
        "POST",
        "/xrpc/com.atproto.server.createSession",
        [JsonReply(_payload("createSession.json"))],
    )


def test_search_maps_post_views_and_finishes_its_sweep(api_server: ApiServer) -> None:
    _login(api_server)
    api_server.script(
        "GET",
        "/xrpc/app.bsky.feed.searchPosts",
        [
            JsonReply(_payload("searchPosts.json")),
            JsonReply(_payload("searchPosts_last.json")),
        ],
    )
    batches = list(_search(api_server).fetch({}))
    searches = [r for r in api_server.requests if r.path.endswith("searchPosts")]
    assert searches[0].param("q") == "deutsche bahn" and searches[0].param("sort") == "latest"
    assert searches[0].headers["authorization"].startswith("Bearer eyJ0eXAi")
    assert searches[1].param("cursor") == "25"
    # The sweep is done: the next run searches from the newest post on.
    assert batches[-1].cursor == {"since": "2024-10-16T17:56:21.465Z"}
    assert [b.cursor.get("sweep") is not None for b in batches[:-1]] == [True] * (len(batches) - 1)
    runtime = Runtime.load(_settings(), load_entry_points=False)
    items = [i for b in batches for i in b.items]
    (first, second), skipped = normalise_batch(items, runtime.normalisers)
    assert not skipped
    assert first.text == "Deutsche Bahn is testing Bluesky search: https://www.bahn.de/presse"
    assert first.author is not None and first.author.handle == "bsky.app"
    assert first.author.name == "Bluesky"
    assert (first.engagement.likes, first.engagement.reposts) == (560, 34)
    assert (first.engagement.replies, first.engagement.quotes) == (12, 7)
    assert second.quote_of == first.native_id and second.lang == "de"
    assert second.author is not None and second.author.followers == 21500


def test_search_resumes_an_unfinished_sweep_below_where_it_stopped(api_server: ApiServer) -> None:
    _login(api_server)
    api_server.script(
        "GET", "/xrpc/app.bsky.feed.searchPosts", [JsonReply(_payload("searchPosts_last.json"))]
    )
    cursor = {
        "since": "2024-10-01T00:00:00Z",
        "sweep": {"top": "2024-10-17T00:00:00.000Z", "until": "2024-10-16T14:12:01.001Z"},
    }
    batches = list(_search(api_server).fetch(cursor))
    search = next(r for r in api_server.requests if r.path.endswith("searchPosts"))
    assert search.param("since") == "2024-10-01T00:00:00Z"
    assert search.param("until") == "2024-10-16T14:12:01.001Z"
    assert batches[-1].cursor == {"since": "2024-10-17T00:00:00.000Z"}


def test_search_errors_expired_token_and_rate_limit(api_server: ApiServer) -> None:
    _login(api_server)
    api_server.script(
        "GET",
        "/xrpc/app.bsky.feed.searchPosts",
        [JsonReply(_payload("error_expired_token.json"), status=400)],
    )
    with pytest.raises(AuthError, match="ExpiredToken: Token has expired") as caught:
        list(_search(api_server).fetch({}))
    assert "abcd-efgh" not in str(caught.value)
    api_server.script(
        "GET",
        "/xrpc/app.bsky.feed.searchPosts",
        [
            JsonReply(
                _payload("error_rate_limit.json"),
                status=429,
                headers={
                    "RateLimit-Limit": "3000",
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": "4102444800",
                },
            )
        ],
    )
    with pytest.raises(RateLimited, match="RateLimitExceeded"):
        list(_search(api_server).fetch({}))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"mode": "telepathy"}, "mode must be one of firehose, jetstream, search, account"),
        ({"mode": "search", "query": "x"}, "needs the option handle"),
        ({"mode": "search", "handle": "a", "app_password": "b"}, "needs the option query"),
        ({"mode": "firehose", "query": "x"}, "firehose mode does not take query"),
        ({"mode": "firehose", "max_seconds": "0"}, "max_seconds: 0 is not between 1 and 86400"),
        ({"mode": "firehose", "keywords": "x"}, "unknown bluesky option(s) keywords"),
        ({"mode": "account"}, "needs the option actor"),
        ({"mode": "search", "url": "wss://bsky.social", "query": "x"}, "https:// service URL"),
    ],
)
def test_options_are_checked_with_clear_messages(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BlueskySource.validate_config(config, Settings())


def test_defaults_per_mode() -> None:
    settings = Settings()
    firehose = BlueskySource.validate_config({"mode": "firehose"}, settings)
    assert firehose["url"] == "wss://bsky.network" and firehose["keep_unmatched"] is False
    assert BlueskySource.default_name(firehose) == "bluesky firehose"
    account = BlueskySource.validate_config({"mode": "account", "actor": "@bsky.app"}, settings)
    assert account["url"] == "https://bsky.social" and account["keep_unmatched"] is True
    assert BlueskySource.default_name(account) == "bluesky @bsky.app"


def test_account_mentions_come_from_notifications_down_to_the_last_seen(
    api_server: ApiServer,
) -> None:
    replies = {
        "/xrpc/com.atproto.identity.resolveHandle": "resolveHandle.json",
        "/xrpc/com.atproto.repo.listRecords": "listRecords_empty.json",
        "/xrpc/app.bsky.notification.listNotifications": "listNotifications.json",
    }
    for path, name in replies.items():
        api_server.script("GET", path, [JsonReply(_payload(name))])
    _login(api_server)
    settings = _settings()
    config = BlueskySource.validate_config(
        {
            "mode": "account",
            "url": api_server.base_url,
            "handle": "bsky.app",
            "app_password": "abcd-efgh-ijkl-mnop",
        },
        settings,
    )
    cursor = {"rkey": "3l6oveex3ii2l", "notified": "2024-10-16T17:30:00.000Z"}
    batches = list(BlueskySource(config, settings, policy=NO_WAIT).fetch(cursor))
    listed = api_server.calls("/xrpc/com.atproto.repo.listRecords")[0]
    assert listed.param("repo") == "did:plc:z72i7hdynmk6r22z27h6tvur"
    assert listed.param("cursor") == "3l6oveex3ii2l" and listed.param("reverse") == "true"
    notified = api_server.calls("/xrpc/app.bsky.notification.listNotifications")[0]
    assert notified.query["reasons"] == ["mention", "reply", "quote"]
    # The like is not a post; the reply is older than the last run's newest: caught up.
    (batch,) = batches
    assert [i.origin for i in batch.items] == [
        "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l6ox2ffhh22c"
    ]
    assert batch.cursor == {"rkey": "3l6oveex3ii2l", "notified": "2024-10-16T18:10:01.000Z"}
    runtime = Runtime.load(settings, load_entry_points=False)
    (mention,), _ = normalise_batch(batch.items, runtime.normalisers)
    assert mention.text == "@bsky.app the ICE was on time"
    assert mention.author is not None and mention.author.handle == "atproto.com"
