"""X recent search against a loopback server answering X API v2's documented bodies
(tests/payloads/x): posts end to end into SQLite, resume, the monthly read budget, errors."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apiserver import ApiServer, JsonReply, Recorded
from connector_run import SETTINGS, Collector, payload

from resonanz.errors import AuthError, ConfigError, RateLimited
from resonanz.sources.quota import utc_month
from resonanz.sources.retry import RetryPolicy
from resonanz.sources.x import XSource

SEARCH = "/2/tweets/search/recent"
TOKEN = "b26v89c19zqg8o3fr5qv0w3q6jqf7ftsd8mbt4o9wp6ml"  # search_page1.json's next_token
A, B, C = "1992745300000000005", "1992745200000000004", "1992745100000000003"
D, E, F = "1992744900000000002", "1992744800000000001", "1992745900000000006"


def reply(name: str, status: int = 200, **headers: str) -> JsonReply:
    return JsonReply(payload("x", name), status=status, headers=headers)


class Search:
    """Answers recent search by its paging parameters and records max_results."""

    def __init__(self, pages: dict[str, JsonReply]) -> None:
        self.pages = pages
        self.asked: list[int] = []

    def __call__(self, request: Recorded) -> JsonReply:
        self.asked.append(int(request.param("max_results") or 0))
        for name in ("pagination_token", "until_id", "since_id"):
            value = request.param(name)
            if value:
                return self.pages[f"{name}={value}"]
        return self.pages["first"]


def collector(server: ApiServer, tmp_path: Path, **extra: object) -> Collector:
    config = {"query": '"ICE" lang:de', "bearer_token": "AAAA-secret-bearer", **extra}
    return Collector.create(tmp_path, "x", {"api_url": f"{server.base_url}/2", **config})


def test_recent_search_end_to_end_resumes_below_an_unfinished_page(
    api_server: ApiServer, tmp_path: Path
) -> None:
    unavailable = JsonReply({"title": "Service Unavailable", "status": 503}, 503)
    search = Search({"first": reply("search_page1"), f"pagination_token={TOKEN}": unavailable})
    api_server.script("GET", SEARCH, search)  # type: ignore[arg-type]
    run = collector(api_server, tmp_path)

    report = run.run()  # page 1 stored, page 2 fails
    assert not report.ok and report.inserted == 3
    assert run.cursor()["pending"] == {"newest_id": A, "until_id": C}
    assert "since_id" not in run.cursor()
    (first, *_) = api_server.calls(SEARCH)
    assert first.headers["authorization"] == "Bearer AAAA-secret-bearer"
    assert first.param("expansions") == "author_id" and first.param("max_results") == "100"
    assert "referenced_tweets" in (first.param("tweet.fields") or "")

    # The next run goes on below page 1 (until_id), not from the top again.
    api_server.requests.clear()
    search.pages[f"until_id={C}"] = reply("search_page2")
    report = run.run()
    assert report.ok and report.inserted == 2
    (resumed,) = api_server.calls(SEARCH)
    assert resumed.param("until_id") == C and resumed.param("pagination_token") is None
    assert run.cursor() == {
        "since_id": A,
        "budget": {"period": utc_month().key, "used": 5, "limit": 10_000},
    }

    api_server.requests.clear()
    search.pages[f"since_id={A}"] = reply("search_newer")
    assert run.run().inserted == 1
    assert api_server.calls(SEARCH)[0].param("since_id") == A
    assert run.cursor()["since_id"] == F

    stored = run.mentions()
    assert sorted(stored) == sorted([A, B, C, D, E, F])
    reply_post, repost, quote = stored[A], stored[B], stored[C]
    assert reply_post.platform == "twitter" and reply_post.reply_to == "1992740000000000001"
    assert reply_post.url == f"https://x.com/bahnkunde/status/{A}"
    assert reply_post.author and reply_post.author.followers == 1520
    assert reply_post.author.name == "Bahnkunde Berlin" and reply_post.lang == "de"
    assert reply_post.created_at == datetime(2026, 11, 23, 9, 58, 12, tzinfo=UTC)
    assert (reply_post.engagement.likes, reply_post.engagement.views) == (4, 310)
    assert repost.repost_of == "1992744000000000003" and repost.engagement.reposts == 12
    assert quote.quote_of == "1992700000000000009" and "jeden Tag auf" in quote.text  # note_tweet
    assert stored[E].lang is None  # "zxx"
    assert reply_post.raw["data"]["id"] == A
    run.close()


def test_monthly_read_budget_is_never_exceeded(api_server: ApiServer, tmp_path: Path) -> None:
    search = Search(
        {
            "first": reply("search_page1"),
            f"pagination_token={TOKEN}": reply("search_page2"),
            f"since_id={A}": reply("search_newer"),
        }
    )
    api_server.script("GET", SEARCH, search)  # type: ignore[arg-type]
    run = collector(api_server, tmp_path, monthly_read_budget=16)
    assert run.run().inserted == 5
    assert run.run().inserted == 1
    assert search.asked == [16, 13, 11]  # never more than what is left of the budget
    assert run.cursor()["budget"]["used"] == 6
    run.store.set_source_cursor(
        run.source_id,
        {**run.cursor(), "budget": {"period": utc_month().key, "used": 7, "limit": 16}},
    )
    report = run.run()  # 9 left: less than the 10 X's smallest request may return
    assert not report.ok and "X posts read" in (report.error or "")
    assert "needs 10, but only 9 of the 16" in (report.error or "")
    assert len(search.asked) == 3
    run.close()


def _source(server: ApiServer) -> XSource:
    policy = RetryPolicy(attempts=3, max_delay=30.0, sleep=lambda s: None, rng=random.Random(1))
    config = XSource.validate_config(
        {"query": "bahn", "bearer_token": "AAAA-secret", "api_url": f"{server.base_url}/2"},
        SETTINGS,
    )
    return XSource(config, SETTINGS, policy=policy)


def test_errors_unauthorized_usage_cap_rate_limit_and_partial(api_server: ApiServer) -> None:
    api_server.script("GET", SEARCH, reply("error_unauthorized", 401))
    with pytest.raises(AuthError, match="X API answered 401: Unauthorized") as auth:
        list(_source(api_server).fetch({}))
    assert "AAAA-secret" not in str(auth.value)

    api_server.script("GET", SEARCH, reply("error_usage_capped", 429))
    with pytest.raises(RateLimited, match="usage cap") as capped:
        list(_source(api_server).fetch({}))
    assert capped.value.retry_after and capped.value.retry_after > 3600
    assert len(api_server.calls(SEARCH)) == 2  # 401 once, the usage cap once: not retried

    reset = str(int(time.time()) + 900)
    api_server.requests.clear()
    limited = reply("error_too_many_requests", 429, **{"x-rate-limit-reset": reset})
    api_server.script("GET", SEARCH, limited)
    with pytest.raises(RateLimited, match="Too Many Requests") as info:
        list(_source(api_server).fetch({}))
    assert info.value.retry_after and 800 < info.value.retry_after <= 900
    assert len(api_server.calls(SEARCH)) == 1  # 15 minutes is longer than the backoff

    api_server.script("GET", SEARCH, reply("search_partial_errors"))
    (batch,) = list(_source(api_server).fetch({}))
    assert [i.payload["data"]["id"] for i in batch.items] == [F]
    (skip,) = batch.skipped
    assert skip.where.endswith("user 1498761234567890944") and "suspended" in skip.reason


def test_stale_since_id_restarts_and_reports_the_gap(api_server: ApiServer) -> None:
    def answer(request: Recorded) -> JsonReply:
        if request.param("since_id"):
            return reply("error_invalid_since_id", 400)
        return reply("search_newer")

    api_server.script("GET", SEARCH, answer)
    batches = list(_source(api_server).fetch({"since_id": "1900000000000000000"}))
    assert "could not be read" in batches[0].skipped[0].reason
    assert batches[-1].cursor["since_id"] == F


def test_validate_config() -> None:
    with pytest.raises(ConfigError, match="bearer_token"):
        XSource.validate_config({"query": "bahn"}, SETTINGS)
    with pytest.raises(ConfigError, match="between 10"):
        XSource.validate_config(
            {"query": "bahn", "bearer_token": "t", "monthly_read_budget": 5}, SETTINGS
        )
    assert XSource.default_name({"query": "bahn"}) == "x-bahn"
