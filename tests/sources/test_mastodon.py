"""The Mastodon connector end to end against mastodon-mock: run_source into a real SQLite
store, field mapping, resuming without gaps or duplicates, every listening mode."""

from __future__ import annotations

from typing import Any

import pytest
from mastodon_peer import (  # noqa: F401 (the fixtures)
    SETTINGS,
    MastodonPeer,
    mastodon_peer_fixture,
    mastodon_server_fixture,
    runtime_fixture,
    sqlite_store_fixture,
)

from resonanz.collect import RunReport, run_source
from resonanz.models import Mention, SourceConfig
from resonanz.runtime import Runtime
from resonanz.sources.mastodon import MastodonSource
from resonanz.store import SqlStore


class Listener:
    """A workspace with one Mastodon source; ``run()`` collects it once."""

    def __init__(self, store: SqlStore, runtime: Runtime, options: dict[str, Any]) -> None:
        self.store, self.runtime = store, runtime
        self.ws = store.create_workspace("acme", "ACME")
        config = runtime.source_class("mastodon").validate_config(options, runtime.settings)
        self.source_id = store.add_source(self.ws.id, "mastodon", "m", config).id

    @property
    def source(self) -> SourceConfig:
        return self.store.get_source_by_id(self.source_id)

    def run(self, **kwargs: Any) -> RunReport:
        return run_source(self.store, self.runtime, self.source, **kwargs)

    def mentions(self) -> dict[str, Mention]:
        return {m.native_id: m for m in self.store.iter_mentions(self.ws.id)}


def listen(store: SqlStore, runtime: Runtime, peer: MastodonPeer, **options: Any) -> Listener:
    return Listener(store, runtime, {"instance": peer.url, "streaming": "off", **options})


