"""Publishing to a Facebook Page (POST /{page}/feed) against a loopback server answering
the Graph API's documented bodies; the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from resonanz.errors import ConfigError
from resonanz.publishing import compose
from resonanz.publishing.connect import add_channel
from resonanz.publishing.scheduler import Scheduler
from tests.sources.apiserver import ApiServer, JsonReply

from .conftest import SETTINGS, Clock, World

PAGE = "/v21.0/105000000000001"


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    yield made
    made.close()


def _add(world: World, classes: dict[str, type], platform: ApiServer) -> None:
    platform.script("GET", PAGE, JsonReply({"id": "105000000000001", "name": "ACME Seite"}))
    add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "facebook",
        "fb",
        {"api": platform.base_url, "page": "105000000000001"},
        {"access_token": "page-token"},
    )


def _due(world: World, classes: dict[str, type], text: str) -> int:
    post = compose.new_post(world.pub, classes, world.workspace.id, text, ["fb"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


def test_feed_post_errors_and_doubt(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    with pytest.raises(ConfigError, match="needs --page"):
        add_channel(
            world.pub,
            SETTINGS,
            classes,
            world.workspace.id,
            "facebook",
            "x",
            {"page": "acme"},
            {"access_token": "t"},
        )
    _add(world, classes, platform)
    assert world.pub.get_channel(world.workspace.id, "fb").config["account"] == "ACME Seite"
    duplicate = {
        "error": {
            "message": "Duplicate status message",
            "type": "OAuthException",
            "code": 506,
            "fbtrace_id": "B1",
        }
    }
    unknown = {
        "error": {
            "message": "An unexpected error has occurred. Please retry your request later.",
            "type": "OAuthException",
            "is_transient": True,
            "code": 2,
            "fbtrace_id": "B2",
        }
    }
    platform.script(
        "POST",
        f"{PAGE}/feed",
        [
            JsonReply({"id": "105000000000001_200000000000009"}),
            JsonReply(duplicate, status=400),
            JsonReply(unknown, status=500),
        ],
    )
    first = _due(world, classes, "Tag der offenen Tür")
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=first)
    assert row.remote_url == "https://www.facebook.com/105000000000001_200000000000009"
    assert json.loads(platform.calls(f"{PAGE}/feed")[0].body) == {"message": "Tag der offenen Tür"}
    assert platform.calls(f"{PAGE}/feed")[0].headers["authorization"] == "Bearer page-token"
    second = _due(world, classes, "Noch einmal")
    assert scheduler.tick().needs_attention
    assert "Duplicate status message (code 506)" in (
        world.pub.deliveries(world.workspace.id, post_id=second)[0].last_error or ""
    )
    third = _due(world, classes, "Im Zweifel")
    assert scheduler.tick().retrying
    [row] = world.pub.deliveries(world.workspace.id, post_id=third)
    assert row.doubt_version == 1  # Meta's own transient error on a publishing call
    listing = {
        "data": [
            {
                "id": "105000000000001_3",
                "message": "Im Zweifel",
                "created_time": "2026-12-06T10:00:00+0000",
            }
        ],
        "paging": {},
    }
    platform.script("GET", f"{PAGE}/posts", JsonReply(listing))
    clock.advance(60)
    assert scheduler.tick().sent
    assert (
        world.pub.deliveries(world.workspace.id, post_id=third)[0].remote_id == "105000000000001_3"
    )
    assert len(platform.calls(f"{PAGE}/feed")) == 3
