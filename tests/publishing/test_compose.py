"""Compose-time checks in each platform's units, on SQLite and PostgreSQL: Bluesky's 300
graphemes, the Mastodon instance's max_characters with URLs as 23, empty texts, unknown
channels, times in the past, disconnected channels, DST; a post that fails is kept as a
draft and nothing the user wrote is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resonanz.errors import NotFoundError, ValidationError
from resonanz.publishing import compose
from resonanz.publishing.text import BLUESKY_LIMITS, graphemes, mastodon_limits
from resonanz.publishing.when import plan

from .conftest import World

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, seven code points, 25 bytes


def test_grapheme_and_url_counting() -> None:
    assert graphemes(FAMILY + "🇩🇪" + "e\u0301") == 3
    assert BLUESKY_LIMITS.problems(FAMILY * 120) == []  # 120 graphemes, 3,000 bytes
    assert BLUESKY_LIMITS.problems("a" * 301) == [
        "the text has 301 graphemes, 1 more than the limit of 300"
    ]
    assert "3025 bytes in UTF-8" in BLUESKY_LIMITS.problems(FAMILY * 121)[0]
    masto = mastodon_limits(30, 23)
    assert masto.measure("see https://example.org/" + "x" * 200) == 4 + 23
    assert masto.measure("hi @anna@social.example") == 8  # counted as "hi @anna"
    assert masto.problems("a" * 31)[0].startswith("the text has 31 characters (URLs count as 23)")


def test_too_long_for_one_channel_keeps_a_draft(world: World, classes: dict[str, type]) -> None:
    world.channel("masto", max_characters=500)
    world.channel("sky", kind="bluesky")
    text = "x" * 280 + " https://example.org/" + "y" * 100  # Mastodon: 304, Bluesky: 401
    at = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(ValidationError) as caught:
        compose.new_post(world.pub, classes, world.workspace.id, text, ["masto", "sky"], at=at)
    message = str(caught.value)
    assert message.startswith("post 1 kept as a draft, not scheduled: sky (bluesky): the text ")
    assert "401 graphemes, 101 more than the limit of 300" in message and "masto" not in message
    [post] = world.pub.list_posts(world.workspace.id)
    assert (post.status, post.text) == ("draft", text)
    assert {d.state for d in world.pub.deliveries(world.workspace.id)} == {"draft"}
    # A shorter Bluesky variant fixes it.
    compose.edit_post(
        world.pub, classes, world.workspace.id, post.id, text, variants={"sky": "Kurz."}
    )
    done = compose.schedule(world.pub, classes, world.workspace.id, post.id, at)
    assert done.post.status == "scheduled" and done.post.text_for(2) == "Kurz."


def test_bad_input_is_refused_with_what_and_where(world: World, classes: dict[str, type]) -> None:
    world.channel("masto")
    ws = world.workspace.id
    with pytest.raises(ValidationError, match="the post's text is empty"):
        compose.new_post(world.pub, classes, ws, "  ", ["masto"])
    with pytest.raises(NotFoundError, match="no publishing channel named 'nope'"):
        compose.new_post(world.pub, classes, ws, "Hallo", ["nope"])
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        compose.new_post(
            world.pub,
            classes,
            ws,
            "Hallo",
            ["masto"],
            at="2030-01-01 09:00",
            timezone="Mars/Olympus",
        )
    with pytest.raises(ValidationError, match=r"cannot read the time .24\.12\.2030."):
        compose.new_post(world.pub, classes, ws, "Hallo", ["masto"], at="24.12.2030")
    with pytest.raises(ValidationError, match="variant is for channel 'sky'"):
        compose.new_post(world.pub, classes, ws, "Hallo", ["masto"], variants={"sky": "x"})
    assert world.pub.list_posts(ws) == []  # none of these stored anything
    with pytest.raises(ValidationError, match=r"post 1 kept as a draft.*in the past"):
        compose.new_post(world.pub, classes, ws, "Hallo", ["masto"], at="2020-01-01 09:00")
    assert world.pub.get_post(ws, 1).status == "draft"
    with pytest.raises(ValidationError, match="text is empty; the post is unchanged"):
        compose.edit_post(world.pub, classes, ws, 1, "")
    assert world.pub.get_post(ws, 1).text == "Hallo"


def test_a_disconnected_channel_keeps_a_draft(world: World, classes: dict[str, type]) -> None:
    channel = world.channel("masto")
    world.pub.update_channel(
        channel.id, at=datetime.now(UTC), error="401: token revoked", status="disconnected"
    )
    post = compose.new_post(world.pub, classes, world.workspace.id, "Hallo", ["masto"]).post
    with pytest.raises(ValidationError, match=r"channel 'masto' is disconnected \(401: token"):
        compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    assert world.pub.get_post(world.workspace.id, post.id).status == "draft"


def test_an_edit_that_no_longer_fits_returns_the_post_to_draft(
    world: World, classes: dict[str, type]
) -> None:
    world.channel("sky", kind="bluesky")
    at = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    post = compose.new_post(world.pub, classes, world.workspace.id, "Kurz", ["sky"], at=at).post
    assert post.status == "scheduled"
    with pytest.raises(ValidationError, match="kept as a draft"):
        compose.edit_post(world.pub, classes, world.workspace.id, post.id, "z" * 400)
    stored = world.pub.get_post(world.workspace.id, post.id)
    assert (stored.status, stored.text, stored.version) == ("draft", "z" * 400, 2)
    assert world.pub.deliveries(world.workspace.id)[0].state == "draft"


def test_daylight_saving_time_rules() -> None:
    gap = plan("2026-03-29 02:30", "Europe/Berlin")
    assert gap.utc == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert gap.note is not None and "published at 03:30 CEST" in gap.note
    twice = plan("2026-10-25 02:30", "Europe/Berlin")
    assert twice.utc == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert twice.note is not None and "the first one (CEST)" in twice.note
    plain = plan("2026-12-24 09:00", "Europe/Berlin")
    assert (plain.utc.hour, plain.note, plain.local_time) == (8, None, "2026-12-24 09:00")
    assert plan("2026-07-01 09:00", "America/New_York").utc.hour == 13
