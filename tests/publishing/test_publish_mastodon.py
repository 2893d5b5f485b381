"""Publishing to Mastodon through the scheduler, against mastodon-mock on 127.0.0.1.

Exactly once: a request the platform accepted after our client timed out is retried with
the same Idempotency-Key and the account shows one status; 500s and 429s are retried
(Retry-After honoured); a revoked token (401) and rejected content (422) go to
needs_attention with the platform's message, the former disconnecting the channel.
Runs with the outbox on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from resonanz.errors import ConfigError
from resonanz.publishing import compose
from resonanz.publishing.connect import add_channel, check_channel
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.scheduler import Scheduler, SchedulerOptions

from .conftest import SETTINGS, Clock, Mastodon, World
from .proxy import lossy_proxy


def _channel(world: World, classes: dict[str, type], mastodon: Mastodon) -> PublishChannel:
    return add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "mastodon",
        "masto",
        {"instance": mastodon.url},
        {"token": "alice_token"},
    )


def _due_post(world: World, classes: dict[str, type], text: str) -> int:
    post = compose.new_post(world.pub, classes, world.workspace.id, text, ["masto"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


@pytest.fixture
def schedulers() -> Iterator[list[Scheduler]]:
    made: list[Scheduler] = []
    yield made
    for scheduler in made:
        scheduler.close()


def _scheduler(
    world: World, classes: dict[str, type], clock: Clock, made: list[Scheduler]
) -> Scheduler:
    scheduler = Scheduler(
        world.pub, SETTINGS, classes, runner="test", clock=clock, options=SchedulerOptions()
    )
    made.append(scheduler)
    return scheduler


def test_adding_checks_the_token_and_caches_the_limits(
    world: World, classes: dict[str, type], mastodon: Mastodon
) -> None:
    channel = _channel(world, classes, mastodon)
    assert channel.status == "connected" and channel.has_secrets
    assert channel.config["account"] == "@alice"
    assert (channel.config["max_characters"], channel.config["url_chars"]) == (500, 23)
    # The token is stored encrypted, never in the config.
    stored = world.pub.channel_secrets(channel.id)
    assert stored is not None and stored.startswith("v1:") and "alice_token" not in stored
    assert "alice_token" not in str(channel.config)
    with pytest.raises(ConfigError, match=r"was not added: .*401"):
        add_channel(
            world.pub,
            SETTINGS,
            classes,
            world.workspace.id,
            "mastodon",
            "bad",
            {"instance": mastodon.url},
            {"token": "nobody"},
        )
    assert [c.name for c in world.pub.list_channels(world.workspace.id)] == ["masto"]


def test_a_due_post_is_published_once(
    world: World,
    classes: dict[str, type],
    mastodon: Mastodon,
    clock: Clock,
    schedulers: list[Scheduler],
) -> None:
    _channel(world, classes, mastodon)
    post_id = _due_post(world, classes, "Frohe Weihnachten! https://example.org/advent")
    scheduler = _scheduler(world, classes, clock, schedulers)
    report = scheduler.tick()
    assert report.sent == report.claimed and len(report.sent) == 1
    [delivery] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    [status] = mastodon.statuses()
    assert delivery.state == "sent" and delivery.remote_id == status["id"]
    assert delivery.remote_url == status["url"]
    assert "Frohe Weihnachten!" in status["content"]
    assert scheduler.tick().claimed == []  # nothing left
    assert len(mastodon.statuses()) == 1


@pytest.mark.parametrize("lost", ["timeout", "502"])
def test_accepted_but_answer_lost_is_not_posted_twice(
    world: World,
    classes: dict[str, type],
    mastodon: Mastodon,
    clock: Clock,
    lost: str,
    schedulers: list[Scheduler],
) -> None:
    with lossy_proxy(mastodon.url) as proxy:
        _channel(world, classes, Mastodon.at(proxy.url))
        post_id = _due_post(world, classes, "Einmal und nur einmal")
        # Mastodon stores the status; its answer is held past our 1 s timeout or
        # replaced by a 502 on the way back.
        proxy.lose("/api/v1/statuses", lost)
        scheduler = _scheduler(world, classes, clock, schedulers)
        first = scheduler.tick()
        assert first.retrying == first.claimed
        [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
        assert row.state == "scheduled" and row.doubt_version == 1
        assert ("did not answer" if lost == "timeout" else "502") in (row.last_error or "")
        assert len(mastodon.statuses()) == 1  # the platform did accept it
        clock.advance(60)  # past the backoff
        second = scheduler.tick()
        assert second.sent == second.claimed
        [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
        [status] = mastodon.statuses()
        assert (row.state, row.attempts) == ("sent", 2)
        assert row.remote_id == status["id"] and row.doubt_version is None
        # Both attempts carried the same Idempotency-Key.
        keys = [h.get("Idempotency-Key") for m, p, h in proxy.forwarded if m == "POST"]
        assert keys == [row.idempotency_key] * 2


def test_500_and_429_are_retried(
    world: World,
    classes: dict[str, type],
    mastodon: Mastodon,
    clock: Clock,
    schedulers: list[Scheduler],
) -> None:
    _channel(world, classes, mastodon)
    post_id = _due_post(world, classes, "Trotz Störung")
    mastodon.fault("/api/v1/statuses", status=500)
    scheduler = _scheduler(world, classes, clock, schedulers)
    assert scheduler.tick().retrying
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert "500" in (row.last_error or "") and row.doubt_version == 1  # 5xx: in doubt
    assert row.next_attempt_at is not None
    wait = (row.next_attempt_at - clock()).total_seconds()
    assert 20 <= wait <= 40  # 30 s +-20 %
    reset = str(int(time.time()) + 120)
    mastodon.fault(
        "/api/v1/statuses",
        status=429,
        kind="ratelimit",
        headers={"Retry-After": "120", "X-RateLimit-Reset": reset},
    )
    clock.advance(45)
    assert scheduler.tick().retrying
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert "429" in (row.last_error or "")
    wait = (row.next_attempt_at - clock()).total_seconds()  # type: ignore[operator]
    assert 118 <= wait <= 121  # the platform's Retry-After
    clock.advance(60)
    assert scheduler.tick().claimed == []  # not before Retry-After
    clock.advance(61)
    assert scheduler.tick().sent
    assert len(mastodon.statuses()) == 1
    assert world.pub.deliveries(world.workspace.id, post_id=post_id)[0].attempts == 3


def test_revoked_token_needs_attention_and_disconnects(
    world: World,
    classes: dict[str, type],
    mastodon: Mastodon,
    clock: Clock,
    schedulers: list[Scheduler],
) -> None:
    channel = _channel(world, classes, mastodon)
    post_id = _due_post(world, classes, "Token weg")
    other = _due_post(world, classes, "Noch ein Post")
    revoked = {"error": "The access token was revoked"}
    mastodon.fault("/api/v1/statuses", status=401, body=revoked)
    scheduler = _scheduler(world, classes, clock, schedulers)
    report = scheduler.tick()
    assert len(report.needs_attention) == 1
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.state == "needs_attention"
    assert "The access token was revoked" in (row.last_error or "")
    stored = world.pub.get_channel_by_id(channel.id)
    assert stored.status == "disconnected" and "revoked" in (stored.last_error or "")
    # The other post waits for the channel instead of failing too, and cannot be
    # scheduled anew while the channel is disconnected.
    [waiting] = world.pub.deliveries(world.workspace.id, post_id=other)
    assert waiting.state == "scheduled"
    with pytest.raises(Exception, match="disconnected"):
        compose.publish_now(world.pub, classes, world.workspace.id, post_id)
    check_channel(world.pub, SETTINGS, classes, stored)  # the token works again
    assert world.pub.get_channel_by_id(channel.id).status == "connected"
    compose.publish_now(world.pub, classes, world.workspace.id, post_id)
    assert len(scheduler.tick().sent) == 2
    assert len(mastodon.statuses()) == 2


def test_rejected_content_needs_attention(
    world: World,
    classes: dict[str, type],
    mastodon: Mastodon,
    clock: Clock,
    schedulers: list[Scheduler],
) -> None:
    _channel(world, classes, mastodon)
    post_id = _due_post(world, classes, "Abgelehnt")
    body = {"error": "Validation failed: Text contains a blocked link"}
    mastodon.fault("/api/v1/statuses", status=422, body=body)
    scheduler = _scheduler(world, classes, clock, schedulers)
    assert len(scheduler.tick().needs_attention) == 1
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.state == "needs_attention" and row.doubt_version is None
    assert "422: Validation failed: Text contains a blocked link" in (row.last_error or "")
    clock.advance(3600)
    assert scheduler.tick().claimed == []  # not retried on its own
    assert mastodon.statuses() == []


def test_an_edit_after_an_attempt_in_doubt_is_not_risked(
    world: World,
    classes: dict[str, type],
    mastodon: Mastodon,
    clock: Clock,
    schedulers: list[Scheduler],
) -> None:
    with lossy_proxy(mastodon.url) as proxy:
        _channel(world, classes, Mastodon.at(proxy.url))
        post_id = _due_post(world, classes, "Erste Fassung")
        proxy.lose("/api/v1/statuses", "502")
        scheduler = _scheduler(world, classes, clock, schedulers)
        assert scheduler.tick().retrying
        compose.edit_post(world.pub, classes, world.workspace.id, post_id, "Zweite Fassung")
        clock.advance(120)
        report = scheduler.tick()
        assert len(report.needs_attention) == 1
        [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
        assert "may have reached masto" in (row.last_error or "")
        assert len(mastodon.statuses()) == 1  # no second post with the new text
