"""Publishing to LinkedIn (Posts API) through the scheduler against a loopback server
answering LinkedIn's documented bodies; the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from resonanz.errors import ConfigError, ValidationError
from resonanz.publishing import compose
from resonanz.publishing.channels.linkedin import commentary
from resonanz.publishing.connect import add_channel
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.scheduler import Scheduler
from tests.sources.apiserver import ApiServer, JsonReply

from .conftest import SETTINGS, Clock, World

ORG = "urn:li:organization:5515715"
SHARE = "urn:li:share:6844785523593134080"


def _channel(world: World, classes: dict[str, type], platform: ApiServer) -> PublishChannel:
    platform.script(
        "GET", "/rest/organizations/5515715", JsonReply({"id": 5515715, "localizedName": "ACME"})
    )
    return add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "linkedin",
        "li",
        {"api": platform.base_url, "author": ORG},
        {"access_token": "li-token"},
    )


def _due(world: World, classes: dict[str, type], text: str) -> int:
    post = compose.new_post(world.pub, classes, world.workspace.id, text, ["li"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    yield made
    made.close()


def test_commentary_escapes_little_text() -> None:
    assert commentary("Neu (jetzt) #Herbst2026 @acme") == (
        "Neu \\(jetzt\\) {hashtag|\\#|Herbst2026} \\@acme"
    )
    assert commentary("a_b*c~d") == "a\\_b\\*c\\~d"


def test_member_author_is_learned_and_a_wrong_author_refused(
    world: World, classes: dict[str, type], platform: ApiServer
) -> None:
    userinfo = {"sub": "782bbtaQ", "name": "Erika Muster", "email_verified": True}
    platform.script("GET", "/v2/userinfo", JsonReply(userinfo))
    channel = add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "linkedin",
        "me",
        {"api": platform.base_url},
        {"access_token": "li-token"},
    )
    assert channel.config["author"] == "urn:li:person:782bbtaQ"
    assert channel.config["account"] == "Erika Muster"
    with pytest.raises(ConfigError, match="not to --author urn:li:person:other"):
        add_channel(
            world.pub,
            SETTINGS,
            classes,
            world.workspace.id,
            "linkedin",
            "other",
            {"api": platform.base_url, "author": "urn:li:person:other"},
            {"access_token": "li-token"},
        )
    with pytest.raises(ConfigError, match="is not urn:li:organization"):
        add_channel(
            world.pub,
            SETTINGS,
            classes,
            world.workspace.id,
            "linkedin",
            "bad",
            {"api": platform.base_url, "author": "acme"},
            {"access_token": "t"},
        )


def test_a_post_is_published_and_errors_map(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    channel = _channel(world, classes, platform)
    assert channel.config["account"] == "ACME"
    with pytest.raises(ValidationError, match=r"li \(linkedin\): the text has 3001 characters"):
        compose.new_post(
            world.pub, classes, world.workspace.id, "x" * 3001, ["li"], at="2099-01-01 09:00"
        )
    created = JsonReply(None, status=201, headers={"x-restli-id": SHARE})
    rejected = {"status": 422, "message": "ERROR :: /commentary :: is too long"}
    revoked = {
        "status": 401,
        "serviceErrorCode": 65601,
        "code": "REVOKED_ACCESS_TOKEN",
        "message": "The token used in the request has been revoked by the user",
    }
    platform.script(
        "POST",
        "/rest/posts",
        [created, JsonReply(rejected, status=422), JsonReply(revoked, status=401)],
    )
    first = _due(world, classes, "Wir stellen ein! #Jobs")
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=first)
    assert row.remote_id == SHARE
    assert row.remote_url == f"https://www.linkedin.com/feed/update/{SHARE}/"
    [call] = platform.calls("/rest/posts")
    body = json.loads(call.body)
    assert body["author"] == ORG and body["commentary"] == "Wir stellen ein! {hashtag|\\#|Jobs}"
    assert body["lifecycleState"] == "PUBLISHED" and body["visibility"] == "PUBLIC"
    assert call.headers["linkedin-version"] == "202511"
    assert call.headers["x-restli-protocol-version"] == "2.0.0"
    second = _due(world, classes, "Zu lang für LinkedIn")
    assert scheduler.tick().needs_attention
    assert "is too long" in (
        world.pub.deliveries(world.workspace.id, post_id=second)[0].last_error or ""
    )
    assert world.pub.get_channel_by_id(channel.id).status == "connected"
    third = _due(world, classes, "Widerrufen")
    assert scheduler.tick().needs_attention
    [row] = world.pub.deliveries(world.workspace.id, post_id=third)
    assert "revoked by the user" in (row.last_error or "")
    assert world.pub.get_channel_by_id(channel.id).status == "disconnected"


def test_an_attempt_in_doubt_is_found_among_recent_posts(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    _channel(world, classes, platform)
    platform.script(
        "POST",
        "/rest/posts",
        JsonReply({"message": "Internal Server Error", "status": 500}, status=500),
    )
    post_id = _due(world, classes, "Sommerfest (heute)")
    assert scheduler.tick().retrying
    listing = {
        "elements": [
            {"id": "urn:li:share:1", "commentary": "Etwas anderes", "author": ORG},
            {"id": SHARE, "commentary": "Sommerfest \\(heute\\)", "author": ORG},
        ],
        "paging": {"start": 0, "count": 20, "links": []},
    }
    platform.script("GET", "/rest/posts", JsonReply(listing))
    clock.advance(60)
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.remote_id == SHARE
    assert len(platform.calls("/rest/posts")) == 2  # one POST, one GET: no second post
    [read] = [c for c in platform.calls("/rest/posts") if c.method == "GET"]
    assert read.param("q") == "author" and read.param("author") == ORG
