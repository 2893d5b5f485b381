"""Images and threads to Bluesky against a real PDS on 127.0.0.1 (tests/sources/pds_peer.py):
the records are read back from the repo (images with alt text and aspect ratio, their
blobs stored; thread parts with reply root/parent strong refs under record keys fixed per
part), and a repeated attempt adds nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from resonanz.publishing import compose
from resonanz.publishing.compose import NewImage
from resonanz.publishing.connect import add_channel, open_client
from resonanz.publishing.models import Attempt
from resonanz.publishing.scheduler import Scheduler
from resonanz.publishing.states import part_record_key
from tests.sources.pds_peer import PASSWORD, PdsPeer, peer_missing

from .conftest import SETTINGS, Clock, World
from .images import image_bytes
from .test_publish_bluesky import pds as pds_fixture

pytestmark = pytest.mark.skipif(peer_missing() is not None, reason=peer_missing() or "")
pds = pds_fixture  # the local PDS, started once for this module


def _records(pds: PdsPeer) -> dict[str, dict[str, Any]]:
    got = httpx.get(
        f"{pds.url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": pds.dids["alice"], "collection": "app.bsky.feed.post", "limit": 100},
    )
    got.raise_for_status()
    return {r["uri"].rsplit("/", 1)[1]: r for r in got.json()["records"]}


def test_images_and_a_thread(
    world: World, classes: dict[str, type], pds: PdsPeer, clock: Clock
) -> None:
    before = _records(pds)
    add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "bluesky",
        "sky",
        {"pds": pds.url, "handle": "alice.test"},
        {"app_password": PASSWORD},
    )
    png = image_bytes("PNG", (64, 48))
    jpeg = image_bytes("JPEG", (30, 60))
    post = compose.new_post(
        world.pub,
        classes,
        world.workspace.id,
        "Rheinufer 1/3",
        ["sky"],
        images=[NewImage(png, "Der Rhein bei Köln"), NewImage(jpeg, "")],
        thread=["Rheinufer 2/3", "Rheinufer 3/3 🌊"],
    ).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    scheduler = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    try:
        assert len(scheduler.tick().sent) == 1
    finally:
        scheduler.close()
    [row] = world.pub.deliveries(world.workspace.id, post_id=post.id)
    assert row.record_key is not None
    rkeys = [part_record_key(row.record_key, i) for i in range(3)]
    records = _records(pds)
    assert set(records) - set(before) == set(rkeys)
    first, second, third = (records[k] for k in rkeys)
    assert [r["value"]["text"] for r in (first, second, third)] == [
        "Rheinufer 1/3",
        "Rheinufer 2/3",
        "Rheinufer 3/3 🌊",
    ]
    embed = first["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [(i["alt"], i["aspectRatio"]) for i in embed["images"]] == [
        ("Der Rhein bei Köln", {"width": 64, "height": 48}),
        ("", {"width": 30, "height": 60}),
    ]
    for image, data in zip(embed["images"], (png, jpeg), strict=True):
        blob = httpx.get(
            f"{pds.url}/xrpc/com.atproto.sync.getBlob",
            params={"did": pds.dids["alice"], "cid": image["image"]["ref"]["$link"]},
        )
        assert blob.status_code == 200 and blob.content == data
    root = {"uri": first["uri"], "cid": first["cid"]}
    assert second["value"]["reply"] == {"root": root, "parent": root}
    assert third["value"]["reply"] == {
        "root": root,
        "parent": {"uri": second["uri"], "cid": second["cid"]},
    }
    assert "embed" not in second["value"] and "reply" not in first["value"]
    assert row.remote_id == first["uri"] and [p["index"] for p in row.parts] == [0, 1, 2]

    # The same attempt again, as after a lost answer: nothing is added or changed.
    channel = world.pub.get_channel(world.workspace.id, "sky")
    client = open_client(world.pub, SETTINGS, classes, channel)
    try:
        again = client.publish(
            Attempt(
                row,
                "Rheinufer 1/3",
                1,
                "",
                row.record_key,
                thread=("Rheinufer 2/3", "Rheinufer 3/3 🌊"),
                media=world.pub.media_files(post.id),
            )
        )
    finally:
        client.close()
    assert again.remote_id == first["uri"]
    assert _records(pds) == records
