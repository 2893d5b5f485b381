"""save_batch and replace_matches: round trip, dedupe, links, atomicity, health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from resonanz.errors import NotFoundError, StoreError
from resonanz.models import Author, Engagement, TopicMatch, Workspace
from resonanz.store import MentionFilter, SaveResult, SqlStore, writes

AT = datetime(2024, 3, 2, 9, 0, tzinfo=UTC)


def _ids(store: SqlStore, ws: Workspace) -> dict[str, int]:
    return {m.native_id: m.id for m in store.iter_mentions(ws.id) if m.id is not None}


def _links(store: SqlStore) -> dict[int, tuple[int | None, int | None, int | None]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, reply_to_id, repost_of_id, quote_of_id FROM mentions"
        ).all()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def test_round_trip_keeps_every_field(store: SqlStore, ws: Workspace, make_mention) -> None:
    flixbus = store.get_topic(ws.id, "Flixbus")
    raw = {"uri": "at://x/1", "record": {"text": "Grüße", "langs": ["de"]}, "n": None, "f": 1.5}
    original = make_mention(
        "1",
        title="Zugfahrt",
        text="Mit Flixbus nach München 🚌",
        url="https://bsky.app/p/1",
        author=Author("bluesky", "anna.bsky.social", "Anna", 1200, "https://bsky.app/anna"),
        lang="de",
        lang_score=0.93,
        reply_to="0",
        engagement=Engagement(likes=5, reposts=2, replies=1, quotes=0, views=None),
        raw=raw,
        enrichments={"sentiment": {"label": "pos", "score": 0.6}},
        matches=(TopicMatch(flixbus.id, ("flixbus",)),),
    )
    result = store.save_batch(ws.id, [original], at=AT)
    assert result == SaveResult(inserted=1, updated=0, matches=1)
    (stored,) = store.iter_mentions(ws.id)
    assert stored.id is not None
    assert stored == original.with_fields(id=stored.id)
    assert store.get_mention(ws.id, stored.id) == stored
    with pytest.raises(NotFoundError, match="mention 9999 does not exist in workspace"):
        store.get_mention(ws.id, 9999)
    other = store.create_workspace("other", "Other")
    with pytest.raises(NotFoundError):
        store.get_mention(other.id, stored.id)


def test_same_native_item_is_stored_once(store: SqlStore, ws: Workspace, make_mention) -> None:
    first = make_mention("1", handle="anna", followers=10, engagement=Engagement(likes=1))
    assert store.save_batch(ws.id, [first, make_mention("2")]).inserted == 2
    later = first.with_fields(
        collected_at=first.collected_at + timedelta(days=1),
        author=Author("bluesky", "anna", None, 50),
        engagement=Engagement(likes=9, reposts=3),
        lang="de",
        lang_score=0.8,
        enrichments={"sentiment": "neg"},
    )
    result = store.save_batch(ws.id, [later, make_mention("3")])
    assert (result.inserted, result.updated) == (1, 1)
    assert store.count_mentions(ws.id) == 3
    stored = store.get_mention(ws.id, _ids(store, ws)["1"])
    assert stored.engagement == Engagement(likes=9, reposts=3)
    assert stored.collected_at == first.collected_at  # the first sighting stays
    assert stored.author == Author("bluesky", "anna", "Anna", 50)  # name kept, count updated
    assert (stored.lang, stored.lang_score, stored.enrichments) == ("de", 0.8, {"sentiment": "neg"})

    # Without new values nothing is forgotten.
    store.save_batch(ws.id, [first.with_fields(engagement=Engagement(), author=None)])
    again = store.get_mention(ws.id, stored.id or 0)
    assert again.engagement.likes == 9 and again.lang == "de" and again.author is not None
    assert again.enrichments == {"sentiment": "neg"}


def test_duplicates_inside_one_batch(store: SqlStore, ws: Workspace, make_mention) -> None:
    flixbus, bahn = store.get_topic(ws.id, "Flixbus"), store.get_topic(ws.id, "Bahn")
    a = make_mention("1", engagement=Engagement(likes=1), matches=(TopicMatch(flixbus.id, ("a",)),))
    b = a.with_fields(
        collected_at=a.collected_at + timedelta(hours=1),
        engagement=Engagement(likes=2),
        matches=(TopicMatch(bahn.id, ("b",)),),
    )
    result = store.save_batch(ws.id, [a, b, make_mention("", text="no id")])
    assert (result.inserted, result.updated, result.matches) == (1, 0, 2)
    assert result.skipped == ("bluesky:?: no platform or native id",)
    (stored,) = store.iter_mentions(ws.id)
    assert stored.engagement.likes == 2 and stored.collected_at == a.collected_at
    assert {m.topic_id for m in stored.matches} == {flixbus.id, bahn.id}


def test_matches_upsert_replaces_terms(store: SqlStore, ws: Workspace, make_mention) -> None:
    flixbus = store.get_topic(ws.id, "Flixbus")
    m = make_mention("1", matches=(TopicMatch(flixbus.id, ("flix",)),))
    store.save_batch(ws.id, [m])
    store.save_batch(ws.id, [m.with_fields(matches=(TopicMatch(flixbus.id, ("flixbus", "bus")),))])
    (stored,) = store.iter_mentions(ws.id)
    assert stored.matches == (TopicMatch(flixbus.id, ("flixbus", "bus")),)


@pytest.mark.parametrize("link", ["reply_to", "repost_of", "quote_of"])
@pytest.mark.parametrize("original_first", [True, False])
def test_links_resolve_in_either_order(
    store: SqlStore, ws: Workspace, make_mention, link: str, original_first: bool
) -> None:
    original = make_mention("100")
    child = make_mention("200", **{link: "100"})
    unrelated = make_mention("300", **{link: "404"})
    batches = [[original], [child, unrelated]]
    for batch in batches if original_first else batches[::-1]:
        store.save_batch(ws.id, batch)
    ids = _ids(store, ws)
    column = ("reply_to", "repost_of", "quote_of").index(link)
    links = _links(store)
    assert links[ids["200"]][column] == ids["100"]
    assert links[ids["300"]] == (None, None, None)
    assert getattr(store.get_mention(ws.id, ids["200"]), link) == "100"


def test_links_inside_one_batch_and_across_workspaces(
    store: SqlStore, ws: Workspace, make_mention
) -> None:
    other = store.create_workspace("other", "Other")
    store.save_batch(other.id, [make_mention("1")])
    store.save_batch(ws.id, [make_mention("2", quote_of="1"), make_mention("3", reply_to="2")])
    ids = _ids(store, ws)
    links = _links(store)
    assert links[ids["2"]] == (None, None, None)  # "1" lives in another workspace
    assert links[ids["3"]] == (ids["2"], None, None)
    # A different platform with the same native id is a different item.
    store.save_batch(ws.id, [make_mention("1", platform="mastodon")])
    assert _links(store)[ids["2"]] == (None, None, None)
    store.save_batch(ws.id, [make_mention("1")])
    (original,) = store.iter_mentions(
        ws.id, MentionFilter(platform="bluesky", fts=("term", "1", False))
    )
    assert _links(store)[ids["2"]] == (None, None, original.id)


def test_cursor_and_health_are_saved_with_the_batch(
    store: SqlStore, ws: Workspace, make_mention
) -> None:
    src = store.add_source(ws.id, "bluesky", "bsky", {})
    store.record_source_run(src.id, at=AT - timedelta(hours=1), error="timeout")
    store.save_batch(
        ws.id,
        [make_mention("1"), make_mention("2")],
        source_id=src.id,
        cursor={"cursor": "abc"},
        at=AT,
    )
    store.save_batch(
        ws.id,
        [make_mention("2"), make_mention("3")],
        source_id=src.id,
        cursor={"cursor": "def"},
        at=AT + timedelta(minutes=1),
    )
    got = store.get_source_by_id(src.id)
    assert got.cursor == {"cursor": "def"}
    assert got.health.items_total == 3
    assert got.health.last_success_at == AT + timedelta(minutes=1)
    assert got.health.last_error is None
    # No cursor given: the stored one stays.
    store.save_batch(ws.id, [make_mention("4")], source_id=src.id)
    assert store.get_source_by_id(src.id).cursor == {"cursor": "def"}


def _assert_untouched(store: SqlStore, ws: Workspace, source_id: int) -> None:
    assert store.count_mentions(ws.id) == 1
    source = store.get_source_by_id(source_id)
    assert source.cursor == {"page": 1}
    assert source.health.items_total == 1


@pytest.fixture
def prepared(store: SqlStore, ws: Workspace, make_mention) -> int:
    src = store.add_source(ws.id, "bluesky", "bsky", {})
    store.save_batch(ws.id, [make_mention("1")], source_id=src.id, cursor={"page": 1})
    return src.id


def test_constraint_violation_rolls_back_everything(
    store: SqlStore, ws: Workspace, make_mention, prepared: int
) -> None:
    batch = [make_mention("2", handle="new"), make_mention("3", text=None)]  # text is NOT NULL
    with pytest.raises(StoreError, match="saving 2 mentions failed"):
        store.save_batch(ws.id, batch, source_id=prepared, cursor={"page": 2})
    _assert_untouched(store, ws, prepared)
    assert store.count_by(ws.id, "author") == []


def test_unknown_topic_rolls_back_everything(
    store: SqlStore, ws: Workspace, make_mention, prepared: int
) -> None:
    batch = [make_mention("2"), make_mention("3", matches=(TopicMatch(999, ("x",)),))]
    with pytest.raises(NotFoundError, match=r"topic id.* 999 do not exist in workspace"):
        store.save_batch(ws.id, batch, source_id=prepared, cursor={"page": 2})
    _assert_untouched(store, ws, prepared)


def test_crash_after_mentions_rolls_back_everything(
    store: SqlStore,
    ws: Workspace,
    make_mention,
    prepared: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(writes, "_record_success", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save_batch(
            ws.id, [make_mention("2"), make_mention("3")], source_id=prepared, cursor={"page": 2}
        )
    _assert_untouched(store, ws, prepared)


def test_source_of_another_workspace_is_refused(
    store: SqlStore, ws: Workspace, make_mention, prepared: int
) -> None:
    other = store.create_workspace("other", "Other")
    with pytest.raises(NotFoundError, match=f"source {prepared} does not exist in workspace"):
        store.save_batch(other.id, [make_mention("9")], source_id=prepared, cursor={"page": 9})
    assert store.count_mentions(other.id) == 0
    _assert_untouched(store, ws, prepared)
    with pytest.raises(NotFoundError, match="workspace 999 does not exist"):
        store.save_batch(999, [make_mention("9")])
    with pytest.raises(NotFoundError, match="source 999 does not exist in workspace"):
        store.save_batch(ws.id, [make_mention("9")], source_id=999)
    _assert_untouched(store, ws, prepared)


def test_replace_matches(store: SqlStore, ws: Workspace, make_mention) -> None:
    flixbus, bahn = store.get_topic(ws.id, "Flixbus"), store.get_topic(ws.id, "Bahn")
    store.save_batch(
        ws.id,
        [
            make_mention(
                "1", matches=(TopicMatch(flixbus.id, ("f",)), TopicMatch(bahn.id, ("b",)))
            ),
            make_mention("2", matches=(TopicMatch(flixbus.id, ("f",)),)),
        ],
    )
    ids = _ids(store, ws)
    written = store.replace_matches(
        ws.id,
        {ids["1"]: [], ids["2"]: [TopicMatch(flixbus.id, ("flix",)), TopicMatch(bahn.id, ("db",))]},
        [flixbus.id],
    )
    assert written == 1  # the Bahn match is outside topic_ids and ignored
    assert store.get_mention(ws.id, ids["1"]).matches == (TopicMatch(bahn.id, ("b",)),)
    assert store.get_mention(ws.id, ids["2"]).matches == (TopicMatch(flixbus.id, ("flix",)),)
    assert store.count_mentions(ws.id, MentionFilter(topic_id=flixbus.id)) == 1
    with pytest.raises(NotFoundError, match=r"mention id.* 9999 do not exist"):
        store.replace_matches(ws.id, {9999: []}, [flixbus.id])
    other = store.create_workspace("other", "Other")
    with pytest.raises(NotFoundError, match=f"topic id.* {flixbus.id} do not exist"):
        store.replace_matches(other.id, {ids["1"]: []}, [flixbus.id])
    assert store.replace_matches(ws.id, {}, [flixbus.id]) == 0


def test_text_is_cleaned_and_times_are_utc(store: SqlStore, ws: Workspace, make_mention) -> None:
    created = datetime(2024, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    store.save_batch(
        ws.id,
        [
            make_mention(
                "1", text="a\x00b", created_at=created, collected_at=datetime(2024, 1, 2, 10, 0)
            )
        ],
    )
    (stored,) = store.iter_mentions(ws.id)
    assert stored.text == "ab"
    assert stored.created_at == created and stored.created_at.tzinfo is UTC
    assert stored.collected_at == datetime(2024, 1, 2, 10, 0, tzinfo=UTC)
    assert store.count_by(ws.id, "day") == [("2024-01-02", 1)]  # 04:30 UTC on Jan 2


def test_large_batches_with_links(store: SqlStore, ws: Workspace, make_mention) -> None:
    flixbus = store.get_topic(ws.id, "Flixbus")
    match = (TopicMatch(flixbus.id, ("flixbus",)),)
    # Children first (each replies to the next id up), then the originals, > 500 per batch.
    children = [make_mention(str(i), reply_to=str(i + 1200), matches=match) for i in range(1200)]
    originals = [make_mention(str(i)) for i in range(1200, 2400)]
    assert store.save_batch(ws.id, children).matches == 1200
    result = store.save_batch(ws.id, originals + children[:700])
    assert (result.inserted, result.updated) == (1200, 700)
    ids = _ids(store, ws)
    links = _links(store)
    assert all(links[ids[str(i)]][0] == ids[str(i + 1200)] for i in range(1200))
    flt = MentionFilter(topic_id=flixbus.id)
    assert store.count_mentions(ws.id, flt) == 1200
    written = store.replace_matches(ws.id, {ids[str(i)]: [] for i in range(1100)}, [flixbus.id])
    assert written == 0 and store.count_mentions(ws.id, flt) == 100


def test_concurrent_writers_wait_for_each_other(store_url: str, make_mention) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from resonanz.store import open_store

    setup = open_store(store_url)
    workspace = setup.create_workspace("demo", "Demo")
    setup.close()

    def writer(offset: int) -> int:
        with open_store(store_url) as own:
            total = 0
            for k in range(10):
                start = offset + k * 50
                batch = [make_mention(str(i)) for i in range(start, start + 50)]
                total += own.save_batch(workspace.id, batch).inserted
                assert own.count_mentions(workspace.id) >= total  # reads between writes
            return total

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(writer, [0, 100_000, 200_000, 300_000])) == 2000
    with open_store(store_url) as check:
        assert check.count_mentions(workspace.id) == 2000


def test_non_finite_numbers_become_null(store: SqlStore, ws: Workspace, make_mention) -> None:
    raw = {"score": float("nan"), "list": [1.5, float("inf")], "ok": 2}
    store.save_batch(ws.id, [make_mention("1", raw=raw, enrichments={"s": float("-inf")})])
    (stored,) = store.iter_mentions(ws.id)
    assert stored.raw == {"score": None, "list": [1.5, None], "ok": 2}
    assert stored.enrichments == {"s": None}
