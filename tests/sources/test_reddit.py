"""The Reddit source end to end: praw talks to a loopback server replaying praw's recorded
Reddit responses (tests/payloads/reddit/, see its README), items go through run_source
into a real SQLite store; hand-written error answers for what no recording has."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from apiserver import ApiServer, JsonReply, Recorded
from reddit_replay import TEST_SUBREDDIT, RedditReplay, error_answer, listing_of

from resonanz.collect import RunReport, run_source
from resonanz.config import Settings
from resonanz.errors import AuthError, ConfigError, FetchError, RateLimited
from resonanz.runtime import Runtime
from resonanz.sources.configure import is_secret_key
from resonanz.sources.reddit import RedditSource
from resonanz.sources.reddit_normalise import normalise_reddit
from resonanz.sources.retry import RetryPolicy
from resonanz.store import SqlStore, open_store

NEW = "TestSubredditListings.test_new.json"  # r/askreddit/new, 2016
COMMENTS = "TestSubredditStreams.test_comments__with_continue_after_id.json"  # 2023, before=
KAKAPO = "TestSubredditStreams.test_comments__with_pause.json"  # r/kakapo comments, 2017
SEARCH = "TestSubreddit.test_search.json"  # r/all search, 2016
CREDENTIALS = {"client_id": "the-client-id", "client_secret": "the-client-secret"}
TOKEN = "/api/v1/access_token"
SETTINGS = Settings(language_detection=False, http_timeout=3.0, batch_size=500)


@pytest.fixture
def replay(api_server: ApiServer) -> RedditReplay:
    return RedditReplay(api_server)


def _query(request: Recorded) -> dict[str, str]:
    return {name: values[-1] for name, values in request.query.items()}


@dataclass
class Env:
    """A SQLite store with a workspace and a runtime whose reddit source uses the replay."""

    store: SqlStore
    runtime: Runtime
    workspace_id: int
    sleeps: list[float]

    def add(self, name: str, **config: Any) -> int:
        checked = RedditSource.validate_config({**CREDENTIALS, **config}, SETTINGS)
        return self.store.add_source(self.workspace_id, "reddit", name, checked).id

    def run(self, source_id: int, **kwargs: Any) -> RunReport:
        return run_source(
            self.store, self.runtime, self.store.get_source_by_id(source_id), **kwargs
        )

    def ids(self) -> list[str]:
        return [m.native_id for m in self.store.iter_mentions(self.workspace_id)]


@pytest.fixture(scope="module")
def _runtime() -> Runtime:
    return Runtime.load(SETTINGS, load_entry_points=False)


def _source(replay: RedditReplay, sleeps: list[float], *, settings: Settings = SETTINGS) -> Any:
    policy = RetryPolicy(attempts=3, max_delay=settings.http_backoff_max, sleep=sleeps.append)
    return partial(RedditSource, oauth_url=replay.url, reddit_url=replay.url, policy=policy)


@pytest.fixture
def env(replay: RedditReplay, _runtime: Runtime, tmp_path: Path) -> Iterator[Env]:
    store = open_store(f"sqlite:///{tmp_path / 'resonanz.db'}")
    sleeps: list[float] = []
    # The reddit kind pointed at the replay; its normaliser set here too, so these tests do
    # not depend on the plugin list (test_reddit_is_a_registered_... checks that).
    sources = {**_runtime.sources, "reddit": _source(replay, sleeps)}
    normalisers = {**_runtime.normalisers, "reddit": normalise_reddit}
    runtime = replace(_runtime, sources=sources, normalisers=normalisers)
    try:
        workspace = store.create_workspace("acme", "ACME")
        yield Env(store, runtime, workspace.id, sleeps)
    finally:
        store.close()


def _fetch(replay: RedditReplay, cursor: dict[str, Any] | None = None, **config: Any) -> list[Any]:
    source = _source(replay, [])({**CREDENTIALS, **config}, SETTINGS)
    return list(source.fetch(cursor or {}))


def _names(cassette: str, index: int) -> list[str]:
    return [c["data"]["name"] for c in listing_of(cassette, index)["data"]["children"]]


# -- configuration ----------------------------------------------------------------------


def test_config_is_checked_and_normalised() -> None:
    config = RedditSource.validate_config(
        {**CREDENTIALS, "subreddit": "/r/Python+learnpython", "mode": "comments"}, SETTINGS
    )
    assert config == {**CREDENTIALS, "mode": "comments", "subreddit": "Python+learnpython",
                      "backfill": 100}  # fmt: skip
    search = RedditSource.validate_config(
        {**CREDENTIALS, "mode": "search", "query": "bahn"}, SETTINGS
    )
    assert search["subreddit"] == "all"
    assert RedditSource.default_name(search) == "reddit search: bahn"
    assert RedditSource.default_name(config) == "r/Python+learnpython comments"
    bad = [
        ({"subreddit": "python", "keywords": "x"}, "unknown reddit option(s) keywords"),
        ({"subreddit": "python", "mode": "hot"}, "mode must be one of"),
        ({"subreddit": "no spaces"}, "invalid subreddit"),
        ({"subreddit": "python", "query": "x"}, "mode=search only"),
        ({"mode": "search"}, "needs 'query'"),
        ({"subreddit": "python", "username": "me"}, "together"),
        ({"subreddit": "python", "backfill": "5000"}, "0 to 1000"),
        ({"subreddit": "python", "client_secret": ""}, "needs 'client_secret'"),
    ]
    for options, message in bad:
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            RedditSource.validate_config({**CREDENTIALS, **options}, SETTINGS)
    # Only the credentials are secrets (encrypted at rest, masked); no other option looks like one.
    options = ["mode", "subreddit", "query", "client_id", "username", "user_agent", "backfill"]
    assert [k for k in options if is_secret_key(k)] == []
    assert is_secret_key("client_secret") and is_secret_key("password")


def test_reddit_is_a_registered_source_and_normaliser(_runtime: Runtime) -> None:
    assert _runtime.sources["reddit"] is RedditSource
    assert "reddit" in _runtime.normalisers


# -- listings end to end ----------------------------------------------------------------


def test_new_posts_backfill_into_the_store(env: Env, replay: RedditReplay) -> None:
    replay.load(NEW)
    source_id = env.add("askreddit", subreddit="askreddit")
    report = env.run(source_id)
    assert report.ok, report.error
    assert (report.fetched, report.inserted, report.skipped) == (100, 100, [])
    assert replay.misses == []
    (token,) = replay.calls(TOKEN)
    assert token.body == b"grant_type=client_credentials"  # app-only, read-only OAuth
    assert token.headers["authorization"].startswith("Basic ")
    (listing,) = replay.calls("/r/askreddit/new")
    assert _query(listing) == {"limit": "100", "raw_json": "1"}
    assert listing.headers["user-agent"].startswith("python:resonanz:v")
    assert listing.headers["authorization"] == "bearer <ACCESS_TOKEN>"
    stored = env.store.get_source_by_id(source_id)
    newest = _names(NEW, 1)[0]
    assert stored.cursor == {"newest": newest, "newest_utc": 1456821458.0}
    assert set(env.ids()) == set(_names(NEW, 1))
    assert stored.health.last_error is None and stored.health.last_success_at is not None


def test_killed_run_resumes_with_before_without_gaps_or_duplicates(
    env: Env, replay: RedditReplay
) -> None:
    """Batches of 5, stored oldest first: killed after the first, the cursor is the 5th
    oldest comment (t1_k3v0jp3); praw's recording of before=t1_k3v0jp3 then answers the 95
    newer ones, exactly the rest of the first page."""
    replay.load(COMMENTS)
    env.runtime = replace(env.runtime, settings=replace(SETTINGS, batch_size=5))
    source_id = env.add("test comments", subreddit=TEST_SUBREDDIT, mode="comments")

    class Killed(Exception):
        pass

    def kill(report: RunReport) -> None:
        raise Killed

    with pytest.raises(Killed):
        env.run(source_id, on_batch=kill)
    assert env.store.get_source_by_id(source_id).cursor["newest"] == "t1_k3v0jp3"
    assert len(env.ids()) == 5

    report = env.run(source_id)
    assert report.ok, report.error
    assert (report.fetched, report.inserted, report.updated) == (95, 95, 0)
    resumed = replay.calls(f"/r/{TEST_SUBREDDIT}/comments/")[-1]
    assert _query(resumed) == {"before": "t1_k3v0jp3", "limit": "100", "raw_json": "1"}
    first_page = _names(COMMENTS, 1)
    assert sorted(env.ids()) == sorted(first_page) and len(first_page) == 100
    assert env.store.get_source_by_id(source_id).cursor["newest"] == first_page[0]
    assert replay.misses == []


def test_quiet_poll_keeps_the_cursor(env: Env, replay: RedditReplay) -> None:
    replay.load(KAKAPO)  # before=t1_dgauydy was recorded answering an empty listing
    source_id = env.add("kakapo", subreddit="kakapo", mode="comments")
    assert env.run(source_id).inserted == 16
    cursor = env.store.get_source_by_id(source_id).cursor
    report = env.run(source_id)
    assert report.ok and report.fetched == 0
    assert (
        env.store.get_source_by_id(source_id).cursor
        == cursor
        == {
            "newest": "t1_dgauydy",
            "newest_utc": 1492274908.0,
        }
    )
    queries = [r.param("before") for r in replay.calls("/r/kakapo/comments/")]
    assert queries == [None, "t1_dgauydy", None]  # backfill, before=, then a look at the top


def test_empty_before_page_with_newer_items_catches_up_by_time(
    env: Env, replay: RedditReplay
) -> None:
    """In the recording, before=t1_dgauydy answered nothing, yet the next look at the top of
    the listing showed a newer comment (t1_dgd9bcm): the run finds it by time. The recorded
    top pages differ only in limit (100, then 99; 16 and 17 comments), so limit is left out
    of the match and they are answered in recorded order."""
    replay.load(KAKAPO, ignore_params=("limit",))
    source_id = env.add("kakapo", subreddit="kakapo", mode="comments")
    assert env.run(source_id).inserted == 16
    report = env.run(source_id)
    assert report.ok, report.error
    assert (report.fetched, report.inserted) == (1, 1)
    assert env.store.get_source_by_id(source_id).cursor["newest"] == "t1_dgd9bcm"
    assert len(set(env.ids())) == 17


def test_search_sends_query_sorted_by_new(env: Env, replay: RedditReplay) -> None:
    # Recorded by praw 4 with its own sort/syntax/limit: the answer is the result listing.
    replay.load(SEARCH, ignore_params=("sort", "syntax", "t", "restrict_sr", "limit", "type"))
    source_id = env.add("search", mode="search", query="praw oauth search")
    report = env.run(source_id)
    assert report.ok, report.error
    expected = _names(SEARCH, 1)
    assert report.inserted == len(expected) > 0 and set(env.ids()) == set(expected)
    (call,) = replay.calls("/r/all/search/")
    assert _query(call) == {
        "q": "praw oauth search",
        "sort": "new",
        "t": "all",
        "type": "link",
        "restrict_sr": "false",
        "limit": "100",
        "raw_json": "1",
    }


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "answer", "error", "message"),
    [
        (TOKEN, "token_refused", AuthError, "refused the app credentials .*client_id"),
        ("/r/askreddit/new", "private", AuthError, "private: only its approved members"),
        ("/r/askreddit/new", "no_such_subreddit", FetchError, "no such subreddit"),
        ("/r/askreddit/new", "banned", FetchError, "banned"),
    ],
)
def test_refusals_are_reported_not_retried(
    replay: RedditReplay, where: str, answer: str, error: type[Exception], message: str
) -> None:
    replay.load(NEW)
    replay.put("POST" if where == TOKEN else "GET", where, error_answer(answer))
    with pytest.raises(error, match=message) as raised:
        _fetch(replay, subreddit="askreddit")
    assert not isinstance(raised.value, RateLimited)
    assert len(replay.calls("/r/askreddit/new")) <= 1  # never retried
    assert "the-client-secret" not in str(raised.value)


def test_wrong_password_is_an_auth_error_shown_as_the_run_error(
    env: Env, replay: RedditReplay
) -> None:
    replay.load(NEW)
    replay.put("POST", TOKEN, error_answer("login_refused"))
    source_id = env.add("mine", subreddit="askreddit", username="someone", password="wrong-pw")
    report = env.run(source_id)
    assert report.error is not None and "invalid_grant" in report.error
    assert "wrong-pw" not in report.error
    (token,) = replay.calls(TOKEN)
    assert b"grant_type=password" in token.body and b"username=someone" in token.body
    assert replay.calls("/r/askreddit/new") == []
    assert env.store.get_source_by_id(source_id).health.last_error == report.error


def test_expired_token_is_renewed_once(replay: RedditReplay) -> None:
    replay.load(NEW)
    replay.put("GET", "/r/askreddit/new", error_answer("token_expired"))
    assert len(_fetch(replay, subreddit="askreddit")[0].items) == 100
    assert len(replay.calls(TOKEN)) == 2  # a fresh token for the second try
    replay.put("GET", "/r/askreddit/new", [error_answer("token_expired")] * 2)
    with pytest.raises(AuthError, match="rejected the access token"):
        _fetch(replay, subreddit="askreddit")


def test_server_errors_are_retried_with_backoff(env: Env, replay: RedditReplay) -> None:
    replay.load(NEW)
    replay.put(
        "GET", "/r/askreddit/new", [error_answer("server_error"), error_answer("unavailable")]
    )
    report = env.run(env.add("askreddit", subreddit="askreddit"))
    assert report.ok and report.inserted == 100
    assert len(replay.calls("/r/askreddit/new")) == 3 and len(env.sleeps) == 2

    replay.put("GET", "/r/askreddit/new", [error_answer("unavailable")] * 3)
    with pytest.raises(FetchError, match="reddit answered 503: Service Unavailable") as raised:
        _fetch(replay, subreddit="askreddit")
    assert raised.value.status == 503


def test_unreachable_reddit_is_a_fetch_error(local_settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sleeps: list[float] = []
    source = RedditSource(
        {**CREDENTIALS, "subreddit": "python"},
        local_settings,
        oauth_url=url,
        reddit_url=url,
        policy=RetryPolicy(attempts=2, sleep=sleeps.append),
    )
    with pytest.raises(
        FetchError, match=r"reached: 127.0.0.1:\d+ refused the connection"
    ) as raised:
        list(source.fetch({}))
    assert raised.value.status is None and len(sleeps) == 1


def test_429_asking_for_a_long_wait_ends_the_run(replay: RedditReplay) -> None:
    replay.load(NEW)
    replay.put("GET", "/r/askreddit/new", error_answer("too_many_requests"))
    with pytest.raises(RateLimited) as raised:
        _fetch(replay, subreddit="askreddit")
    assert raised.value.retry_after == 300.0
    assert len(replay.calls("/r/askreddit/new")) == 1  # 300 s > http_backoff_max: no retry


def test_429_with_a_short_wait_is_retried_after_the_reset(replay: RedditReplay) -> None:
    replay.load(NEW)
    replay.put(
        "GET", "/r/askreddit/new", error_answer("too_many_requests", **{"x-ratelimit-reset": "1"})
    )
    sleeps: list[float] = []
    source = _source(replay, sleeps)({**CREDENTIALS, "subreddit": "askreddit"}, SETTINGS)
    started = time.monotonic()
    assert len(next(source.fetch({})).items) == 100
    # prawcore's rate limiter waited for the reset (1 s); the retry policy added nothing.
    assert time.monotonic() - started >= 0.9 and sleeps == [0.0]
    assert len(replay.calls("/r/askreddit/new")) == 2


def test_used_up_rate_limit_stops_before_the_next_request(env: Env, replay: RedditReplay) -> None:
    """A full page answered with x-ratelimit-remaining 0 and a reset in 300 s: the page is
    stored with its cursor, the next page is not requested, the run ends with the wait."""
    replay.load(COMMENTS)
    headers = error_answer("budget_used_up_headers").headers
    page = listing_of(COMMENTS, 1)
    replay.put("GET", f"/r/{TEST_SUBREDDIT}/comments/", _json_answer(page, headers))
    source_id = env.add("test comments", subreddit=TEST_SUBREDDIT, mode="comments")
    env.store.set_source_cursor(source_id, {"newest": "t1_older", "newest_utc": 1.0})
    report = env.run(source_id)
    assert report.inserted == 100
    assert report.error is not None and "rate limit is used up; it resets in" in report.error
    assert len(replay.calls(f"/r/{TEST_SUBREDDIT}/comments/")) == 1
    assert env.store.get_source_by_id(source_id).cursor["newest"] == _names(COMMENTS, 1)[0]


def _json_answer(body: dict[str, Any], headers: dict[str, str]) -> JsonReply:
    return JsonReply(body, headers={"Content-Type": "application/json; charset=UTF-8", **headers})
