"""Publishing to Bluesky against a real PDS on 127.0.0.1 (tests/sources/pds_peer.py):
the post is read back from the repo under the delivery's record key; a retry with the
same key creates no second record; an edit after an attempt of unknown outcome replaces
the record; a wrong app password is refused when the channel is added."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from resonanz.errors import ConfigError
from resonanz.publishing import compose
from resonanz.publishing.connect import add_channel, open_client
from resonanz.publishing.models import Attempt
from resonanz.publishing.scheduler import Scheduler
from tests.sources.pds_peer import PASSWORD, PdsPeer, peer_missing, start_pds

from .conftest import SETTINGS, Clock, World

pytestmark = pytest.mark.skipif(peer_missing() is not None, reason=peer_missing() or "")


@pytest.fixture(scope="module")
def pds() -> Iterator[PdsPeer]:
    try:
        peer = start_pds()
    except RuntimeError as exc:
        pytest.skip(f"the Bluesky PDS peer did not start: {exc}")
    try:
        peer.account("alice")
        yield peer
    finally:
        peer.stop()


def _records(pds: PdsPeer) -> list[dict[str, Any]]:
    got = httpx.get(
        f"{pds.url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": pds.dids["alice"], "collection": "app.bsky.feed.post", "limit": 100},
    )
    got.raise_for_status()
    return list(got.json()["records"])


def _add(world: World, classes: dict[str, type], pds: PdsPeer) -> None:
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


def test_post_is_published_under_its_record_key_once(
    world: World, classes: dict[str, type], pds: PdsPeer, clock: Clock
) -> None:
    before = len(_records(pds))
    _add(world, classes, pds)
    channel = world.pub.get_channel(world.workspace.id, "sky")
    assert channel.config["did"] == pds.dids["alice"]
    text = "Grüße vom Rhein 🌊 https://example.org/rhein"
    post = compose.new_post(world.pub, classes, world.workspace.id, text, ["sky"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    scheduler = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    try:
        assert len(scheduler.tick().sent) == 1
    finally:
        scheduler.close()
    [row] = world.pub.deliveries(world.workspace.id, post_id=post.id)
    assert row.record_key is not None
    assert row.remote_id == f"at://{pds.dids['alice']}/app.bsky.feed.post/{row.record_key}"
    got = httpx.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={
            "repo": pds.dids["alice"],
            "collection": "app.bsky.feed.post",
            "rkey": row.record_key,
        },
    ).json()
    assert got["value"]["text"] == text
    [facet] = got["value"]["facets"]
    assert facet["features"][0]["uri"] == "https://example.org/rhein"
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode()[start:end] == b"https://example.org/rhein"
    assert len(_records(pds)) == before + 1

    # The same attempt again (as after a timeout): no second record.
    client = open_client(world.pub, SETTINGS, classes, channel)
    try:
        attempt = Attempt(row, text, 1, row.idempotency_key or "", row.record_key)
        again = client.publish(attempt)
        assert again.remote_id == row.remote_id
        assert len(_records(pds)) == before + 1
        # An edited text under the same key replaces the record instead of adding one.
        edited = client.publish(Attempt(row, "Korrigiert", 2, "", row.record_key))
        assert edited.remote_id == row.remote_id
    finally:
        client.close()
    records = _records(pds)
    assert len(records) == before + 1
    assert [r["value"]["text"] for r in records if r["uri"] == row.remote_id] == ["Korrigiert"]


def test_a_wrong_app_password_is_refused(
    world: World, classes: dict[str, type], pds: PdsPeer
) -> None:
    with pytest.raises(ConfigError, match="Invalid identifier or password"):
        add_channel(
            world.pub,
            SETTINGS,
            classes,
            world.workspace.id,
            "bluesky",
            "sky",
            {"pds": pds.url, "handle": "alice.test"},
            {"app_password": "wrong"},
        )
    assert world.pub.list_channels(world.workspace.id) == []
