"""Publishing to Threads (container, then threads_publish) against a loopback server
answering the Threads API's documented bodies; the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from resonanz import secrets as secret_box
from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.channels.threads import poll_body
from resonanz.publishing.connect import add_channel
from resonanz.publishing.oauth_tokens import ensure_fresh
from resonanz.publishing.scheduler import Scheduler
from tests.sources.apiserver import ApiServer, JsonReply

from .conftest import SETTINGS, Clock, World

USER = "/v1.0/17841400000000001"


def _add(world: World, classes: dict[str, type], platform: ApiServer) -> None:
    platform.script("GET", "/v1.0/me", JsonReply({"id": "17841400000000001", "username": "acme"}))
    add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "threads",
        "th",
        {"api": platform.base_url},
        {"access_token": "th-token"},
    )


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    yield made
    made.close()


def _due(world: World, classes: dict[str, type], text: str) -> int:
    post = compose.new_post(world.pub, classes, world.workspace.id, text, ["th"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


def test_two_steps_and_the_limit(
    world: World, classes: dict[str, type], platform: ApiServer, scheduler: Scheduler
) -> None:
    _add(world, classes, platform)
    with pytest.raises(ValidationError, match=r"th \(threads\): the text has 501 characters"):
        compose.new_post(
            world.pub, classes, world.workspace.id, "ä" * 501, ["th"], at="2099-01-01 09:00"
        )
    platform.script("POST", f"{USER}/threads", JsonReply({"id": "1234567"}))
    platform.script("POST", f"{USER}/threads_publish", JsonReply({"id": "1818181818"}))
    platform.script(
        "GET",
        "/v1.0/1818181818",
        JsonReply({"permalink": "https://www.threads.net/@acme/post/Cx1", "id": "1818181818"}),
    )
    post_id = _due(world, classes, "Hallo Threads")
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert (row.remote_id, row.remote_url) == (
        "1818181818",
        "https://www.threads.net/@acme/post/Cx1",
    )
    [made] = platform.calls(f"{USER}/threads")
    assert made.param("media_type") == "TEXT" and made.param("text") == "Hallo Threads"
    assert made.param("access_token") == "th-token"
    assert platform.calls(f"{USER}/threads_publish")[0].param("creation_id") == "1234567"
    assert json.loads(poll_body(["Ja", "Nein"])) == {"option_a": "Ja", "option_b": "Nein"}
    with pytest.raises(ValidationError):
        poll_body(["a", "b", "c", "d", "e"])


def test_graph_errors(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    _add(world, classes, platform)
    limited = {
        "error": {
            "message": "Application request limit reached",
            "type": "OAuthException",
            "code": 4,
            "fbtrace_id": "A1",
        }
    }
    invalid = {
        "error": {
            "message": "Param text must be at most 500 characters long.",
            "type": "OAuthException",
            "code": 100,
            "fbtrace_id": "A2",
        }
    }
    expired = {
        "error": {
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "A3",
        }
    }
    platform.script(
        "POST",
        f"{USER}/threads",
        [
            JsonReply(limited, status=400),
            JsonReply(invalid, status=400),
            JsonReply(expired, status=400),
        ],
    )
    post_id = _due(world, classes, "Gedrosselt")
    assert scheduler.tick().retrying
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert "request limit reached (code 4)" in (row.last_error or "") and row.doubt_version is None
    clock.advance(60)
    assert scheduler.tick().needs_attention
    assert "at most 500 characters" in (
        world.pub.deliveries(world.workspace.id, post_id=post_id)[0].last_error or ""
    )
    other = _due(world, classes, "Abgelaufen")
    assert scheduler.tick().needs_attention
    assert "Session has expired" in (
        world.pub.deliveries(world.workspace.id, post_id=other)[0].last_error or ""
    )
    assert world.pub.get_channel(world.workspace.id, "th").status == "disconnected"
    assert platform.calls(f"{USER}/threads_publish") == []


def test_a_publish_in_doubt_is_found_and_the_token_refreshed(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    _add(world, classes, platform)
    platform.script("POST", f"{USER}/threads", JsonReply({"id": "c1"}))
    platform.script("POST", f"{USER}/threads_publish", JsonReply({"id": "m1"}, delay=1.5))
    post_id = _due(world, classes, "Nur einmal")
    assert scheduler.tick().retrying
    platform.script(
        "GET",
        f"{USER}/threads",
        JsonReply(
            {
                "data": [
                    {"id": "m1", "text": "Nur einmal", "timestamp": "2026-12-06T10:00:00+0000"}
                ],
                "paging": {},
            }
        ),
    )
    platform.script(
        "GET", "/v1.0/m1", JsonReply({"permalink": "https://www.threads.net/@acme/post/m1"})
    )
    clock.advance(60)
    assert scheduler.tick().sent
    assert world.pub.deliveries(world.workspace.id, post_id=post_id)[0].remote_id == "m1"
    assert len(platform.calls(f"{USER}/threads_publish")) == 1
    # A long-lived token within 30 days of its end is renewed with th_refresh_token.
    channel = world.pub.get_channel(world.workspace.id, "th")
    soon = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    channel = world.pub.update_channel(
        channel.id,
        at=datetime.now(UTC),
        config={**channel.config, "auto_refresh": True, "token_expires_at": soon},
    )
    platform.script(
        "GET",
        "/refresh_access_token",
        JsonReply({"access_token": "th-token-2", "token_type": "bearer", "expires_in": 5183944}),
    )
    fresh = ensure_fresh(world.pub, SETTINGS, classes, channel)
    [call] = platform.calls("/refresh_access_token")
    assert (
        call.param("grant_type") == "th_refresh_token" and call.param("access_token") == "th-token"
    )
    assert fresh.config["token_expires_at"] > soon
    sealed = world.pub.channel_secrets(channel.id) or ""
    assert json.loads(secret_box.decrypt(SETTINGS, sealed))["access_token"] == "th-token-2"
