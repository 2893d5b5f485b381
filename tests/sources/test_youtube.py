"""YouTube connector against a loopback server answering the Data API v3's documented
bodies (tests/payloads/youtube): comments end to end into SQLite, resume, daily quota."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apiserver import ApiServer, JsonReply, Recorded
from connector_run import SETTINGS, Collector, payload

from resonanz.errors import AuthError, ConfigError, ParseError, RateLimited
from resonanz.models import RawItem
from resonanz.pipeline.normalise import normalise_item
from resonanz.sources.quota import Budget, pacific_day
from resonanz.sources.retry import RetryPolicy
from resonanz.sources.youtube import YouTubeSource
from resonanz.sources.youtube_normalise import normalise_youtube

CHANNEL = "UCa1B2c3D4e5F6g7H8i9J0kL"
T1, T2 = "UgzT1aaaaaaaaaaaaaaa4AaABAg", "UgxT2bbbbbbbbbbbbbbb4AaABAg"
T3, T4 = "UgyT3ccccccccccccccc4AaABAg", "UgwT4ddddddddddddddd4AaABAg"
R1, R2 = T1 + ".9xR1aaaaaaaaaaaaaaaa", T1 + ".9xR2bbbbbbbbbbbbbbbb"
NEXT = "QURTSl9pMlNfMkFCQ0RFRkdISUpLTE1OT1BR"  # threads_newer.json's nextPageToken


def body(name: str) -> object:
    return payload("youtube", name)


def threads(pages: dict[tuple[str, str | None], JsonReply]) -> object:
    """commentThreads answers by (videoId, pageToken)."""

    def answer(request: Recorded) -> JsonReply:
        key = (request.param("videoId") or "", request.param("pageToken"))
        return pages.get(key, JsonReply({"error": {"code": 404, "message": "unscripted"}}, 404))

    return answer


def script_channel(server: ApiServer, pages: dict[tuple[str, str | None], JsonReply]) -> None:
    server.script("GET", "/youtube/v3/channels", JsonReply(body("channels")))
    server.script("GET", "/youtube/v3/playlistItems", JsonReply(body("playlist_items")))
    server.script("GET", "/youtube/v3/comments", JsonReply(body("replies")))
    server.script("GET", "/youtube/v3/commentThreads", threads(pages))  # type: ignore[arg-type]


def config(server: ApiServer, **extra: object) -> dict[str, object]:
    return {
        "target": CHANNEL,
        "api_key": "test-key",
        "api_url": f"{server.base_url}/youtube/v3",
        **extra,
    }


DISABLED = ("vidBBBBBBBB", None), JsonReply(body("error_comments_disabled"), status=403)


def test_channel_comments_resume_without_gaps_and_count_quota(
    api_server: ApiServer, tmp_path: Path
) -> None:
    first = {("vidAAAAAAAA", None): JsonReply(body("threads_first")), DISABLED[0]: DISABLED[1]}
    script_channel(api_server, first)
    run = Collector.create(tmp_path, "youtube", config(api_server))

    report = run.run()
    assert report.ok and report.inserted == 4  # T1 with both replies, T2; first page only
    assert [s.where for s in report.skipped] == ["YouTube video vidBBBBBBBB"]
    assert report.skipped[0].reason == (
        "commentsDisabled: The video identified by the videoId parameter has disabled comments."
    )
    stored = run.mentions()
    top, reply = stored[T1], stored[R2]
    assert top.platform == "youtube" and top.text.startswith("Der ICE nach München")
    assert top.url == f"https://www.youtube.com/watch?v=vidAAAAAAAA&lc={T1}"
    assert top.author and top.author.handle == "reisender42"
    assert top.author.url == "http://www.youtube.com/@reisender42"
    assert (top.engagement.likes, top.engagement.replies) == (17, 2)
    assert top.created_at == datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert top.raw["kind"] == "youtube#commentThread" and top.reply_to is None
    assert reply.reply_to == T1 and reply.text == "Same here, 40 minutes late in Hannover."
    assert all(r.param("key") == "test-key" for r in api_server.requests)
    assert api_server.calls("/youtube/v3/playlistItems")[0].param("playlistId") == (
        "UUa1B2c3D4e5F6g7H8i9J0kL"
    )
    cursor = run.cursor()
    assert cursor["videos"] == {"vidAAAAAAAA": "2026-11-22T10:00:00+00:00"}
    assert cursor["quota"]["used"] == len(api_server.requests) == 5

    # Two new threads fill a page; the page after it fails: what was read is kept, the
    # video's mark stays, so the next run reads the gap again.
    api_server.requests.clear()
    newer = {
        ("vidAAAAAAAA", None): JsonReply(body("threads_newer")),
        ("vidAAAAAAAA", NEXT): JsonReply({"error": {"code": 503, "message": "backend"}}, 503),
    }
    script_channel(api_server, newer)
    report = run.run()
    assert not report.ok and "503" in (report.error or "") and report.inserted == 2
    assert not api_server.calls("/youtube/v3/channels")  # the uploads playlist is kept
    assert run.cursor()["videos"] == {"vidAAAAAAAA": "2026-11-22T10:00:00+00:00"}
    assert run.cursor()["quota"]["used"] == 5 + len(api_server.requests)

    api_server.requests.clear()
    newer[("vidAAAAAAAA", NEXT)] = JsonReply(body("threads_first"))
    script_channel(api_server, {**newer, DISABLED[0]: DISABLED[1]})
    report = run.run()
    assert report.ok and report.inserted == 0
    assert sorted(run.mentions()) == sorted([T1, T2, T3, T4, R1, R2])
    assert run.cursor()["videos"] == {"vidAAAAAAAA": "2026-11-23T12:00:00+00:00"}
    # page 2 reached the old mark, so nothing older was asked for
    assert [r.param("pageToken") for r in api_server.calls("/youtube/v3/commentThreads")] == [
        None,
        NEXT,
        None,
    ]
    run.close()


def test_daily_quota_is_never_exceeded_across_runs(api_server: ApiServer, tmp_path: Path) -> None:
    first = {("vidAAAAAAAA", None): JsonReply(body("threads_first")), DISABLED[0]: DISABLED[1]}
    script_channel(api_server, first)
    run = Collector.create(tmp_path, "youtube", config(api_server, daily_quota=4))
    report = run.run()
    # channels, playlistItems, threads and replies of the first video: 4 units; the
    # second video's call would be the fifth and is not sent
    assert len(api_server.requests) == 4 and report.inserted == 4
    assert "needs 1, but only 0 of the 4" in (report.error or "")
    assert run.cursor()["quota"] == {"period": pacific_day().key, "used": 4, "limit": 4}
    report = run.run()
    assert len(api_server.requests) == 4 and not report.ok
    run.close()


def _source(server: ApiServer, **extra: object) -> YouTubeSource:
    policy = RetryPolicy(attempts=3, max_delay=30.0, sleep=lambda s: None, rng=random.Random(1))
    checked = YouTubeSource.validate_config(config(server, **extra), SETTINGS)
    return YouTubeSource(checked, SETTINGS, policy=policy)


def test_quota_exceeded_is_a_rate_limit_and_a_bad_key_an_auth_error(
    api_server: ApiServer,
) -> None:
    api_server.script("GET", "/youtube/v3/channels", JsonReply(body("error_quota_exceeded"), 403))
    with pytest.raises(RateLimited, match="daily quota") as info:
        list(_source(api_server).fetch({}))
    assert info.value.retry_after and info.value.retry_after > 60
    assert len(api_server.calls("/youtube/v3/channels")) == 1  # not retried

    api_server.script("GET", "/youtube/v3/channels", JsonReply(body("error_key_invalid"), 400))
    with pytest.raises(AuthError, match="API key not valid") as auth:
        list(_source(api_server).fetch({}))
    assert "test-key" not in str(auth.value)


def test_search_costs_100_units_and_is_repeated_only_after_search_every(
    api_server: ApiServer,
) -> None:
    api_server.script("GET", "/youtube/v3/search", JsonReply(body("search")))
    api_server.script("GET", "/youtube/v3/comments", JsonReply(body("replies")))
    api_server.script(
        "GET",
        "/youtube/v3/commentThreads",
        threads({("vidAAAAAAAA", None): JsonReply(body("threads_first"))}),  # type: ignore[arg-type]
    )
    source = _source(api_server, target="ICE Verspätung", search_every=30)
    assert source.query == "ICE Verspätung" and source.channel_id is None
    batches = list(source.fetch({}))
    cursor = dict(batches[-1].cursor)
    assert cursor["quota"]["used"] == 100 + 2 and cursor["search"]["videos"] == ["vidAAAAAAAA"]
    (search,) = api_server.calls("/youtube/v3/search")
    assert (search.param("q"), search.param("type"), search.param("order")) == (
        "ICE Verspätung",
        "video",
        "date",
    )
    list(source.fetch(cursor))  # within 30 minutes: the found videos are polled again
    assert len(api_server.calls("/youtube/v3/search")) == 1


def test_validate_config() -> None:
    check = YouTubeSource.validate_config
    url = f"https://www.youtube.com/channel/{CHANNEL}"
    assert check({"target": url, "api_key": "k"}, SETTINGS)["channel_id"] == CHANNEL
    assert check({"target": "Deutsche Bahn", "api_key": "k"}, SETTINGS)["query"] == "Deutsche Bahn"
    with pytest.raises(ConfigError, match="api_key"):
        check({"target": CHANNEL}, SETTINGS)
    with pytest.raises(ConfigError, match="unknown youtube option"):
        check({"target": CHANNEL, "api_key": "k", "keywords": "x"}, SETTINGS)
    with pytest.raises(ConfigError, match="not both"):
        check({"channel_id": CHANNEL, "query": "x", "api_key": "k"}, SETTINGS)
    with pytest.raises(ConfigError, match="cannot pay for one search"):
        check({"target": "bahn", "api_key": "k", "daily_quota": 50}, SETTINGS)


def test_normaliser_falls_back_to_text_display_and_skips_what_is_no_comment() -> None:
    reply = dict(body("replies")["items"][0])  # type: ignore[index]
    snippet = dict(reply["snippet"])
    del snippet["textOriginal"]
    snippet["textDisplay"] = "Bei mir war er <b>pünktlich</b>"
    item = RawItem("youtube", {**reply, "snippet": snippet}, datetime.now(UTC), "test")
    assert normalise_youtube(item).text == "Bei mir war er pünktlich"
    with pytest.raises(ParseError, match="not a YouTube comment"):
        normalise_item(
            RawItem("youtube", {"kind": "youtube#video"}, datetime.now(UTC), "t"),
            {"youtube": normalise_youtube},
        )


def test_quota_day_follows_pacific_midnight() -> None:
    late = pacific_day(datetime(2026, 11, 24, 7, 59, tzinfo=UTC))  # 23:59 PST
    assert late.key == "2026-11-23" and late.resets_at == datetime(2026, 11, 24, 8, tzinfo=UTC)
    summer = pacific_day(datetime(2026, 7, 1, 6, 59, tzinfo=UTC))  # 23:59 PDT
    assert summer.key == "2026-06-30" and summer.resets_at == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert Budget("q", 10, late, {"period": "2026-11-22", "used": 9}).used == 0
    assert Budget("q", 10, late, {"period": "2026-11-23", "used": 9}).remaining == 1