def test_hashtag_statuses_are_stored_with_every_field(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    text = "Der ICE & die Bahn\n\npünktlich: https://bahn.de #Bahn @bob"
    first = mastodon_peer.post("alice", text, language="de", spoiler_text="Lob")
    reply = mastodon_peer.post("bob", "Stimmt #bahn", in_reply_to_id=first["id"])
    quote = mastodon_peer.post("carol", "Na ja #bahn", quoted_status_id=first["id"])
    mastodon_peer.post("alice", "Wetter ist schön #wetter")
    mastodon_peer.client("bob").status_favourite(first["id"])
    listener = listen(sqlite_store, runtime, mastodon_peer, hashtag="#Bahn")

    report = listener.run()
    assert report.ok, report.error
    assert (report.fetched, report.inserted, report.skipped) == (3, 3, [])
    stored = listener.mentions()
    assert set(stored) == {first["uri"], reply["uri"], quote["uri"]}
    mention = stored[first["uri"]]
    assert mention.platform == "mastodon"
    assert first["content"].startswith("<p>Der ICE &amp; die Bahn</p><p>")
    assert mention.text == text
    assert mention.title == "Lob"
    assert mention.url == first["url"]
    assert mention.lang == "de"
    assert mention.created_at is not None
    assert mention.created_at.isoformat() == first["created_at"]
    assert mention.author is not None
    assert (mention.author.handle, mention.author.name) == ("alice@mock.local", "Alice")
    assert mention.author.url == "https://mock.local/@alice"
    assert mention.author.followers == 0
    assert (mention.engagement.likes, mention.engagement.replies) == (1, 1)
    assert mention.raw["id"] == first["id"] and mention.raw["tags"][0]["name"] == "bahn"
    assert mention.raw["mentions"][0]["acct"] == "bob"
    assert stored[reply["uri"]].reply_to == first["id"]
    assert stored[reply["uri"]].author.followers == 1  # type: ignore[union-attr]
    assert stored[quote["uri"]].quote_of == first["uri"]
    assert listener.source.cursor == {"stream": "tag:bahn", "newest_id": quote["id"]}


def test_new_statuses_between_runs_are_collected_once(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    old = [mastodon_peer.post("alice", f"alt {n} #bahn")["uri"] for n in range(3)]
    listener = listen(sqlite_store, runtime, mastodon_peer, hashtag="bahn", page_size=2)
    first = listener.run()
    # the first run backfills one page (backfill_pages=1): the two newest
    assert (first.inserted, set(listener.mentions())) == (2, set(old[1:]))

    again = listener.run()
    assert (again.fetched, again.inserted) == (0, 0)

    new = [mastodon_peer.post("bob", f"neu {n} #bahn")["uri"] for n in range(5)]
    later = listener.run()
    # forward with min_id, two per page: three pages, each its own batch and cursor
    assert (later.batches, later.fetched, later.inserted, later.updated) == (3, 5, 5, 0)
    assert set(listener.mentions()) == set(old[1:] + new)


def test_a_run_killed_after_a_batch_resumes_without_gap_or_duplicate(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    listener = listen(sqlite_store, runtime, mastodon_peer, hashtag="bahn", page_size=2)
    mastodon_peer.post("alice", "Start #bahn")
    listener.run()
    posted = [mastodon_peer.post("bob", f"Meldung {n} #bahn") for n in range(5)]

    def crash(report: RunReport) -> None:
        raise KeyboardInterrupt  # the process dies right after the first batch is stored

    with pytest.raises(KeyboardInterrupt):
        listener.run(on_batch=crash)
    assert listener.source.cursor["newest_id"] == posted[1]["id"]  # the oldest two, stored

    resumed = listener.run()
    assert (resumed.fetched, resumed.inserted, resumed.updated) == (3, 3, 0)
    assert {p["uri"] for p in posted} <= set(listener.mentions())
    assert sqlite_store.count_mentions(listener.ws.id) == 6


def test_public_and_local_timelines(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    posted = {mastodon_peer.post(u, f"Hallo von {u}")["uri"] for u in ("alice", "bob")}
    mastodon_peer.post("alice", "nur für Folgende", visibility="private")
    public = listen(sqlite_store, runtime, mastodon_peer, mode="public")
    assert public.run().inserted == 2
    assert set(public.mentions()) == posted

    local_config = {"instance": mastodon_peer.url, "mode": "local", "streaming": "off"}
    config = runtime.source_class("mastodon").validate_config(local_config, SETTINGS)
    local = sqlite_store.add_source(public.ws.id, "mastodon", "local", config)
    report = run_source(sqlite_store, runtime, local)
    assert (report.fetched, report.updated) == (2, 2)  # same statuses: stored once
    assert sqlite_store.get_source_by_id(local.id).cursor["stream"] == "local"


def test_search_finds_statuses_and_then_only_newer_ones(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    mastodon_peer.post("alice", "Die Deutsche Bahn streikt")
    mastodon_peer.post("bob", "Ganz anderes Thema")
    listener = listen(
        sqlite_store, runtime, mastodon_peer, query="Bahn", access_token="alice_token"
    )
    assert listener.source.config["mode"] == "search"
    assert listener.run().inserted == 1

    newer = mastodon_peer.post("carol", "Bahnchaos in Köln")
    report = listener.run()
    assert (report.fetched, report.inserted) == (1, 1)  # the older hit is not read again
    assert newer["uri"] in listener.mentions()


def test_mentions_of_the_token_owner(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    public = mastodon_peer.post("alice", "@bob wann fährt der nächste Zug?")
    mastodon_peer.post("carol", "@bob privat", visibility="direct")
    mastodon_peer.post("alice", "ohne Erwähnung")
    listener = listen(
        sqlite_store, runtime, mastodon_peer, mode="mentions", access_token="bob_token"
    )

    report = listener.run()
    assert report.ok, report.error
    assert (report.fetched, report.inserted) == (1, 1)
    assert [s.reason for s in report.skipped] == [
        "not public (visibility direct); include_private=true keeps it"
    ]
    (mention,) = listener.mentions().values()
    assert mention.native_id == public["uri"]
    assert mention.raw_kind == "mastodon_notification"
    assert mention.raw["type"] == "mention" and mention.raw["status"]["id"] == public["id"]
    assert mention.author is not None and mention.author.handle == "alice@mock.local"
    assert listener.run().fetched == 0  # the cursor moved past the skipped direct message


def test_no_backfill_starts_at_the_newest_status_and_a_new_hashtag_starts_afresh(
    mastodon_peer: MastodonPeer,
) -> None:
    mastodon_peer.post("alice", "alt #bahn")
    newest = mastodon_peer.post("alice", "auch alt #bahn")
    config = MastodonSource.validate_config(
        {"instance": mastodon_peer.url, "hashtag": "bahn", "backfill_pages": 0, "streaming": "off"},
        SETTINGS,
    )
    (start,) = MastodonSource(config, SETTINGS).fetch({})
    assert (start.items, start.cursor) == ((), {"stream": "tag:bahn", "newest_id": newest["id"]})
    fresh = mastodon_peer.post("bob", "neu #bahn")
    (batch,) = MastodonSource(config, SETTINGS).fetch(start.cursor)
    assert [i.payload["id"] for i in batch.items] == [fresh["id"]]

    other = {**config, "hashtag": "zug", "backfill_pages": 1}
    zug = mastodon_peer.post("carol", "#zug fährt")
    (batch,) = MastodonSource(other, SETTINGS).fetch(batch.cursor)  # the tag:bahn cursor
    assert [i.payload["id"] for i in batch.items] == [zug["id"]]
    assert batch.cursor == {"stream": "tag:zug", "newest_id": zug["id"]}
