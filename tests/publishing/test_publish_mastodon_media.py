"""Images, polls and threads to Mastodon through the scheduler, against mastodon-mock on
127.0.0.1 (it takes ``POST /api/v2/media`` with a description, polls and
``in_reply_to_id``, and honours Idempotency-Key). A thread whose second part's answer is
lost continues with that part under the same key: no part is posted twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from resonanz.errors import ConflictError
from resonanz.publishing import compose
from resonanz.publishing.compose import NewImage
from resonanz.publishing.connect import add_channel
from resonanz.publishing.models import Poll
from resonanz.publishing.scheduler import Scheduler, SchedulerOptions
from tests.sources.apiserver import ApiServer, JsonReply

from .conftest import SETTINGS as BASE_SETTINGS
from .conftest import Clock, Mastodon, World
from .images import image_bytes
from .proxy import lossy_proxy

# Uploads make mastodon-mock parse multipart bodies and store the bytes: on a crowded
# 2-core machine that took over the other tests' 1 s client timeout (a ReadTimeout in the
# full suite). No test here relies on a timeout (the lost answer is a 502 from the proxy).
SETTINGS = replace(BASE_SETTINGS, http_timeout=10.0)


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(
        world.pub, SETTINGS, classes, runner="test", clock=clock, options=SchedulerOptions()
    )
    yield made
    made.close()


def _warm(url: str) -> None:
    """mastodon-mock loads its multipart parser on the first upload (~2 s on a loaded
    machine), longer than the tests' 1 s client timeout: upload once beforehand."""
    httpx.post(
        f"{url}/api/v2/media",
        files={"file": ("warm.png", image_bytes(), "image/png")},
        headers={"Authorization": "Bearer bob_token"},
        timeout=30,
    ).raise_for_status()


def _connect(world: World, classes: dict[str, type], url: str) -> None:
    _warm(url)
    channel = add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "mastodon",
        "masto",
        {"instance": url},
        {"token": "alice_token"},
    )
    # The instance's media and poll limits are cached by the check.
    assert channel.config["image_size_limit"] == 10485760
    assert channel.config["poll_max_options"] == 4


def _due(world: World, classes: dict[str, type], text: str, **extras: object) -> int:
    post = compose.new_post(
        world.pub,
        classes,
        world.workspace.id,
        text,
        ["masto"],
        **extras,  # type: ignore[arg-type]
    ).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


def test_images_with_alt_text(
    world: World, classes: dict[str, type], mastodon: Mastodon, scheduler: Scheduler
) -> None:
    _connect(world, classes, mastodon.url)
    png, jpeg = image_bytes("PNG"), image_bytes("JPEG")
    post_id = _due(
        world,
        classes,
        "Zwei Bilder",
        images=[NewImage(png, "Ein rotes Rechteck"), NewImage(jpeg, "Noch eins")],
    )
    report = scheduler.tick()
    assert report.sent, world.pub.deliveries(world.workspace.id)[0].last_error
    [status] = mastodon.statuses()
    attached = status["media_attachments"]
    assert [m["description"] for m in attached] == ["Ein rotes Rechteck", "Noch eins"]
    assert [m["type"] for m in attached] == ["image", "image"]
    assert httpx.get(attached[0]["url"]).content == png  # the bytes arrived whole
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.state == "sent" and row.remote_id == status["id"]
    # Published everywhere: its images can no longer change.
    with pytest.raises(ConflictError, match="already published on every channel"):
        compose.attach_media(world.pub, classes, world.workspace.id, post_id, png)
    assert len(world.pub.get_post(world.workspace.id, post_id).media) == 2


