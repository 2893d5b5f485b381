"""The Hacker News connector against a loopback server that answers like the Algolia HN
Search API (bodies from tests/payloads/hackernews/), and end to end into a real store."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

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
from resonanz.errors import ConfigError, FetchError, ParseError, RateLimited, UnsafeURLError
from resonanz.models import RawItem
from resonanz.runtime import Runtime
from resonanz.sources import FetchedBatch
from resonanz.sources.hackernews import HackerNewsSource
from resonanz.sources.hackernews_normalise import normalise_hackernews
from resonanz.store import SqlStore

NOW = 1708460000  # 2024-02-20T20:13:20Z, after every hit in hits.json
SEARCH = "/api/v1/search_by_date"
_NUMERIC = re.compile(r"created_at_i(>=|<=|>|<|=)(\d+)")


def payload(name: str) -> Any:
    return load_payload("hackernews", name)


def hits(name: str) -> list[dict[str, Any]]:
    return list(payload(name)["hits"])


class Algolia(ScriptedPlatform):
    """Answers search_by_date over a list of hits as the HN Search API does: query words,
    tags, numericFilters on created_at_i, newest first, hitsPerPage/page, and at most
    ``limit`` hits reachable by paging (Algolia's paginationLimitedTo, 1,000 there)."""

    def __init__(self, corpus: list[dict[str, Any]], limit: int = 1000) -> None:
        super().__init__()
        self.corpus = list(corpus)
        self.limit = limit

    def answer(self, request: Recorded) -> JsonReply:
        query = request.param("query") or ""
        per_page = int(request.param("hitsPerPage") or 20)
        page = int(request.param("page") or 0)
        tags = (request.param("tags") or "").strip("()").split(",")
        conditions = _NUMERIC.findall(request.param("numericFilters") or "")
        found = [h for h in self.corpus if self._matches(h, query, tags, conditions)]
        found.sort(key=lambda h: h.get("created_at_i") or 0, reverse=True)
        pages = min(math.ceil(len(found) / per_page), self.limit // per_page)
        shown = found[page * per_page : (page + 1) * per_page] if page < pages else []
        params = {k: v[-1] for k, v in request.query.items()}
        return JsonReply(
            {
                "exhaustive": {"nbHits": True, "typo": True},
                "exhaustiveNbHits": True,
                "exhaustiveTypo": True,
                "hits": shown,
                "hitsPerPage": per_page,
                "nbHits": len(found),
                "nbPages": pages,
                "page": page,
                "params": urlencode(params),
                "processingTimeMS": 1,
                "processingTimingsMS": {"_request": {"roundTrip": 12}},
                "query": query,
                "serverTimeMS": 2,
            }
        )

    @staticmethod
    def _matches(
        hit: Mapping[str, Any], query: str, tags: list[str], conditions: list[tuple[str, str]]
    ) -> bool:
        if not set(tags) & set(hit.get("_tags") or []):
            return False
        text = " ".join(
            str(hit.get(k) or "") for k in ("title", "comment_text", "story_text", "story_title")
        ).lower()
        if not all(word in text for word in query.lower().split()):
            return False
        created = hit.get("created_at_i")
        if created is None:
            return True  # a broken index entry: served whatever the filter says
        checks = {
            ">=": created.__ge__,
            "<=": created.__le__,
            ">": created.__gt__,
            "<": created.__lt__,
            "=": created.__eq__,
        }
        return all(checks[op](int(value)) for op, value in conditions)


def make_source(
    server: ApiServer,
    settings: Settings,
    sleeps: Sleeps | None = None,
    **options: Any,
) -> HackerNewsSource:
    config = HackerNewsSource.validate_config(
        {"query": "bahn", "base_url": f"{server.base_url}/api/v1", **options}, settings
    )
    return HackerNewsSource(config, settings, policy=quick_policy(3, sleeps), clock=lambda: NOW)


def ids(batches: list[FetchedBatch]) -> list[str]:
    return [str(item.payload["objectID"]) for batch in batches for item in batch.items]


def test_validate_config_defaults_and_bad_options(local_settings: Settings) -> None:
    config = HackerNewsSource.validate_config({"query": "  deutsche bahn "}, local_settings)
    assert config == {
        "query": "deutsche bahn",
        "types": ["story", "comment"],
        "backfill_hours": 24,
        "overlap_seconds": 600,
        "hits_per_page": 100,
    }
    assert HackerNewsSource.default_name(config) == "hn: deutsche bahn"
    narrow = HackerNewsSource.validate_config(
        {"query": "x", "types": "comment", "keep_unmatched": "no"}, local_settings
    )
    assert narrow["types"] == ["comment"] and narrow["keep_unmatched"] is False
    with pytest.raises(ConfigError, match=r"unknown hackernews option.*keywords"):
        HackerNewsSource.validate_config({"query": "x", "keywords": "y"}, local_settings)
    with pytest.raises(ConfigError, match="needs a 'query'"):
        HackerNewsSource.validate_config({"query": " "}, local_settings)
    with pytest.raises(ConfigError, match="option types: job is not one of story, comment"):
        HackerNewsSource.validate_config({"query": "x", "types": "story,job"}, local_settings)
    with pytest.raises(ConfigError, match="hits_per_page: 5000 is not between 1 and 1000"):
        HackerNewsSource.validate_config({"query": "x", "hits_per_page": "5000"}, local_settings)
    with pytest.raises(UnsafeURLError):
        HackerNewsSource.validate_config(
            {"query": "x", "base_url": "http://127.0.0.1:9/api/v1"}, Settings()
        )


def test_normalise_maps_story_ask_and_comment_fields() -> None:
    story, comment, _, _, ask, _ = hits("hits.json")
    at = datetime(2024, 2, 21, tzinfo=UTC)
    mention = normalise_hackernews(RawItem("hackernews", story, at, origin="o"))
    assert (mention.platform, mention.native_id) == ("hackernews", "39440806")
    assert mention.url == "https://news.ycombinator.com/item?id=39440806"
    assert mention.title == mention.text == "Deutsche Bahn opens its timetable API"
    assert mention.author is not None and mention.author.handle == "kramer"
    assert mention.author.url == "https://news.ycombinator.com/user?id=kramer"
    assert mention.created_at == datetime(2024, 2, 20, 12, 0, 6, tzinfo=UTC)
    assert (mention.engagement.likes, mention.engagement.replies) == (87, 2)
    assert mention.reply_to is None and mention.raw is story

    reply = normalise_hackernews(RawItem("hackernews", comment, at, origin="o"))
    assert reply.title is None and reply.reply_to == "39440806"
    assert reply.text == (
        'The Bahn API has had a "delay" field for years, it just never matched reality.\n'
        "See https://www.bahn.de/ \u2013 it's always on time there."
    )
    assert reply.engagement.likes is None

    question = normalise_hackernews(RawItem("hackernews", ask, at, origin="o"))
    assert question.title == "Ask HN: Anyone commuting with the Bahn daily?"
    assert question.text.startswith("I moved to Berlin") and "delays?" in question.text

    deleted = hits("malformed_hits.json")[2]
    with pytest.raises(ParseError, match="comment 39450250 has no text"):
        normalise_hackernews(RawItem("hackernews", deleted, at, origin="hackernews item 1"))


def test_polls_oldest_first_and_resumes_without_gaps_or_duplicates(
    api_server: ApiServer, local_settings: Settings
) -> None:
    algolia = Algolia(hits("hits.json"))
    api_server.script("GET", SEARCH, algolia)
    settings = replace(local_settings, batch_size=4)
    source = make_source(api_server, settings)

    first = list(source.fetch({}))
    assert ids(first) == ["39440806", "39440900", "39441022", "39441023", "39450001", "39450107"]
    assert [len(b.items) for b in first] == [4, 2]
    # each batch's cursor covers that batch only and keeps the ids of its last 600 s
    assert first[0].cursor["since"] == 1708432800
    assert set(first[0].cursor["recent"]) == {"39440900", "39441022", "39441023"}
    assert first[1].cursor["since"] == 1708445400
    (call,) = api_server.calls(SEARCH)
    assert call.param("numericFilters") == f"created_at_i>={NOW - 24 * 3600}"
    assert call.param("tags") == "(story,comment)" and call.param("query") == "bahn"
    assert call.param("hitsPerPage") == "100" and call.param("page") == "0"

    # nothing new: one request, nothing yielded
    assert list(source.fetch(first[-1].cursor)) == []

    # a late hit in the very second of the cursor and a newer one: both, only them
    algolia.corpus += hits("late_hits.json")
    api_server.requests.clear()
    later = list(source.fetch(first[-1].cursor))
    assert ids(later) == ["39450108", "39450300"]
    assert api_server.calls(SEARCH)[0].param("numericFilters") == (
        f"created_at_i>={1708445400 - 600}"
    )

    # resuming from the first batch's cursor (a crash after it) yields exactly the rest
    resumed = list(source.fetch(first[0].cursor))
    assert ids(resumed) == ["39450001", "39450107", "39450108", "39450300"]


def test_more_hits_than_paging_reaches_are_split_into_spans(
    api_server: ApiServer, local_settings: Settings
) -> None:
    base = hits("hits.json")[1]
    corpus = [
        {**base, "objectID": str(40000000 + n), "created_at_i": 1708400000 + n * 100}
        for n in range(20)
    ]
    api_server.script("GET", SEARCH, Algolia(corpus, limit=6))
    source = make_source(api_server, local_settings, hits_per_page=3)
    batches = list(source.fetch({}))
    assert ids(batches) == [str(40000000 + n) for n in range(20)]
    cursors = [b.cursor["since"] for b in batches]
    assert cursors == sorted(cursors) and cursors[-1] == 1708400000 + 1900
    filters = [c.param("numericFilters") for c in api_server.calls(SEARCH)]
    assert any("created_at_i<=" in (f or "") for f in filters)
    assert not any(b.skipped for b in batches)


def test_errors_retries_and_algolia_error_bodies(
    api_server: ApiServer, local_settings: Settings
) -> None:
    algolia = Algolia(hits("hits.json"))
    api_server.script("GET", SEARCH, algolia)
    algolia.queued = [
        JsonReply(payload("error_429.json"), status=429, headers={"Retry-After": "4"}),
        JsonReply({"message": "Internal Server Error", "status": 500}, status=500),
    ]
    sleeps = Sleeps()
    assert len(ids(list(make_source(api_server, local_settings, sleeps).fetch({})))) == 6
    assert sleeps[0] == 4.0 and 0.0 <= sleeps[1] <= 2.0

    algolia.queued = [JsonReply(payload("error_400.json"), status=400)]
    with pytest.raises(FetchError, match="answered 400: Invalid syntax for numeric") as info:
        list(make_source(api_server, local_settings).fetch({}))
    assert info.value.status == 400

    algolia.queued = [JsonReply(payload("error_429.json"), status=429)] * 3
    with pytest.raises(RateLimited, match="Too many requests"):
        list(make_source(api_server, local_settings).fetch({}))

    algolia.queued = [JsonReply(raw=b"<html>maintenance</html>")]
    with pytest.raises(ParseError, match="not JSON"):
        list(make_source(api_server, local_settings).fetch({}))

    algolia.queued = [JsonReply({"results": []})]
    with pytest.raises(ParseError, match="no 'hits' list"):
        list(make_source(api_server, local_settings).fetch({}))


def test_timeouts_are_retried(api_server: ApiServer, local_settings: Settings) -> None:
    algolia = Algolia(hits("hits.json"))
    algolia.queued = [JsonReply({}, delay=0.6)]
    api_server.script("GET", SEARCH, algolia)
    settings = replace(local_settings, http_timeout=0.3)
    sleeps = Sleeps()
    assert len(ids(list(make_source(api_server, settings, sleeps).fetch({})))) == 6
    assert len(sleeps) == 1


def _runtime(settings: Settings) -> Runtime:
    def factory(config: Mapping[str, Any], settings: Settings) -> HackerNewsSource:
        return HackerNewsSource(
            config, settings, policy=quick_policy(attempts=2), clock=lambda: NOW
        )

    return runtime_with(settings, "hackernews", factory)


def test_end_to_end_into_the_store_with_a_failure_midway(
    store: SqlStore, api_server: ApiServer
) -> None:
    settings = E2E_SETTINGS
    runtime = _runtime(settings)
    ws = store.create_workspace("acme", "ACME")
    store.add_topic(ws.id, "Bahn", "bahn", "brand")
    corpus = hits("hits.json") + hits("malformed_hits.json")
    algolia = Algolia(corpus, limit=4)
    algolia.fail_from = 9  # fails for good once the first spans are stored
    api_server.script("GET", SEARCH, algolia)
    config = HackerNewsSource.validate_config(
        {"query": "bahn", "base_url": f"{api_server.base_url}/api/v1", "hits_per_page": 2},
        settings,
    )
    source = store.add_source(ws.id, "hackernews", "hn: bahn", config)

    report = run_source(store, runtime, source)
    assert not report.ok and "503" in (report.error or "")
    stored_first = {m.native_id for m in store.iter_mentions(ws.id)}
    assert stored_first and len(stored_first) < 6

    algolia.fail_from = None
    source = store.get_source(ws.id, "hn: bahn")
    report = run_source(store, runtime, source)
    assert report.ok, report.error
    mentions = list(store.iter_mentions(ws.id))
    native = sorted(m.native_id for m in mentions)
    assert native == sorted(
        ["39440806", "39440900", "39441022", "39441023", "39450001", "39450107"]
    )
    assert report.inserted == 6 - len(stored_first) and report.updated == 0
    reasons = " | ".join(s.reason for s in report.skipped)
    assert "without a numeric objectID" in reasons and "without created_at_i" in reasons
    assert "no text" in reasons
    comment = next(m for m in mentions if m.native_id == "39441022")
    assert comment.reply_to == "39440900" and comment.matches

    report = run_source(store, runtime, store.get_source(ws.id, "hn: bahn"))
    assert report.ok and report.inserted == 0 and report.fetched == 0
