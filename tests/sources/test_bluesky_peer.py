"""The Bluesky connector against a real PDS on 127.0.0.1 (see pds_peer.py).

Accounts post with hashtags, mentions, links, replies and quotes (plus a like, a deleted
post, a post over the lexicon's size limit and one with a nonsense language tag); the
firehose mode must see them all, map every field, and resume from its cursor after
being stopped mid-stream. The account mode reads the same posts from the repo; the search
mode's login is refused with a wrong app password.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from atproto import client_utils
from pds_peer import PASSWORD, PdsPeer, peer_missing, start_pds

from resonanz.collect import run_source
from resonanz.config import Settings
from resonanz.errors import AuthError, FetchError, UnsafeURLError
from resonanz.models import Mention, RawItem
from resonanz.pipeline import normalise_batch
from resonanz.runtime import Runtime
from resonanz.sources import FetchedBatch
from resonanz.sources.bluesky import BlueskySource
from resonanz.sources.bluesky.normalise import normalise_commit
from resonanz.sources.retry import RetryPolicy
from resonanz.store import open_store

pytestmark = pytest.mark.skipif(peer_missing() is not None, reason=peer_missing() or "")

NO_WAIT = RetryPolicy(attempts=2, base_delay=0.0, sleep=lambda _: None)
TIME = "2026-03-01T09:30:00.000Z"


@dataclass
class Posted:
    """What the fixture wrote to the PDS, by role."""

    uris: dict[str, str]
    dids: dict[str, str]
    deleted: str
    last_seq_hint: int


def _post(peer: PdsPeer, who: str, record: dict[str, Any], *, validate: bool = True) -> str:
    client = peer.account(who)
    data: dict[str, Any] = {
        "repo": peer.dids[who],
        "collection": "app.bsky.feed.post",
        "record": {"$type": "app.bsky.feed.post", "createdAt": TIME, **record},
    }
    if not validate:
        data["validate"] = False
    return str(client.com.atproto.repo.create_record(data).uri)


def _ref(peer: PdsPeer, who: str, uri: str) -> dict[str, str]:
    rkey = uri.rsplit("/", 1)[-1]
    got = peer.account(who).com.atproto.repo.get_record(
        {"repo": peer.dids[who], "collection": "app.bsky.feed.post", "rkey": rkey}
    )
    return {"uri": uri, "cid": str(got.cid)}


@pytest.fixture(scope="module")
def peer() -> Iterator[tuple[PdsPeer, Posted]]:
    try:
        pds = start_pds()
    except RuntimeError as exc:
        pytest.skip(f"the Bluesky PDS peer did not start: {exc}")
    try:
        for name in ("alice", "bob", "carol"):
            pds.account(name)
        dids = dict(pds.dids)
        text = (
            client_utils.TextBuilder()
            .text("Die ")
            .tag("#Bahn", "Bahn")
            .text(" ist heute pünktlich! Fahrplan: ")
            .link("bahn.de/fahrplan...", "https://www.bahn.de/fahrplan/heute")
        )
        uris: dict[str, str] = {}
        uris["tagged"] = _post(
            pds,
            "alice",
            {"text": text.build_text(), "facets": _facets(text), "langs": ["de"]},
        )
        mention = (
            client_utils.TextBuilder()
            .mention("@alice.test", dids["alice"])
            .text(" hast du das gesehen? ")
            .tag("#ÖPNV", "ÖPNV")
        )
        uris["mention"] = _post(
            pds,
            "bob",
            {"text": mention.build_text(), "facets": _facets(mention), "langs": ["de-DE"]},
        )
        parent = _ref(pds, "alice", uris["tagged"])
        uris["reply"] = _post(
            pds,
            "bob",
            {
                "text": "Stimmt, mein ICE war auch pünktlich",
                "reply": {"root": parent, "parent": parent},
                "langs": ["de", "en"],
            },
        )
        uris["quote"] = _post(
            pds,
            "carol",
            {
                "text": "Great news about Deutsche Bahn",
                "embed": {"$type": "app.bsky.embed.record", "record": parent},
                "langs": ["en-US"],
            },
        )
        pds.account("alice").com.atproto.repo.create_record(
            {
                "repo": dids["alice"],
                "collection": "app.bsky.feed.like",
                "record": {
                    "$type": "app.bsky.feed.like",
                    "subject": _ref(pds, "bob", uris["mention"]),
                    "createdAt": TIME,
                },
            }
        )
        uris["odd_lang"] = _post(
            pds, "carol", {"text": "nuqneH Bahn", "langs": ["!!"]}, validate=False
        )
        uris["huge"] = _post(pds, "carol", {"text": "Bahn " * 1000}, validate=False)
        deleted = _post(pds, "carol", {"text": "oops, wrong account"})
        pds.account("carol").delete_post(deleted)
        uris["last"] = _post(pds, "alice", {"text": "Letzter Post für heute", "langs": ["de"]})
        yield pds, Posted(uris=uris, dids=dids, deleted=deleted, last_seq_hint=0)
    finally:
        pds.stop()


def _facets(builder: client_utils.TextBuilder) -> list[dict[str, Any]]:
    return [f.model_dump(by_alias=True, exclude_none=True) for f in builder.build_facets()]


def _settings(batch_size: int = 500) -> Settings:
    return replace(Settings(), allow_private_targets=True, http_timeout=3.0, batch_size=batch_size)


def _firehose(peer: PdsPeer, settings: Settings, **options: Any) -> BlueskySource:
    config = BlueskySource.validate_config(
        {"mode": "firehose", "url": peer.firehose_url, "max_seconds": 2, **options}, settings
    )
    return BlueskySource(config, settings, policy=NO_WAIT)


def _mentions(batches: list[FetchedBatch]) -> dict[str, Mention]:
    items: list[RawItem] = [item for batch in batches for item in batch.items]
    normalisers = {"bluesky_commit": normalise_commit}
    mentions, _ = normalise_batch(items, normalisers)
    return {m.native_id: m for m in mentions}


def test_firehose_sees_every_post_and_maps_every_field(peer: tuple[PdsPeer, Posted]) -> None:
    pds, posted = peer
    settings = _settings()
    batches = list(_firehose(pds, settings, max_events=60).fetch({"seq": 0}))
    items = [item for batch in batches for item in batch.items]
    uris = posted.uris
    # Every post creation arrives (the deleted one too: it existed before its deletion).
    assert {i.origin for i in items} == {*uris.values(), posted.deleted}
    mentions, skipped = normalise_batch(items, {"bluesky_commit": normalise_commit})
    by_id = {m.native_id: m for m in mentions}
    assert [s.where for s in skipped] == [uris["huge"]]
    assert "over the lexicon's 3,000-byte limit" in skipped[0].reason

    tagged = by_id[uris["tagged"]]
    alice = posted.dids["alice"]
    rkey = uris["tagged"].rsplit("/", 1)[-1]
    assert tagged.platform == "bluesky"
    assert tagged.url == f"https://bsky.app/profile/{alice}/post/{rkey}"
    assert tagged.author is not None
    assert tagged.author.handle == "alice.test"  # learnt from the stream's #identity event
    assert tagged.author.url == f"https://bsky.app/profile/{alice}"
    # The link facet's full URI replaces the shortened display text.
    assert tagged.text == (
        "Die #Bahn ist heute pünktlich! Fahrplan: https://www.bahn.de/fahrplan/heute"
    )
    assert tagged.lang == "de"
    assert tagged.created_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert tagged.engagement.likes == 0
    commit = tagged.raw["commit"]
    assert commit["operation"] == "create" and commit["cid"].startswith("bafy")
    features = [f["features"][0] for f in commit["record"]["facets"]]
    assert {"$type": "app.bsky.richtext.facet#tag", "tag": "Bahn"} in features
    assert tagged.raw["did"] == alice and isinstance(tagged.raw["seq"], int)

    mention = by_id[uris["mention"]]
    assert mention.text == "@alice.test hast du das gesehen? #ÖPNV"
    assert mention.lang == "de"
    mention_facet = mention.raw["commit"]["record"]["facets"][0]["features"][0]
    assert mention_facet == {"$type": "app.bsky.richtext.facet#mention", "did": alice}

    assert by_id[uris["reply"]].reply_to == uris["tagged"]
    assert by_id[uris["reply"]].quote_of is None
    assert by_id[uris["quote"]].quote_of == uris["tagged"]
    assert by_id[uris["quote"]].lang == "en"
    assert by_id[uris["odd_lang"]].lang is None
    # The deletion is reported, not applied; the like is ignored silently.
    reasons = [s.reason for batch in batches for s in batch.skipped]
    assert any("1 post deletion(s)" in r and posted.deleted in r for r in reasons)
    assert not any("like" in r for r in reasons)


def test_firehose_resumes_from_its_cursor_without_gaps_or_duplicates(
    peer: tuple[PdsPeer, Posted],
) -> None:
    pds, _ = peer
    settings = _settings(batch_size=2)
    everything = {i.origin for b in _firehose(pds, settings).fetch({"seq": 0}) for i in b.items}

    # Stop the run after two batches, as a killed collector would: only the stored
    # batches' cursor survives.
    run = _firehose(pds, settings).fetch({"seq": 0})
    first = [next(run), next(run)]
    run.close()
    cursor = first[-1].cursor
    assert cursor["seq"] > 0
    seen_first = [i.origin for b in first for i in b.items]
    resumed = [i.origin for b in _firehose(pds, settings).fetch(cursor) for i in b.items]
    assert not set(seen_first) & set(resumed)
    assert len(seen_first) + len(resumed) == len(everything)
    assert set(seen_first) | set(resumed) == everything
    # Every batch's cursor is the seq of the last event read before it.
    seqs = [i.payload["seq"] for b in first for i in b.items]
    assert max(seqs) <= cursor["seq"]


def test_firehose_delivers_a_post_made_while_listening(peer: tuple[PdsPeer, Posted]) -> None:
    pds, _ = peer
    settings = _settings()
    # One source instance, as a long-running follower: the handles it learnt from the
    # stream's #identity events stay known for later runs.
    source = _firehose(pds, settings, max_seconds=3)
    source.config["max_seconds"] = 1
    tail = list(source.fetch({"seq": 0}))
    cursor = tail[-1].cursor
    source.config["max_seconds"] = 3
    written: list[str] = []

    def write() -> None:
        time.sleep(0.5)
        written.append(_post(pds, "bob", {"text": "Live: Deutsche Bahn streikt #Streik"}))

    writer = threading.Thread(target=write)
    writer.start()
    batches = list(source.fetch(cursor))
    writer.join()
    live = _mentions(batches)
    assert list(live) == written
    assert live[written[0]].author is not None
    assert live[written[0]].author.handle == "bob.test"


def test_collect_keeps_only_matching_posts_by_default(
    peer: tuple[PdsPeer, Posted], tmp_path: Any
) -> None:
    pds, posted = peer
    settings = replace(_settings(), language_detection=False, sentiment_analysis=False)
    runtime = Runtime.load(settings, load_entry_points=False)
    store = open_store(f"sqlite:///{tmp_path / 'bluesky.db'}")
    try:
        workspace = store.create_workspace("bahn", "Bahn")
        store.add_topic(workspace.id, "ICE", "ICE OR pünktlich", "brand")
        config = BlueskySource.validate_config(
            {"mode": "firehose", "url": pds.firehose_url, "max_seconds": "2"}, settings
        )
        assert config["keep_unmatched"] is False
        source = store.add_source(workspace.id, "bluesky", "bluesky firehose", config)
        store.save_batch(workspace.id, [], source_id=source.id, cursor={"seq": 0}, at=None)
        report = run_source(store, runtime, store.get_source(workspace.id, source.name))
        assert report.error is None
        assert report.inserted == 2  # the #Bahn post and the ICE reply
        assert any(posted.uris["huge"] == s.where for s in report.skipped)
        saved = store.get_source(workspace.id, source.name)
        assert saved.cursor["seq"] > 0
        again = run_source(store, runtime, saved)
        assert again.error is None and again.fetched == 0 and again.inserted == 0
    finally:
        store.close()


def test_unreachable_wrong_and_private_urls_are_clear_errors(
    peer: tuple[PdsPeer, Posted],
) -> None:
    pds, _ = peer
    settings = _settings()
    refused = BlueskySource(
        BlueskySource.validate_config({"mode": "firehose", "url": "ws://127.0.0.1:9"}, settings),
        settings,
        policy=NO_WAIT,
    )
    with pytest.raises(FetchError, match=r"firehose at ws://127.0.0.1:9 could not be reached"):
        list(refused.fetch({}))
    wrong = _firehose(pds, settings, url=pds.firehose_url + "/nothing-here")
    with pytest.raises(FetchError, match=r"/nothing-here did not open an event stream .* check"):
        list(wrong.fetch({}))
    with pytest.raises(UnsafeURLError, match="allow_private_targets"):
        BlueskySource.validate_config({"mode": "firehose", "url": pds.firehose_url}, Settings())


def test_account_mode_reads_own_posts_from_the_repo_and_resumes(
    peer: tuple[PdsPeer, Posted],
) -> None:
    pds, posted = peer
    settings = _settings(batch_size=1)
    config = BlueskySource.validate_config(
        {"mode": "account", "url": pds.url, "actor": "alice.test"}, settings
    )
    batches = list(BlueskySource(config, settings, policy=NO_WAIT).fetch({}))
    assert [b.items[0].origin for b in batches] == [posted.uris["tagged"], posted.uris["last"]]
    assert batches[0].cursor == {"rkey": posted.uris["tagged"].rsplit("/", 1)[-1]}
    runtime = Runtime.load(settings, load_entry_points=False)
    first, _ = normalise_batch(batches[0].items, runtime.normalisers)
    assert first[0].author is not None and first[0].author.handle == "alice.test"
    assert first[0].text.endswith("https://www.bahn.de/fahrplan/heute")
    resumed = list(BlueskySource(config, settings, policy=NO_WAIT).fetch(batches[0].cursor))
    assert [i.origin for b in resumed for i in b.items] == [posted.uris["last"]]


def test_wrong_app_password_is_an_auth_error(peer: tuple[PdsPeer, Posted]) -> None:
    pds, _ = peer
    settings = _settings()
    for mode, extra in (("search", {"query": "bahn"}), ("account", {})):
        config = BlueskySource.validate_config(
            {
                "mode": mode,
                "url": pds.url,
                "handle": "alice.test",
                "app_password": PASSWORD + "-wrong",
                **extra,
            },
            settings,
        )
        with pytest.raises(AuthError, match="Invalid identifier or password") as caught:
            list(BlueskySource(config, settings, policy=NO_WAIT).fetch({}))
        assert PASSWORD not in str(caught.value)
