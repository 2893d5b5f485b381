"""Hashtag suggestions: co-occurring hashtags (support, lift) of the mentions that share
words with the draft, and hashtags trending in the draft's topics. SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from resonanz.analytics.hashtag_suggestions import suggest_hashtags
from resonanz.models import Author, Mention, TopicMatch

from .conftest import World

NOW = datetime(2027, 2, 1, tzinfo=UTC)
DRAFT = "Zugausfall beim Bahnstreik #bahn"


def _mention(native: str, text: str, days_ago: float, topic: int) -> Mention:
    when = NOW - timedelta(days=days_ago)
    return Mention(
        platform="bluesky",
        native_id=native,
        text=text,
        collected_at=when,
        created_at=when,
        author=Author(platform="bluesky", handle=f"user{native}"),
        raw={},
        raw_kind="bluesky",
        matches=(TopicMatch(topic, ("x",)),),
    )


def _listening(world: World) -> None:
    ws = world.workspace.id
    bahn = world.store.add_topic(ws, "Bahn", "bahn OR bahnstreik OR zugausfall", "brand").id
    kaffee = world.store.add_topic(ws, "Kaffee", "kaffee", "brand").id
    batch = []
    # 8 + 4 + 2 + 3 = 17 mentions share words with the draft (the context).
    for i in range(8):  # 6 of the 8 in the last week
        batch.append(_mention(f"g{i}", "Zugausfall in Köln #gdl #bahn", 2 if i < 6 else 12, bahn))
    for i in range(4):  # 3 of 4 in the last week: #gdl 9 recent, 3 before
        text = "Bahnstreik heute #gdl #pendeln"
        batch.append(_mention(f"p{i}", text, 3 if i < 3 else 15, bahn))
    for i in range(2):
        batch.append(_mention(f"s{i}", "Bahnstreik #selten", 4, bahn))  # support 2 < 3
    for i in range(3):
        batch.append(_mention(f"m{i}", "Zugausfall #montag", 10, bahn))
    # 33 others: #montag is common everywhere (lift < 1), trending but in another topic.
    for i in range(30):
        batch.append(_mention(f"k{i}", "Kaffee am Morgen #montag", 1, kaffee))
    for i in range(3):  # new in the Bahn topic, sharing no word with the draft
        batch.append(_mention(f"w{i}", "Neuer #warnstreik angekündigt", 1, bahn))
    world.store.save_batch(ws, batch)


def test_cooccurring_hashtags_by_support_and_lift(world: World) -> None:
    _listening(world)
    got = suggest_hashtags(world.store, world.workspace.id, DRAFT, now=NOW)
    assert (got.mentions, got.context) == (50, 17)
    lift = (12 / 17) / (12 / 50)  # #gdl: 12 of the 17 in the context, 12 of all 50
    lift_pendeln = (4 / 17) / (4 / 50)
    assert [(s.tag, s.count, s.lift) for s in got.cooccurring] == [
        ("#gdl", 12, round(lift, 2)),
        ("#pendeln", 4, round(lift_pendeln, 2)),
    ]
    assert got.cooccurring[0].score == round(12 * math.log2(lift), 3)
    why = got.cooccurring[0].why
    assert "in 12 of 17 recent mentions" in why and "(most with '#bahn', 'zugausfall')" in why
    # #bahn is in the draft; #selten has too little support; #montag a lift below 1.
    tags = {s.tag for s in got.cooccurring}
    assert not tags & {"#bahn", "#selten", "#montag"}


def test_trending_in_the_drafts_topics(world: World) -> None:
    _listening(world)
    got = suggest_hashtags(world.store, world.workspace.id, DRAFT, now=NOW)
    assert got.topics == ("Bahn",)
    # Daily rate in the last 7 days over the 21 days before (+1 smoothing there).
    ratio_warn = (3 / 7) / (1 / 21)
    ratio_gdl = (9 / 7) / ((3 + 1) / 21)
    ratio_pendeln = (3 / 7) / ((1 + 1) / 21)
    assert [(s.tag, s.count, s.score) for s in got.trending] == [
        ("#warnstreik", 3, round(ratio_warn, 2)),
        ("#gdl", 9, round(ratio_gdl, 2)),
        ("#pendeln", 3, round(ratio_pendeln, 2)),
    ]
    assert "mentions of Bahn in the last 7 days" in got.trending[0].why
    # A draft about coffee gets the coffee topic's trend, #montag.
    coffee = suggest_hashtags(world.store, world.workspace.id, "Kaffee!", now=NOW)
    assert coffee.topics == ("Kaffee",)
    assert [s.tag for s in coffee.trending] == ["#montag"]


def test_no_listening_data_suggests_nothing(world: World) -> None:
    got = suggest_hashtags(world.store, world.workspace.id, DRAFT, now=NOW)
    assert (got.mentions, got.context, got.cooccurring, got.trending) == (0, 0, (), ())
