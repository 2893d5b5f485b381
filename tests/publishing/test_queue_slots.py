"""Queue slots: the next slot free on all of a post's channels, wall times across DST,
slots taken by scheduled and queued posts, freed by deletes, and posts queued at the
same moment by several stores never sharing a slot. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from resonanz.errors import NotFoundError, ValidationError
from resonanz.publishing.compose import attach_media, delete_post, new_post, schedule
from resonanz.publishing.queue import add_slots, queue_post, remove_slots, slot_label
from resonanz.store import open_store
from resonanz.store.publishing import publishing_store
from tests.at_once import run_at_once

from .conftest import World
from .images import image_bytes

BERLIN = "Europe/Berlin"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _draft(world: World, classes: dict[str, type], *channels: str) -> int:
    return new_post(world.pub, classes, world.workspace.id, "Hallo", list(channels)).post.id


def test_next_slot_common_to_the_channels(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    world.channel("s", kind="bluesky")
    ws = world.workspace.id
    add_slots(world.pub, ws, "m", ["mon 09:00", "wed 09:00"], timezone=BERLIN)
    slots = add_slots(world.pub, ws, "s", ["wed 09:00", "Friday 9:00"], timezone=BERLIN)
    assert [slot_label(s) for s in slots] == ["wed 09:00", "fri 09:00"]
    now = _t("2027-01-04 12:00")  # a Monday, after 09:00 Berlin
    both = [_draft(world, classes, "m", "s") for _ in range(2)]
    first = queue_post(world.pub, classes, ws, both[0], now=now)[1]
    second = queue_post(world.pub, classes, ws, both[1], now=now)[1]
    # Wednesday 09:00 CET is 08:00 UTC; the next post takes the Wednesday after.
    assert (first.utc, first.local) == (_t("2027-01-06 08:00"), "2027-01-06 09:00")
    assert second.utc == _t("2027-01-13 08:00")
    only_m = queue_post(world.pub, classes, ws, _draft(world, classes, "m"), now=now)[1]
    assert only_m.utc == _t("2027-01-11 08:00")  # Monday: Wednesdays are taken on m
    post = world.pub.get_post(ws, both[0])
    assert (post.status, post.scheduled_at, post.timezone) == ("scheduled", first.utc, BERLIN)
    assert {d.due_at for d in world.pub.deliveries(ws, post_id=both[0])} == {first.utc}
    # The slot of a deleted post is free again.
    delete_post(world.pub, ws, both[0])
    again = queue_post(world.pub, classes, ws, _draft(world, classes, "m", "s"), now=now)[1]
    assert again.utc == first.utc


def test_slots_keep_wall_time_across_dst(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    ws = world.workspace.id
    add_slots(world.pub, ws, "m", ["mon 09:00", "sun 02:30"], timezone=BERLIN)
    now = _t("2027-03-27 12:00")
    got = [
        queue_post(world.pub, classes, ws, _draft(world, classes, "m"), now=now)[1].utc
        for _ in range(3)
    ]
    # Sunday 2027-03-28: 02:30 does not exist, the slot is 03:30 CEST (01:30 UTC);
    # Monday 09:00 is now CEST (07:00 UTC); the Sunday after at 02:30 CEST (00:30 UTC).
    assert got == [_t("2027-03-28 01:30"), _t("2027-03-29 07:00"), _t("2027-04-04 00:30")]


def test_a_scheduled_post_takes_its_slot(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    ws = world.workspace.id
    add_slots(world.pub, ws, "m", ["tue 18:00"], timezone="UTC")
    now = _t("2027-01-04 12:00")
    planned = _draft(world, classes, "m")
    schedule(world.pub, classes, ws, planned, "2027-01-05 18:00", timezone="UTC", now=now)
    queued = queue_post(world.pub, classes, ws, _draft(world, classes, "m"), now=now)[1]
    assert queued.utc == _t("2027-01-12 18:00")


def test_refusals_keep_the_draft(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    world.channel("s", kind="bluesky")
    ws = world.workspace.id
    add_slots(world.pub, ws, "m", ["tue 18:00"], timezone="UTC")
    post_id = _draft(world, classes, "m", "s")
    with pytest.raises(ValidationError, match="channel 's' has no queue slots"):
        queue_post(world.pub, classes, ws, post_id)
    assert world.pub.get_post(ws, post_id).status == "draft"
    with pytest.raises(ValidationError, match="DAY HH:MM"):
        add_slots(world.pub, ws, "m", ["tuesday"], timezone="UTC")
    with pytest.raises(ValidationError, match="unknown time zone"):
        add_slots(world.pub, ws, "m", ["tue 18:00"], timezone="Mars/Base")
    with pytest.raises(NotFoundError):
        remove_slots(world.pub, ws, "m", ["wed 18:00"])
    assert remove_slots(world.pub, ws, "m", ["tue 18:00"]) == []


def test_posts_queued_at_once_never_share_a_slot(
    world: World, classes: dict[str, type], store_url: str
) -> None:
    world.channel("m")
    world.channel("s", kind="bluesky")
    ws = world.workspace.id
    add_slots(world.pub, ws, "m", ["mon 09:00", "thu 09:00"], timezone=BERLIN)
    add_slots(world.pub, ws, "s", ["mon 09:00", "thu 09:00"], timezone=BERLIN)
    now = _t("2027-01-04 12:00")
    drafts = [_draft(world, classes, "m", "s") for _ in range(6)]
    stores = [open_store(store_url) for _ in drafts]
    got: dict[int, datetime] = {}

    def queue(index: int) -> None:
        pub = publishing_store(stores[index])
        got[drafts[index]] = queue_post(pub, classes, ws, drafts[index], now=now)[1].utc

    errors = run_at_once([partial(queue, i) for i in range(len(drafts))])
    for opened in stores:
        opened.close()
    assert not errors
    # Six posts, six different slots: the first six Mondays and Thursdays from now.
    assert sorted(got.values()) == [
        _t("2027-01-07 08:00"),
        _t("2027-01-11 08:00"),
        _t("2027-01-14 08:00"),
        _t("2027-01-18 08:00"),
        _t("2027-01-21 08:00"),
        _t("2027-01-25 08:00"),
    ]
    for post_id, at in got.items():
        assert world.pub.get_post(ws, post_id).scheduled_at == at


def test_queueing_checks_the_required_alt_text(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    ws = world.workspace.id
    add_slots(world.pub, ws, "m", ["tue 18:00"], timezone="UTC")
    post_id = _draft(world, classes, "m")
    attach_media(world.pub, classes, ws, post_id, image_bytes(), "")
    world.pub.set_require_alt(ws, True)
    with pytest.raises(ValidationError, match="image 1 has no alt text"):
        queue_post(world.pub, classes, ws, post_id, now=_t("2027-01-04 12:00"))
    assert world.pub.get_post(ws, post_id).status == "draft"
    world.pub.set_require_alt(ws, False)
    slot = queue_post(world.pub, classes, ws, post_id, now=_t("2027-01-04 12:00"))[1]
    assert slot.utc == _t("2027-01-05 18:00")