def test_a_poll(
    world: World, classes: dict[str, type], mastodon: Mastodon, scheduler: Scheduler
) -> None:
    _connect(world, classes, mastodon.url)
    _due(world, classes, "Welche Farbe?", poll=Poll(("Rot", "Blau", "Grün"), 60, True))
    assert scheduler.tick().sent
    [status] = mastodon.statuses()
    poll = status["poll"]
    assert [o["title"] for o in poll["options"]] == ["Rot", "Blau", "Grün"]
    assert poll["multiple"] is True and poll["expires_at"]


def test_a_thread_continues_after_a_lost_answer(
    world: World, classes: dict[str, type], mastodon: Mastodon, clock: Clock
) -> None:
    with lossy_proxy(mastodon.url) as proxy:
        _connect(world, classes, proxy.url)
        post_id = _due(world, classes, "Teil 1", thread=["Teil 2", "Teil 3"])
        # Part 1 goes through; part 2 is stored by Mastodon and its answer lost (502).
        proxy.lose("/api/v1/statuses", "502", after=1)
        scheduler = Scheduler(
            world.pub, SETTINGS, classes, runner="t", clock=clock, options=SchedulerOptions()
        )
        try:
            assert scheduler.tick().retrying
            [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
            assert row.state == "scheduled" and "thread part 2 of 3" in (row.last_error or "")
            assert [p["index"] for p in row.parts] == [0]
            assert len(mastodon.statuses()) == 2  # Mastodon did store part 2
            clock.advance(60)
            assert scheduler.tick().sent
        finally:
            scheduler.close()
    statuses = sorted(mastodon.statuses(), key=lambda s: int(s["id"]))
    assert len(statuses) == 3  # part 2 was not posted twice, part 1 not again
    assert [s["in_reply_to_id"] for s in statuses] == [None, statuses[0]["id"], statuses[1]["id"]]
    assert ["Teil 1" in statuses[0]["content"], "Teil 3" in statuses[2]["content"]] == [True, True]
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert row.state == "sent" and row.remote_id == statuses[0]["id"]
    assert [p["remote_id"] for p in row.parts] == [s["id"] for s in statuses]
    key = row.idempotency_key
    sent_keys = [h.get("Idempotency-Key") for m, p, h in proxy.forwarded if p == "/api/v1/statuses"]
    assert sent_keys == [key, f"{key}-p1", f"{key}-p1", f"{key}-p2"]


def test_an_upload_still_processing_is_waited_for(
    world: World, classes: dict[str, type], platform: ApiServer, scheduler: Scheduler
) -> None:
    """mastodon-mock answers every upload at once, so the 202/206 path runs against a
    loopback server replaying Mastodon's documented bodies (MediaAttachment with
    ``url: null`` while processing)."""
    platform.script("GET", "/api/v1/accounts/verify_credentials", JsonReply({"acct": "alice"}))
    platform.script("GET", "/api/v1/instance", JsonReply({"uri": "masto.example"}))
    add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "mastodon",
        "masto",
        {"instance": platform.base_url},
        {"token": "alice_token"},
    )
    pending = {"id": "22348641", "type": "image", "url": None, "description": "Ein Bild"}
    done = {**pending, "url": "https://files.example/original/1.png"}
    platform.script("POST", "/api/v2/media", JsonReply(pending, status=202))
    platform.script(
        "GET", "/api/v1/media/22348641", [JsonReply(pending, status=206), JsonReply(done)]
    )
    status = {"id": "103254962155278888", "url": "https://masto.example/@a/103254962155278888"}
    platform.script("POST", "/api/v1/statuses", JsonReply(status))
    _due(world, classes, "Bild", images=[NewImage(image_bytes(), "Ein Bild")])
    assert scheduler.tick().sent, world.pub.deliveries(world.workspace.id)[0].last_error
    assert len(platform.calls("/api/v1/media/22348641")) == 2
    [upload] = platform.calls("/api/v2/media")
    assert b'name="description"\r\n\r\nEin Bild\r\n' in upload.body
    [sent] = platform.calls("/api/v1/statuses")
    assert json.loads(sent.body)["media_ids"] == ["22348641"]
