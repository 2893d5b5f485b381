"""The Discourse connector against a loopback server that answers /posts.json and
/site.json like a Discourse forum (bodies from tests/payloads/discourse/), and end to end
into a real store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from apiserver import ApiServer, JsonReply, Recorded
from platform_fakes import (
    E2E_SETTINGS,
    ScriptedPlatform,
    Sleeps,
    load_payload,
    quick_policy,
    runtime_with,
)

from resonanz.collect import run_source
from resonanz.config import Settings
from resonanz.errors import (
    AuthError,
    ConfigError,
    FetchError,
    ParseError,
    SourceError,
    UnsafeURLError,
)
from resonanz.models import RawItem
from resonanz.runtime import Runtime
from resonanz.sources import FetchedBatch
from resonanz.sources.discourse import DiscourseSource
from resonanz.sources.discourse_normalise import normalise_discourse
from resonanz.store import SqlStore


def payload(name: str) -> Any:
    return load_payload("discourse", name)


def posts() -> list[dict[str, Any]]:
    return list(payload("latest_posts.json")["latest_posts"])


def more_posts(first_id: int, count: int, step: int) -> list[dict[str, Any]]:
    """Replies in topic 880 with ids first_id, first_id + step, ..."""
    template = posts()[0]
    return [
        {**template, "id": first_id + n * step, "post_number": 10 + n, "reply_to_post_number": None}
        for n in range(count)
    ]


class Forum(ScriptedPlatform):
    """Answers /posts.json like Discourse: the ``page_size`` (50) newest public posts with an
    id below ``before`` (``legacy``: the posts among the 50 ids up to ``before``, as
    Discourse 1.x did), newest first."""

    failure = JsonReply({"errors": ["Bad Gateway"], "error_type": "unknown"}, status=502)

    def __init__(self, corpus: list[dict[str, Any]], page_size: int = 50) -> None:
        super().__init__()
        self.corpus = list(corpus)
        self.page_size = page_size
        self.legacy = False

    def answer(self, request: Recorded) -> JsonReply:
        ordered = sorted(self.corpus, key=_id, reverse=True)
        before = request.param("before")
        if before is None:
            shown = ordered[: self.page_size]
        elif self.legacy:
            low = int(before) - 50
            shown = [p for p in ordered if low < _id(p) <= int(before)]
        else:
            shown = [p for p in ordered if _id(p) < int(before)][: self.page_size]
        return JsonReply({"latest_posts": shown})


def _id(post: Mapping[str, Any]) -> int:
    return post["id"] if isinstance(post.get("id"), int) else -1  # broken posts sort last


def make_source(
    server: ApiServer,
    settings: Settings,
    sleeps: Sleeps | None = None,
    attempts: int = 3,
    **options: Any,
) -> DiscourseSource:
    config = DiscourseSource.validate_config({"url": server.base_url, **options}, settings)
    return DiscourseSource(config, settings, policy=quick_policy(attempts, sleeps))


def ids(batches: list[FetchedBatch]) -> list[int]:
    return [int(item.payload["id"]) for batch in batches for item in batch.items]


def serve_forum(server: ApiServer, forum: Forum) -> None:
    server.script("GET", "/posts.json", forum)
    server.script("GET", "/site.json", JsonReply(payload("site.json")))


def test_validate_config(local_settings: Settings) -> None:
    config = DiscourseSource.validate_config(
        {"url": "https://forum.example.org/", "api_key": "k1", "api_username": "system"},
        local_settings,
    )
    assert config == {
        "url": "https://forum.example.org",
        "api_key": "k1",
        "api_username": "system",
        "backfill_pages": 1,
    }
    assert DiscourseSource.default_name({**config, "category": "verkehr"}) == (
        "forum.example.org verkehr"
    )
    with pytest.raises(ConfigError, match="api_username goes with api_key"):
        DiscourseSource.validate_config(
            {"url": "https://forum.example.org", "api_username": "x"}, local_settings
        )
    with pytest.raises(ConfigError, match=r"unknown discourse option\(s\) tags"):
        DiscourseSource.validate_config(
            {"url": "https://forum.example.org", "tags": "x"}, local_settings
        )
    with pytest.raises(UnsafeURLError):
        DiscourseSource.validate_config({"url": "http://10.0.0.8/"}, Settings())


def test_normalise_maps_posts() -> None:
    reply_to_two, welcome, quoting, opening = posts()
    at = datetime(2024, 3, 5, tzinfo=UTC)
    context = {"forum_url": "https://forum.example.org"}

    def norm(post: dict[str, Any]) -> Any:
        return normalise_discourse(RawItem("discourse", post, at, origin="o", context=context))

    first = norm(opening)
    assert (first.platform, first.native_id) == ("discourse", "forum.example.org/t/880/1")
    assert first.url == "https://forum.example.org/t/pendeln-mit-der-bahn/880/1"
    assert first.title == "Pendeln mit der Bahn" and first.text.startswith("Heute war der ICE")
    assert first.author is not None and first.author.handle == "clara"
    assert (
        first.author.name == "Clara M." and first.author.url == "https://forum.example.org/u/clara"
    )
    assert first.created_at == datetime(2024, 3, 3, 19, 0, tzinfo=UTC)
    assert first.reply_to is None
    assert (first.engagement.likes, first.engagement.replies) == (6, 2)
    assert (first.engagement.quotes, first.engagement.views) == (1, 60)
    assert first.raw is opening

    second = norm(quoting)  # answers the topic, not a post: points at the first post
    assert second.title is None and second.reply_to == "forum.example.org/t/880/1"
    assert "the ICE was late" in second.text and "Same here & every Monday." in second.text
    third = norm(reply_to_two)
    assert third.reply_to == "forum.example.org/t/880/2" and third.engagement.likes == 0
    welcomed = norm(welcome).author
    assert welcomed is not None and welcomed.name is None

    with pytest.raises(ParseError, match="no text"):
        norm({**opening, "cooked": "", "raw": ""})
    with pytest.raises(ParseError, match="no topic_id"):
        norm({**opening, "topic_id": None})


def test_backfills_then_reads_new_posts_in_windows_without_gaps(
    api_server: ApiServer, local_settings: Settings
) -> None:
    forum = Forum(posts(), page_size=2)
    serve_forum(api_server, forum)
    settings = replace(local_settings, batch_size=3)
    source = make_source(api_server, settings, backfill_pages=1)

    first = list(source.fetch({}))
    assert ids(first) == [5009, 5012] and first[-1].cursor == {"last_post_id": 5012}
    assert list(source.fetch(first[-1].cursor)) == []

    forum.corpus += more_posts(5013, 12, 200)  # ids 5013 .. 7213: three windows of 1000 ids
    for legacy in (False, True):
        forum.legacy = legacy
        batches = list(source.fetch({"last_post_id": 5012}))
        assert ids(batches) == [5013 + n * 200 for n in range(12)], legacy
        cursors = [b.cursor["last_post_id"] for b in batches]
        assert cursors == sorted(cursors) and cursors[-1] == 7213
        for batch in batches:  # no batch's cursor passes a post it does not carry
            assert all(int(i.payload["id"]) <= batch.cursor["last_post_id"] for i in batch.items)
        resumed = list(source.fetch(batches[1].cursor))
        assert ids(resumed) == [i for i in ids(batches) if i > batches[1].cursor["last_post_id"]]


def test_category_keeps_its_subcategories_and_the_cursor_moves_on(
    api_server: ApiServer, local_settings: Settings
) -> None:
    corpus = [*posts(), {**posts()[0], "id": 5020, "category_id": 12}]
    serve_forum(api_server, Forum(corpus))
    source = make_source(api_server, local_settings, category="verkehr", backfill_pages=1)
    batches = list(source.fetch({}))
    assert ids(batches) == [5003, 5007, 5012, 5020]  # 5009 (General) left out
    assert batches[-1].cursor == {"last_post_id": 5020}

    by_id = make_source(api_server, local_settings, category="12")
    assert ids(list(by_id.fetch({}))) == [5020]
    with pytest.raises(SourceError, match=r"no category 'trains'.*known: fernverkehr, general"):
        list(make_source(api_server, local_settings, category="trains").fetch({}))


def test_errors_rate_limits_and_credentials(
    api_server: ApiServer, local_settings: Settings
) -> None:
    forum = Forum(posts())
    serve_forum(api_server, forum)
    sleeps = Sleeps()
    forum.queued = [
        JsonReply(payload("error_429.json"), status=429),
        JsonReply({"errors": ["Bad Gateway"]}, status=502),
        JsonReply({}, delay=0.6),
    ]
    settings = replace(local_settings, http_timeout=0.3)
    assert len(ids(list(make_source(api_server, settings, sleeps, attempts=4).fetch({})))) == 4
    assert sleeps[0] == 8.0 and len(sleeps) == 3  # wait_seconds from the 429 body

    forum.queued = [JsonReply(payload("error_403.json"), status=403)]
    with pytest.raises(AuthError, match=r"not permitted.*add api_key and api_username"):
        list(make_source(api_server, local_settings).fetch({}))

    api_server.requests.clear()
    forum.queued = [JsonReply(payload("error_403_bad_key.json"), status=403)]
    keyed = make_source(api_server, local_settings, api_key="s3cr3t", api_username="system")
    with pytest.raises(AuthError, match=r"key is invalid.*renew the credentials") as info:
        list(keyed.fetch({}))
    assert "s3cr3t" not in str(info.value)
    (call,) = api_server.calls("/posts.json")
    assert call.headers["api-key"] == "s3cr3t" and call.headers["api-username"] == "system"

    blog = b"<!doctype html><html><body>A blog</body></html>"
    forum.queued = [JsonReply(raw=blog, headers={"Content-Type": "text/html"})]
    with pytest.raises(ParseError, match="does not look like a Discourse forum"):
        list(make_source(api_server, local_settings).fetch({}))
    forum.queued = [JsonReply(payload("error_404.json"), status=404)]
    with pytest.raises(FetchError, match=r"does not look like a Discourse forum.*not be found"):
        list(make_source(api_server, local_settings).fetch({}))
    forum.queued = [JsonReply({"topic_list": {"topics": []}})]
    with pytest.raises(ParseError, match="no 'latest_posts' list"):
        list(make_source(api_server, local_settings).fetch({}))

    forum.queued = [JsonReply({"latest_posts": posts()})] * 2  # ignores before=
    with pytest.raises(ParseError, match="does not page"):
        list(make_source(api_server, local_settings).fetch({"last_post_id": 1}))


def _runtime(settings: Settings) -> Runtime:
    def factory(config: Mapping[str, Any], settings: Settings) -> DiscourseSource:
        return DiscourseSource(config, settings, policy=quick_policy(attempts=2))

    return runtime_with(settings, "discourse", factory)


def test_end_to_end_into_the_store_with_a_failure_midway(
    store: SqlStore, api_server: ApiServer
) -> None:
    settings = E2E_SETTINGS
    runtime = _runtime(settings)
    ws = store.create_workspace("acme", "ACME")
    store.add_topic(ws.id, "Bahn", "bahn OR ice", "brand")
    forum = Forum(posts(), page_size=2)
    serve_forum(api_server, forum)
    config = DiscourseSource.validate_config({"url": api_server.base_url}, settings)
    source = store.add_source(ws.id, "discourse", "forum", config)

    report = run_source(store, runtime, source)
    assert report.ok and report.inserted == 2  # the backfill: the newest page
    forum.corpus += more_posts(5100, 6, 400)  # ids 5100 .. 7100
    forum.fail_from = forum.answered + 5
    report = run_source(store, runtime, store.get_source(ws.id, "forum"))
    assert not report.ok and "502" in (report.error or "")
    partial = report.inserted
    assert 0 < partial < 6

    forum.fail_from = None
    report = run_source(store, runtime, store.get_source(ws.id, "forum"))
    assert report.ok, report.error
    assert report.inserted == 6 - partial and report.updated == 0
    stored = {m.native_id for m in store.iter_mentions(ws.id)}
    assert len(stored) == 8 and "127.0.0.1" in next(iter(stored))
    assert store.get_source(ws.id, "forum").cursor == {"last_post_id": 7100}

    # broken posts are skipped with their reasons, the rest is stored
    broken = {**posts()[0], "id": 5014, "cooked": "", "raw": ""}
    forum.corpus = [*posts(), broken, {"id": "x", "cooked": "<p>no id</p>"}]
    fresh = store.add_source(ws.id, "discourse", "forum-2", {**config, "backfill_pages": 3})
    report = run_source(store, runtime, fresh)
    reasons = " | ".join(s.reason for s in report.skipped)
    assert report.ok and "without a numeric id" in reasons and "has no text" in reasons
