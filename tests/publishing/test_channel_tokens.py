"""Access tokens that expire: one refresh at a time per channel however many schedulers
run (the channel's row lock on PostgreSQL, the write lock on SQLite), single-use refresh
tokens replaced atomically, a refused refresh disconnects, expiries warned ahead.

The token endpoint is X's (``POST /2/oauth2/token``, documented bodies) on a loopback
server; both backends.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from resonanz import secrets as secret_box
from resonanz.errors import PublishError
from resonanz.publishing import compose
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.oauth_tokens import describe_end, ensure_fresh, expiring
from resonanz.publishing.scheduler import Scheduler
from resonanz.store import open_store
from resonanz.store.publishing import PublishingStore, publishing_store
from tests.at_once import run_at_once
from tests.sources.apiserver import ApiServer, JsonReply

from .conftest import SETTINGS, Clock, World

TOKEN = "/2/oauth2/token"
GRANT = {
    "token_type": "bearer",
    "expires_in": 7200,
    "access_token": "access-2",
    "scope": "tweet.read tweet.write users.read offline.access",
    "refresh_token": "refresh-2",
}


def _x_channel(
    world: World, platform: ApiServer, *, expires_in: timedelta, **extra: Any
) -> PublishChannel:
    now = datetime.now(UTC)
    config = {
        "api": platform.base_url,
        "user_id": "2244994945",
        "username": "TwitterDev",
        "account": "@TwitterDev",
        "auto_refresh": True,
        "token_expires_at": (now + expires_in).isoformat(),
        **extra,
    }
    sealed = secret_box.encrypt(
        SETTINGS,
        json.dumps({"access_token": "access-1", "refresh_token": "refresh-1", "client_id": "cid"}),
    )
    return world.pub.add_channel(world.workspace.id, "x", "xdev", config, sealed, at=now)


def _secrets(pub: PublishingStore, channel_id: int) -> dict[str, str]:
    sealed = pub.channel_secrets(channel_id)
    assert sealed is not None
    return dict(json.loads(secret_box.decrypt(SETTINGS, sealed)))


def test_concurrent_refreshers_make_one_refresh_call(
    world: World, classes: dict[str, type], platform: ApiServer, store_url: str
) -> None:
    channel = _x_channel(world, platform, expires_in=timedelta(minutes=2))
    platform.script("POST", TOKEN, JsonReply(GRANT, delay=0.5))
    other = open_store(store_url)  # a second scheduler process's store
    try:
        pubs = [world.pub, publishing_store(other)]
        results: list[PublishChannel] = []

        def refresh(pub: PublishingStore) -> None:
            results.append(ensure_fresh(pub, SETTINGS, classes, channel))

        errors = run_at_once([partial(refresh, pub) for pub in pubs], timeout=30)
    finally:
        other.close()
    assert errors == []
    [call] = platform.calls(TOKEN)  # one refresh, not two
    form = parse_qs(call.body.decode())
    assert form == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-1"],
        "client_id": ["cid"],
    }
    assert len(results) == 2
    assert results[0].config["token_expires_at"] == results[1].config["token_expires_at"]
    ends = datetime.fromisoformat(results[0].config["token_expires_at"])
    assert timedelta(minutes=115) < ends - datetime.now(UTC) <= timedelta(hours=2)
    # The single-use refresh token was replaced with the new one in the same write.
    assert _secrets(world.pub, channel.id) == {
        "access_token": "access-2",
        "refresh_token": "refresh-2",
        "client_id": "cid",
    }
    # Fresh now: no further call.
    ensure_fresh(world.pub, SETTINGS, classes, world.pub.get_channel_by_id(channel.id))
    assert len(platform.calls(TOKEN)) == 1


def test_the_scheduler_publishes_with_the_refreshed_token(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock
) -> None:
    _x_channel(world, platform, expires_in=timedelta(minutes=30))
    platform.script("POST", TOKEN, JsonReply(GRANT))
    platform.script(
        "POST", "/2/tweets", JsonReply({"data": {"id": "42", "text": "Frisch"}}, status=201)
    )
    post = compose.new_post(world.pub, classes, world.workspace.id, "Frisch", ["xdev"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    clock.advance(25 * 60)  # the token now expires within the 10-minute margin
    scheduler = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    try:
        report = scheduler.tick()
    finally:
        scheduler.close()
    assert report.refreshed == ["xdev"] and report.sent
    assert len(platform.calls(TOKEN)) == 1
    [sent] = platform.calls("/2/tweets")
    assert sent.headers["authorization"] == "Bearer access-2"


def test_a_refused_refresh_disconnects_the_channel(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock
) -> None:
    channel = _x_channel(world, platform, expires_in=timedelta(minutes=1))
    spent = {
        "error": "invalid_request",
        "error_description": "Value passed for the token was invalid.",
    }
    platform.script("POST", TOKEN, JsonReply(spent, status=400))
    post = compose.new_post(world.pub, classes, world.workspace.id, "Später", ["xdev"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    scheduler = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    try:
        report = scheduler.tick()
    finally:
        scheduler.close()
    assert report.refreshed == [] and report.claimed == []
    stored = world.pub.get_channel_by_id(channel.id)
    assert stored.status == "disconnected"
    assert "Value passed for the token was invalid" in (stored.last_error or "")
    assert _secrets(world.pub, channel.id)["refresh_token"] == "refresh-1"  # nothing lost
    [row] = world.pub.deliveries(world.workspace.id, post_id=post.id)
    assert row.state == "scheduled"  # waits for the channel, reported as overdue later
    platform.script("POST", TOKEN, JsonReply({"error": "server_error"}, status=503))
    try:
        ensure_fresh(world.pub, SETTINGS, classes, world.pub.get_channel_by_id(channel.id))
    except PublishError as exc:
        assert not exc.auth and "503" in str(exc)
    else:
        raise AssertionError("a 503 from the token endpoint must raise")


def test_expiries_are_warned_ahead(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock
) -> None:
    now = datetime.now(UTC)
    soon = _x_channel(
        world,
        platform,
        expires_in=timedelta(hours=1),
        refresh_expires_at=(now + timedelta(days=3)).isoformat(),
    )
    world.channel("masto")  # no expiry: never listed
    found = expiring(world.pub.all_channels(), classes, now=now, warn_days=7)
    assert [item.channel.name for item in found] == ["xdev"]
    assert "connect it again with 'resonanz channels connect x xdev'" in found[0].reason
    assert expiring(world.pub.all_channels(), classes, now=now, warn_days=2) == []
    assert describe_end(classes["x"], soon.config, now).endswith("(3 d), auto-refreshed")
    scheduler = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    try:
        report = scheduler.tick()
    finally:
        scheduler.close()
    assert [item.channel.name for item in report.expiring] == ["xdev"]
