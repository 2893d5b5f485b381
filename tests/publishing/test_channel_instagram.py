"""Publishing to Instagram (image container, status, media_publish) against a loopback
server answering the Graph API's documented bodies; the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.channels.instagram import split_image
from resonanz.publishing.connect import add_channel
from resonanz.publishing.scheduler import Scheduler
from tests.sources.apiserver import ApiServer, JsonReply

from .conftest import SETTINGS, Clock, World

USER = "/v21.0/17841405822304914"
IMAGE = "https://cdn.example.org/herbst.jpg"


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(
        world.pub,
        SETTINGS,
        classes,
        runner="t",
        clock=clock,
        client_options={"status_wait_s": 0.01},
    )
    yield made
    made.close()


def _add(world: World, classes: dict[str, type], platform: ApiServer) -> None:
    platform.script("GET", USER, JsonReply({"id": "17841405822304914", "username": "acme.de"}))
    add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "instagram",
        "ig",
        {"api": platform.base_url, "ig_user": "17841405822304914"},
        {"access_token": "ig-token"},
    )


def _schedule(world: World, classes: dict[str, type], text: str) -> None:
    compose.new_post(world.pub, classes, world.workspace.id, text, ["ig"], at="2099-01-01 09:00")


def test_compose_checks(world: World, classes: dict[str, type]) -> None:
    world.channel("ig", kind="instagram", ig_user="1", api="https://graph.example")
    assert split_image(f"Herbst!\nimage: {IMAGE}\n") == (IMAGE, "Herbst!")
    with pytest.raises(ValidationError, match="Instagram needs an image"):
        _schedule(world, classes, "Nur Text")
    tags = " ".join(f"#t{i}" for i in range(31))
    with pytest.raises(ValidationError, match="31 hashtags, the limit is 30"):
        _schedule(world, classes, f"{tags}\nimage: {IMAGE}")
    with pytest.raises(ValidationError, match="2201 characters in the caption"):
        _schedule(world, classes, "a" * 2201 + f"\nimage: {IMAGE}")
    _schedule(world, classes, "a" * 2200 + f"\nimage: {IMAGE}")  # the image line is not counted


def test_container_then_publish(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    _add(world, classes, platform)
    platform.script("POST", f"{USER}/media", JsonReply({"id": "17889455560051444"}))
    platform.script(
        "GET",
        "/v21.0/17889455560051444",
        [
            JsonReply({"status_code": "IN_PROGRESS", "id": "17889455560051444"}),
            JsonReply({"status_code": "FINISHED", "id": "17889455560051444"}),
        ],
    )
    platform.script("POST", f"{USER}/media_publish", JsonReply({"id": "17920238422030506"}))
    platform.script(
        "GET",
        "/v21.0/17920238422030506",
        JsonReply({"permalink": "https://www.instagram.com/p/Cabc/"}),
    )
    post = compose.new_post(
        world.pub, classes, world.workspace.id, f"Herbst ist da #herbst\nimage: {IMAGE}", ["ig"]
    ).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=post.id)
    assert (row.remote_id, row.remote_url) == (
        "17920238422030506",
        "https://www.instagram.com/p/Cabc/",
    )
    assert json.loads(platform.calls(f"{USER}/media")[0].body) == {
        "image_url": IMAGE,
        "caption": "Herbst ist da #herbst",
    }
    assert json.loads(platform.calls(f"{USER}/media_publish")[0].body) == {
        "creation_id": "17889455560051444"
    }
    assert len(platform.calls("/v21.0/17889455560051444")) == 2  # waited for FINISHED


def test_a_broken_image_needs_attention(
    world: World, classes: dict[str, type], platform: ApiServer, scheduler: Scheduler
) -> None:
    _add(world, classes, platform)
    platform.script("POST", f"{USER}/media", JsonReply({"id": "c9"}))
    platform.script("GET", "/v21.0/c9", JsonReply({"status_code": "ERROR", "id": "c9"}))
    post = compose.new_post(
        world.pub, classes, world.workspace.id, f"Kaputt\nimage: {IMAGE}", ["ig"]
    ).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    assert scheduler.tick().needs_attention
    assert "could not use the image" in (
        world.pub.deliveries(world.workspace.id, post_id=post.id)[0].last_error or ""
    )
    assert platform.calls(f"{USER}/media_publish") == []
