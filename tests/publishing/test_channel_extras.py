"""Polls, threads and photos to X, Telegram, Threads and Instagram through the scheduler,
against a loopback server answering each platform's documented bodies (X API v2
``POST /2/tweets``, the Bot API's ``sendPoll``/``sendPhoto``, Threads' text container with
``poll_attachment``, Instagram's image container with the post's image at
``<base_url>/m/<token>``); the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.compose import NewImage
from resonanz.publishing.models import Poll
from resonanz.publishing.scheduler import Scheduler
from tests.sources.apiserver import ApiServer, JsonReply, Recorded

from . import test_channel_instagram as ig
from . import test_channel_telegram as tg
from . import test_channel_threads as th
from . import test_channel_x as x
from .conftest import SETTINGS, Clock, World
from .images import image_bytes


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    yield made
    made.close()


def _due(world: World, classes: dict[str, type], channel: str, text: str, **extras: object) -> int:
    post = compose.new_post(
        world.pub,
        classes,
        world.workspace.id,
        text,
        [channel],
        **extras,  # type: ignore[arg-type]
    ).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


def test_x_poll_and_thread_continue_after_a_lost_answer(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, scheduler: Scheduler
) -> None:
    x._channel(world, classes, platform)
    ids = iter(["101", "102", "103"])

    def created(request: Recorded) -> JsonReply:
        body = json.loads(request.body)
        post_id = next(ids)
        # X stores part 2 but its answer comes after our 1 s timeout.
        delay = 1.5 if body["text"] == "Teil 2" and post_id == "102" else 0.0
        return JsonReply({"data": {"id": post_id, "text": body["text"]}}, status=201, delay=delay)

    platform.script("POST", "/2/tweets", created)
    platform.script(
        "GET",
        x.TIMELINE,
        JsonReply({"data": [{"id": "102", "text": "Teil 2"}], "meta": {"result_count": 1}}),
    )
    post_id = _due(
        world, classes, "xdev", "Teil 1", thread=["Teil 2", "Teil 3"], poll=Poll(("Ja", "Nein"), 60)
    )
    assert scheduler.tick().retrying
    clock.advance(60)
    assert scheduler.tick().sent
    bodies = [json.loads(c.body) for c in platform.calls("/2/tweets")]
    assert bodies == [
        {"text": "Teil 1", "poll": {"options": ["Ja", "Nein"], "duration_minutes": 60}},
        {"text": "Teil 2", "reply": {"in_reply_to_tweet_id": "101"}},
        {"text": "Teil 3", "reply": {"in_reply_to_tweet_id": "102"}},
    ]  # part 2 found in the timeline, not posted again; part 1 never again
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.state == "sent" and row.remote_id == "101"
    assert [p["remote_id"] for p in row.parts] == ["101", "102", "103"]


def test_x_images_with_alt_text(
    world: World, classes: dict[str, type], platform: ApiServer, scheduler: Scheduler
) -> None:
    x._channel(world, classes, platform)
    ids = iter(["1880028106020515840", "1880028106020515841"])

    def uploaded(request: Recorded) -> JsonReply:
        media_id = next(ids)
        body = {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(request.body),
                "expires_after_secs": 86400,
                "image": {"image_type": "image/png", "w": 40, "h": 30},
            }
        }
        return JsonReply(body)

    platform.script("POST", "/2/media/upload", uploaded)
    platform.script("POST", "/2/media/metadata", JsonReply({"data": {"associated_metadata": True}}))
    platform.script("POST", "/2/tweets", x._created("Zwei Bilder"))
    png, jpeg = image_bytes("PNG"), image_bytes("JPEG")
    _due(
        world,
        classes,
        "xdev",
        "Zwei Bilder",
        images=[NewImage(png, "Ein rotes Rechteck"), NewImage(jpeg)],
    )
    assert scheduler.tick().sent
    uploads = platform.calls("/2/media/upload")
    assert [png in u.body for u in uploads] == [True, False] and jpeg in uploads[1].body
    assert b'name="media_category"\r\n\r\ntweet_image\r\n' in uploads[0].body
    assert uploads[0].headers["authorization"] == "Bearer x-user-token"
    [alt] = platform.calls("/2/media/metadata")  # only the image with alt text
    assert json.loads(alt.body) == {
        "id": "1880028106020515840",
        "metadata": {"alt_text": {"text": "Ein rotes Rechteck"}},
    }
    [tweet] = platform.calls("/2/tweets")
    assert json.loads(tweet.body) == {
        "text": "Zwei Bilder",
        "media": {"media_ids": ["1880028106020515840", "1880028106020515841"]},
    }


def test_x_refuses_what_it_cannot_take(world: World, classes: dict[str, type]) -> None:
    world.channel("xdev", kind="x", api="https://api.x.test", username="a", user_id="1")
    with pytest.raises(ValidationError) as caught:
        compose.new_post(
            world.pub,
            classes,
            world.workspace.id,
            "Umfrage",
            ["xdev"],
            images=[NewImage(image_bytes())],
            poll=Poll(("a", "b"), 3, multiple=True),
            at="2099-01-01 09:00",
        )
    said = str(caught.value)
    assert "xdev (x): a post cannot have both images and a poll here" in said
    assert "xdev (x): the poll runs 3 minutes; 5 to 10,080 are allowed" in said
    assert "xdev (x): polls with several answers are not possible here" in said


def test_telegram_poll_and_photo(
    world: World, classes: dict[str, type], platform: ApiServer, scheduler: Scheduler
) -> None:
    tg._script_check(platform)
    tg._add(world, classes, platform)
    sent = {"ok": True, "result": {"message_id": 77, "chat": tg.CHAT["result"]}}
    platform.script("POST", f"{tg.BOT}/sendPoll", JsonReply(sent))
    platform.script("POST", f"{tg.BOT}/sendPhoto", JsonReply(sent))
    _due(world, classes, "tg", "Wann treffen wir uns?", poll=Poll(("Mo", "Di", "Mi"), 5, True))
    photo = image_bytes("JPEG")
    _due(world, classes, "tg", "Das Team 📷", images=[NewImage(photo, "Fünf Leute")])
    assert len(scheduler.tick().sent) == 2
    [poll] = platform.calls(f"{tg.BOT}/sendPoll")
    assert json.loads(poll.body) == {
        "chat_id": -1001234567890,
        "question": "Wann treffen wir uns?",
        "options": [{"text": "Mo"}, {"text": "Di"}, {"text": "Mi"}],
        "allows_multiple_answers": True,
        "open_period": 300,
    }
    [upload] = platform.calls(f"{tg.BOT}/sendPhoto")
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="caption"\r\n\r\nDas Team \xf0\x9f\x93\xb7\r\n' in upload.body
    assert b'name="chat_id"\r\n\r\n-1001234567890\r\n' in upload.body
    assert b'name="photo"; filename="photo.jpeg"' in upload.body and photo in upload.body


def test_telegram_rules(world: World, classes: dict[str, type]) -> None:
    world.channel("tg", kind="telegram", chat="@acme", api="https://tg.test")
    with pytest.raises(ValidationError) as caught:
        compose.new_post(
            world.pub,
            classes,
            world.workspace.id,
            "x" * 1025,
            ["tg"],
            images=[NewImage(image_bytes("GIF")), NewImage(image_bytes())],
            thread=["zwei"],
            at="2099-01-01 09:00",
        )
    said = str(caught.value)
    assert "tg (telegram): the post has 2 images, the limit is 1" in said
    assert "tg (telegram): image 1 (GIF, " in said and "only JPEG, PNG, WebP images" in said
    assert "tg (telegram): Resonanz cannot publish threads to this channel" in said
    assert "the text goes with an image as its caption: 1025 characters, the limit is 1024" in said


def test_threads_poll(
    world: World, classes: dict[str, type], platform: ApiServer, scheduler: Scheduler
) -> None:
    th._add(world, classes, platform)
    platform.script("POST", f"{th.USER}/threads", JsonReply({"id": "c1"}))
    platform.script("POST", f"{th.USER}/threads_publish", JsonReply({"id": "m1"}))
    platform.script(
        "GET", "/v1.0/m1", JsonReply({"permalink": "https://www.threads.net/@acme/post/1"})
    )
    _due(world, classes, "th", "Kaffee oder Tee?", poll=Poll(("Kaffee", "Tee"), 1440))
    assert scheduler.tick().sent
    [container] = platform.calls(f"{th.USER}/threads")
    assert container.param("text") == "Kaffee oder Tee?"
    assert json.loads(container.param("poll_attachment") or "") == {
        "option_a": "Kaffee",
        "option_b": "Tee",
    }
    with pytest.raises(ValidationError, match="the poll runs 60 minutes; 1440 to 1,440"):
        compose.new_post(
            world.pub,
            classes,
            world.workspace.id,
            "Kurz?",
            ["th"],
            poll=Poll(("a", "b"), 60),
            at="2099-01-01 09:00",
        )


def _tick_with_public_address(world: World, classes: dict[str, type], clock: Clock) -> Any:
    """One tick of a scheduler whose base_url (where Meta fetches /m/<token>) is set."""
    settings = replace(SETTINGS, base_url="https://resonanz.example.org/")
    scheduler = Scheduler(
        world.pub, settings, classes, runner="t", clock=clock, client_options={"status_wait_s": 0}
    )
    try:
        return scheduler.tick()
    finally:
        scheduler.close()


def test_instagram_takes_the_posts_own_jpeg(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock
) -> None:
    ig._add(world, classes, platform)
    platform.script("POST", f"{ig.USER}/media", JsonReply({"id": "c9"}))
    platform.script("GET", "/v21.0/c9", JsonReply({"status_code": "FINISHED", "id": "c9"}))
    platform.script("POST", f"{ig.USER}/media_publish", JsonReply({"id": "m9"}))
    platform.script("GET", "/v21.0/m9", JsonReply({"permalink": "https://www.instagram.com/p/C9/"}))
    with pytest.raises(ValidationError) as caught:
        _due(world, classes, "ig", "Herbst", images=[NewImage(image_bytes("PNG"))])
    assert "ig (instagram): image 1 (PNG, " in str(caught.value)
    assert "only JPEG images are taken" in str(caught.value)
    post_id = _due(world, classes, "ig", "Herbst #herbst", images=[NewImage(image_bytes("JPEG"))])
    assert _tick_with_public_address(world, classes, clock).sent
    [media] = world.pub.get_post(world.workspace.id, post_id).media
    assert json.loads(platform.calls(f"{ig.USER}/media")[-1].body) == {
        "image_url": f"https://resonanz.example.org/m/{media.token}",
        "caption": "Herbst #herbst",
    }


def test_threads_image_from_the_post(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock
) -> None:
    th._add(world, classes, platform)
    platform.script("POST", f"{th.USER}/threads", JsonReply({"id": "c2"}))
    platform.script(
        "GET",
        "/v1.0/c2",
        [JsonReply({"status": "IN_PROGRESS", "id": "c2"}), JsonReply({"status": "FINISHED"})],
    )
    platform.script("POST", f"{th.USER}/threads_publish", JsonReply({"id": "m2"}))
    platform.script(
        "GET", "/v1.0/m2", JsonReply({"permalink": "https://www.threads.net/@acme/post/2"})
    )
    post_id = _due(
        world, classes, "th", "Neues Logo", images=[NewImage(image_bytes("PNG"), "Logo")]
    )
    assert _tick_with_public_address(world, classes, clock).sent
    [media] = world.pub.get_post(world.workspace.id, post_id).media
    [container] = platform.calls(f"{th.USER}/threads")
    assert container.param("media_type") == "IMAGE" and container.param("text") == "Neues Logo"
    assert container.param("image_url") == f"https://resonanz.example.org/m/{media.token}"
    assert len(platform.calls("/v1.0/c2")) == 2  # waited for FINISHED
