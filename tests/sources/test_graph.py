"""Facebook Page and Instagram account sources against a loopback server answering the
Graph API's documented bodies (tests/payloads/graph): end to end into SQLite, resume,
token expiry, rate-limit codes and usage headers."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apiserver import ApiServer, JsonReply
from connector_run import SETTINGS, Collector, payload

from resonanz.errors import AuthError, ConfigError, FetchError, RateLimited
from resonanz.sources.graph import FacebookPageSource, InstagramSource
from resonanz.sources.graph_client import usage_percent
from resonanz.sources.retry import RetryPolicy

PAGE, IG = "104512345678901", "17841400000000001"
P1, P2 = f"{PAGE}_122101234567890123", f"{PAGE}_122101234567890456"
M1 = "17900000000000001"
TOKEN = "EAAB-page-token-secret"


def body(name: str) -> object:
    return payload("graph", name)


def cid(n: int) -> str:
    return f"122101234567890123_{1000000000000000 + n}"


def graph(server: ApiServer, path: str, reply: JsonReply | list[JsonReply]) -> None:
    server.script("GET", f"/v21.0{path}", reply)


def collector(server: ApiServer, tmp_path: Path, kind: str, target: str) -> Collector:
    key = "page_id" if kind == "facebook" else "ig_user_id"
    config = {key: target, "access_token": TOKEN, "api_url": f"{server.base_url}/v21.0"}
    return Collector.create(tmp_path, kind, config)


def test_facebook_page_comments_and_tags_end_to_end(api_server: ApiServer, tmp_path: Path) -> None:
    graph(api_server, f"/{PAGE}/feed", JsonReply(body("fb_feed")))
    graph(api_server, f"/{PAGE}/tagged", JsonReply(body("fb_tagged")))
    run = collector(api_server, tmp_path, "facebook", PAGE)

    report = run.run()
    assert report.ok and report.inserted == 7  # 2 posts, 3 comments, 2 tagging posts
    assert [r.path for r in api_server.requests] == [f"/v21.0/{PAGE}/feed", f"/v21.0/{PAGE}/tagged"]
    assert all(r.param("access_token") == TOKEN for r in api_server.requests)
    assert "comments.summary(true)" in (api_server.requests[0].param("fields") or "")
    stored = run.mentions()
    post, reply, visitor = stored[P1], stored[cid(3)], stored[P2]
    assert post.platform == "facebook" and post.text.startswith("Störung zwischen Fulda")
    assert (post.engagement.likes, post.engagement.replies, post.engagement.reposts) == (120, 3, 14)
    assert "data" not in post.raw["comments"]  # each comment is its own mention
    assert reply.reply_to == cid(1) and stored[cid(2)].reply_to == P1
    assert reply.author and reply.author.name == "Deutsche Beispielbahn"
    assert reply.created_at == datetime(2026, 11, 22, 11, 20, tzinfo=UTC)
    assert reply.url and "comment_id=1000000000000003" in reply.url
    assert visitor.author and visitor.author.url == "https://www.facebook.com/7001234567890009"
    tagged = stored["7001234567890009_1022334455667788"]
    assert tagged.text.startswith("Danke @Deutsche Beispielbahn") and tagged.reply_to is None
    assert run.cursor() == {
        "watched": {
            P1: {"count": 3, "newest": "2026-11-22T11:20:00+00:00"},
            P2: {"count": 0, "newest": None},
        },
        "tagged": "2026-11-22T07:12:00+00:00",
    }

    # Two new comments on P1 (one page of three and a second page reaching the mark);
    # P2 has the same count and costs nothing.
    api_server.requests.clear()
    graph(api_server, f"/{PAGE}/feed", JsonReply(body("fb_feed_later")))
    graph(api_server, f"/{P1}/comments", JsonReply(body("fb_comments_page2")))
    report = run.run()
    assert report.ok and report.inserted == 2 and len(run.mentions()) == 9
    (more,) = api_server.calls(f"/v21.0/{P1}/comments")
    assert (
        more.param("after") == "QVFIUkNfNHpYbmJr" and more.param("order") == "reverse_chronological"
    )
    assert run.cursor()["watched"][P1] == {"count": 5, "newest": "2026-11-23T09:45:10+00:00"}
    assert run.mentions()[P1].engagement.likes == 131  # engagement refreshed
    run.close()


def test_instagram_media_comments_replies_and_tags(api_server: ApiServer, tmp_path: Path) -> None:
    graph(api_server, f"/{IG}/media", JsonReply(body("ig_media")))
    graph(api_server, f"/{M1}/comments", JsonReply(body("ig_comments_page2")))
    graph(api_server, f"/{IG}/tags", JsonReply(body("ig_tags")))
    run = collector(api_server, tmp_path, "instagram", IG)

    report = run.run()
    assert report.ok and report.inserted == 6  # media, 3 comments, 1 reply, 1 tagging media
    stored = run.mentions()
    media, reply = stored[M1], stored["17900000000000011"]
    assert media.platform == "instagram" and media.text.startswith("Störung Fulda–Kassel")
    assert (media.engagement.likes, media.engagement.replies) == (342, 4)
    assert media.url == "https://www.instagram.com/p/DBeisp1elAb/"
    assert reply.reply_to == "17900000000001001" and stored["17900000000001002"].reply_to == M1
    assert reply.author and reply.author.handle == "beispielbahn"
    assert reply.url == media.url
    assert stored["17900000000000777"].author.handle == "harz.wandern"  # type: ignore[union-attr]
    assert run.cursor()["watched"] == {M1: {"count": 4}}

    api_server.requests.clear()
    assert run.run().inserted == 0  # same comment count, nothing newer tagged
    assert not api_server.calls(f"/v21.0/{M1}/comments")
    run.close()


def _facebook(server: ApiServer, sleeps: list[float] | None = None) -> FacebookPageSource:
    policy = RetryPolicy(
        attempts=3,
        max_delay=30.0,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        rng=random.Random(1),
    )
    config = FacebookPageSource.validate_config(
        {"page_id": PAGE, "access_token": TOKEN, "api_url": f"{server.base_url}/v21.0"}, SETTINGS
    )
    return FacebookPageSource(config, SETTINGS, policy=policy)


def test_expired_token_is_an_auth_error_and_the_run_reports_it(
    api_server: ApiServer, tmp_path: Path
) -> None:
    graph(api_server, f"/{PAGE}/feed", JsonReply(body("error_token_expired"), status=400))
    with pytest.raises(AuthError, match=r"Session has expired.*code 190, subcode 463") as info:
        list(_facebook(api_server).fetch({}))
    assert TOKEN not in str(info.value) and "renew the page access token" in str(info.value)
    assert len(api_server.requests) == 1  # not retried

    run = collector(api_server, tmp_path, "facebook", PAGE)
    report = run.run()
    assert not report.ok and "code 190" in (report.error or "")
    run.close()


def test_rate_limit_codes_and_usage_headers(api_server: ApiServer) -> None:
    for name in ("error_app_rate_limit", "error_page_rate_limit"):
        api_server.requests.clear()
        graph(api_server, f"/{PAGE}/feed", JsonReply(body(name), status=403))
        with pytest.raises(RateLimited, match="request limit reached") as info:
            list(_facebook(api_server).fetch({}))
        assert info.value.retry_after == 3600 and len(api_server.requests) == 1

    graph(api_server, f"/{PAGE}/feed", JsonReply(body("error_unknown_object"), status=400))
    with pytest.raises(FetchError, match="does not exist"):
        list(_facebook(api_server).fetch({}))

    # 85 % of the app's allowance: pause before the next call; a page's business use
    # case at 96 %: stop before Meta blocks, after the feed's batches are stored.
    app = json.dumps({"call_count": 85, "total_time": 20, "total_cputime": 10})
    buc = json.dumps(
        {
            PAGE: [
                {
                    "type": "pages",
                    "call_count": 96,
                    "total_cputime": 20,
                    "total_time": 20,
                    "estimated_time_to_regain_access": 12,
                }
            ]
        }
    )
    sleeps: list[float] = []
    graph(api_server, f"/{PAGE}/feed", JsonReply(body("fb_feed"), headers={"X-App-Usage": app}))
    graph(
        api_server,
        f"/{PAGE}/tagged",
        JsonReply(body("fb_tagged"), headers={"X-Business-Use-Case-Usage": buc}),
    )
    source = _facebook(api_server, sleeps)
    batches = list(source.fetch({}))
    assert sleeps == [15.0] and len(batches) == 3  # P1, P2, tagged
    graph(
        api_server,
        f"/{PAGE}/feed",
        JsonReply(body("fb_feed"), headers={"X-Business-Use-Case-Usage": buc}),
    )
    with pytest.raises(RateLimited, match="96 %") as info:
        list(source.fetch(batches[-1].cursor))
    assert info.value.retry_after == 12 * 60
    assert usage_percent({"x-app-usage": "not json"}) == (0.0, None)


def test_validate_config() -> None:
    check = InstagramSource.validate_config
    assert check({"ig_user_id": IG, "access_token": "t"}, SETTINGS) == {
        "ig_user_id": IG,
        "access_token": "t",
        "media": 25,
        "tags": True,
    }
    with pytest.raises(ConfigError, match="not a numeric Graph API id"):
        check({"ig_user_id": "@beispielbahn", "access_token": "t"}, SETTINGS)
    with pytest.raises(ConfigError, match="unknown instagram option"):
        check({"ig_user_id": IG, "access_token": "t", "tagged": "no"}, SETTINGS)
    assert FacebookPageSource.default_name({"page_id": PAGE}) == f"facebook-{PAGE}"
