"""Publishing to X through the scheduler, against a loopback server answering X API v2's
documented bodies (success and error bodies), with the outbox on SQLite and PostgreSQL.

X has no idempotency key: after an attempt of unknown outcome the retry reads the
account's recent posts and records the one with the same text instead of posting again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.channels.units import x_weighted_length
from resonanz.publishing.channels.x import XPoll, tweet_body
from resonanz.publishing.connect import add_channel
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.scheduler import Scheduler
from tests.sources.apiserver import ApiServer, JsonReply, Recorded

from .conftest import SETTINGS, Clock, World

ME = {"data": {"id": "2244994945", "name": "X Dev", "username": "TwitterDev"}}
TIMELINE = "/2/users/2244994945/tweets"


def _created(text: str, post_id: str = "1445880548472328192") -> JsonReply:
    body = {"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}}
    return JsonReply(body, status=201)


def _channel(world: World, classes: dict[str, type], platform: ApiServer) -> PublishChannel:
    platform.script("GET", "/2/users/me", JsonReply(ME))
    return add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "x",
        "xdev",
        {"api": platform.base_url},
        {"access_token": "x-user-token"},
    )


def _due(world: World, classes: dict[str, type], text: str) -> int:
    post = compose.new_post(world.pub, classes, world.workspace.id, text, ["xdev"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(world.pub, SETTINGS, classes, runner="test", clock=clock)
    yield made
    made.close()


def test_weighted_length_follows_twitter_text() -> None:
    assert x_weighted_length("Hallo Welt") == 10
    assert x_weighted_length("日本語") == 6  # CJK weighs 2
    assert x_weighted_length("👨‍👩‍👧‍👦") == 2  # one emoji sequence, 7 code points
    assert x_weighted_length("🇩🇪 ❤️ 1️⃣") == 8  # three emoji and two spaces
    assert x_weighted_length("“Zitat” – ok") == 12  # U+2010–U+201F weigh 1
    url = "https://example.org/" + "a" * 100
    assert x_weighted_length(f"Mehr: {url}") == 6 + 23
    assert x_weighted_length("siehe example.com/x") == 6 + 23  # a bare domain is a link
    assert x_weighted_length("e\u0301") == 1  # NFC: é is one code point


def test_compose_counts_in_x_units(world: World, classes: dict[str, type]) -> None:
    world.channel("xdev", kind="x", api="https://api.x.test", username="a", user_id="1")
    url = "https://example.org/" + "x" * 300
    fits = "a" * 256 + " " + url  # 256 + 1 + 23 = 280
    compose.new_post(world.pub, classes, world.workspace.id, fits, ["xdev"], at="2099-01-01 09:00")
    with pytest.raises(ValidationError, match=r"xdev \(x\): the text has 282 weighted"):
        compose.new_post(
            world.pub, classes, world.workspace.id, "字" * 141, ["xdev"], at="2099-01-01 09:00"
        )
    draft = world.pub.list_posts(world.workspace.id)[-1]
    assert draft.status == "draft" and draft.text == "字" * 141  # kept, not scheduled


def test_poll_and_reply_bodies() -> None:
    body = tweet_body("Wer gewinnt?", poll=XPoll(["Ja", "Nein"], 1440), reply_to="123")
    assert body == {
        "text": "Wer gewinnt?",
        "poll": {"options": ["Ja", "Nein"], "duration_minutes": 1440},
        "reply": {"in_reply_to_tweet_id": "123"},
    }
    with pytest.raises(ValidationError, match="2 to 4 options"):
        tweet_body("?", poll=XPoll(["nur eine"], 60))
    with pytest.raises(ValidationError, match="1 to 25"):
        tweet_body("?", poll=XPoll(["a" * 26, "b"], 60))
    with pytest.raises(ValidationError, match="5 to 10080 minutes"):
        tweet_body("?", poll=XPoll(["a", "b"], 2))


def test_a_post_is_published(
    world: World, classes: dict[str, type], platform: ApiServer, scheduler: Scheduler
) -> None:
    channel = _channel(world, classes, platform)
    assert channel.config["account"] == "@TwitterDev" and channel.config["user_id"] == "2244994945"
    stored = world.pub.channel_secrets(channel.id) or ""
    assert "x-user-token" not in stored and "x-user-token" not in json.dumps(channel.config)
    platform.script("POST", "/2/tweets", _created("Hallo X"))
    post_id = _due(world, classes, "Hallo X")
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.state == "sent" and row.remote_id == "1445880548472328192"
    assert row.remote_url == "https://x.com/TwitterDev/status/1445880548472328192"
    [call] = platform.calls("/2/tweets")
    assert json.loads(call.body) == {"text": "Hallo X"}
    assert call.headers["authorization"] == "Bearer x-user-token"


def test_an_accepted_post_whose_answer_was_lost_is_found_not_repeated(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    _channel(world, classes, platform)
    text = "Neu & frisch: https://example.org/herbst"
    # X stores the post, but its answer comes after our 1 s timeout.
    platform.script("POST", "/2/tweets", JsonReply(_created(text).body, status=201, delay=1.5))
    post_id = _due(world, classes, text)
    assert scheduler.tick().retrying
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.state == "scheduled" and row.doubt_version == 1

    def timeline(request: Recorded) -> JsonReply:
        assert request.param("start_time") is not None
        # X gives the text back with t.co links and &amp;.
        return JsonReply(
            {
                "data": [
                    {"id": "1", "text": "Etwas anderes", "created_at": "2026-12-06T10:00:00.000Z"},
                    {
                        "id": "1460323737035677698",
                        "text": "Neu &amp; frisch: https://t.co/DpS3k3Lhdj",
                        "created_at": "2026-12-06T10:00:01.000Z",
                    },
                ],
                "meta": {"result_count": 2},
            }
        )

    platform.script("GET", TIMELINE, timeline)
    clock.advance(60)
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert (row.state, row.remote_id) == ("sent", "1460323737035677698")
    assert len(platform.calls("/2/tweets")) == 1  # never posted twice
    assert len(platform.calls(TIMELINE)) == 1


def test_a_5xx_with_nothing_published_is_posted_again(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    _channel(world, classes, platform)
    unavailable = {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503}
    platform.script("POST", "/2/tweets", [JsonReply(unavailable, status=503), _created("Zweiter")])
    platform.script("GET", TIMELINE, JsonReply({"meta": {"result_count": 0}}))
    post_id = _due(world, classes, "Zweiter")
    assert scheduler.tick().retrying
    clock.advance(60)
    assert scheduler.tick().sent
    assert len(platform.calls("/2/tweets")) == 2 and len(platform.calls(TIMELINE)) == 1
    assert world.pub.deliveries(world.workspace.id, post_id=post_id)[0].state == "sent"


def test_a_refused_recent_posts_read_is_not_risked(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    channel = _channel(world, classes, platform)
    platform.script("POST", "/2/tweets", JsonReply({"title": "Bad Gateway"}, status=502))
    forbidden = {
        "title": "Client Forbidden",
        "detail": "This request must be made using an approved developer account",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
        "status": 403,
    }
    platform.script("GET", TIMELINE, JsonReply(forbidden, status=403))
    post_id = _due(world, classes, "Im Zweifel")
    scheduler.tick()
    clock.advance(60)
    assert scheduler.tick().needs_attention
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert "recent posts could not be read" in (row.last_error or "")
    assert "approved developer account" in (row.last_error or "")
    assert len(platform.calls("/2/tweets")) == 1
    assert world.pub.get_channel_by_id(channel.id).status == "connected"


def test_error_bodies(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    channel = _channel(world, classes, platform)
    duplicate = {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    invalid = {
        "errors": [{"parameters": {"text": [""]}, "message": "Tweet text is too long"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    limited = {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}
    unauthorized = {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    platform.script(
        "POST",
        "/2/tweets",
        [
            JsonReply(duplicate, status=403),
            JsonReply(invalid, status=400),
            JsonReply(limited, status=429, headers={"Retry-After": "90"}),
            JsonReply(unauthorized, status=401),
        ],
    )
    first = _due(world, classes, "Doppelt")
    report = scheduler.tick()
    assert report.needs_attention
    [row] = world.pub.deliveries(world.workspace.id, post_id=first)
    assert "duplicate content" in (row.last_error or "")
    assert world.pub.get_channel_by_id(channel.id).status == "connected"
    second = _due(world, classes, "Ungültig")
    assert scheduler.tick().needs_attention
    [row] = world.pub.deliveries(world.workspace.id, post_id=second)
    assert "Tweet text is too long" in (row.last_error or "")
    third = _due(world, classes, "Gedrosselt")
    assert scheduler.tick().retrying
    [row] = world.pub.deliveries(world.workspace.id, post_id=third)
    assert row.next_attempt_at is not None
    assert 88 <= (row.next_attempt_at - clock()).total_seconds() <= 91
    clock.advance(91)
    assert scheduler.tick().needs_attention
    [row] = world.pub.deliveries(world.workspace.id, post_id=third)
    assert row.state == "needs_attention" and "Unauthorized" in (row.last_error or "")
    assert world.pub.get_channel_by_id(channel.id).status == "disconnected"
