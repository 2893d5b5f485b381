"""Best time to post: the workspace's own posts (mentions written by its channels'
accounts) per hour of the week, shrunk, with intervals; too few posts fall back to the
audience's activity, labelled. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resonanz.analytics.best_time import best_time
from resonanz.models import Author, Engagement, Mention, TopicMatch

from .conftest import World

NOW = datetime(2027, 2, 1, tzinfo=UTC)  # a Monday
MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # the first of twelve weeks of history


def _at(week: int, weekday: int, hour: int) -> datetime:
    return MONDAY + timedelta(weeks=week, days=weekday, hours=hour)


def _mention(native: str, when: datetime, handle: str, likes: int, **more: object) -> Mention:
    return Mention(
        platform="bluesky",
        native_id=native,
        text=f"Beitrag {native}",
        collected_at=when + timedelta(hours=1),
        created_at=when,
        author=Author(platform="bluesky", handle=handle),
        engagement=Engagement(likes=likes, reposts=0, replies=0),
        raw={},
        raw_kind="bluesky",
        **more,  # type: ignore[arg-type]
    )


def _history(world: World) -> None:
    """Twelve weeks: the account's Tuesday 10:00 UTC posts get ~100 likes, its posts at
    four other hours ~5; other people mention the topic mostly on Wednesday 18:00."""
    topic = world.store.add_topic(world.workspace.id, "Acme", "acme", "brand")
    batch = []
    for week in range(12):
        batch.append(_mention(f"t{week}", _at(week, 1, 10), "ACME.test", 90 + week * 2))
        for weekday, hour in ((0, 8), (2, 14), (3, 16), (4, 12)):
            likes = 3 + (week + weekday) % 5
            batch.append(
                _mention(f"o{week}-{weekday}", _at(week, weekday, hour), "acme.test", likes)
            )
        for i in range(3):
            batch.append(
                _mention(
                    f"a{week}-{i}",
                    _at(week, 2, 18) + timedelta(minutes=i),
                    f"fan{i}",
                    1,
                    matches=(TopicMatch(topic.id, ("acme",)),),
                )
            )
        batch.append(
            _mention(
                f"b{week}", _at(week, 5, 9), "fan9", 1, matches=(TopicMatch(topic.id, ("acme",)),)
            )
        )
    world.store.save_batch(world.workspace.id, batch)


def test_own_posts_pick_the_hour_they_did_best(world: World) -> None:
    channel = world.channel("s", kind="bluesky", handle="acme.test")
    _history(world)
    got = best_time(world.store, world.workspace.id, [channel], now=NOW)
    assert (got.source, got.enough, got.posts) == ("own_posts", True, 60)
    top = got.hours[0]
    assert (top.label, top.posts) == ("tue 10:00", 12)
    # Shrunk towards the overall mean, below the raw geometric mean of ~100 likes, and
    # the interval holds the estimate; the hour surely beats the mean.
    assert top.low < top.engagement < top.high and 30 < top.engagement < 110
    assert top.p_better > 0.99
    assert got.overall is not None and got.overall < top.low
    assert all(h.engagement < top.engagement for h in got.hours[1:])
    # The same posts in Berlin time (winter, UTC+1).
    berlin = best_time(
        world.store, world.workspace.id, [channel], now=NOW, timezone="Europe/Berlin"
    )
    assert berlin.hours[0].label == "tue 11:00"


def test_too_few_own_posts_fall_back_to_the_audience(world: World) -> None:
    channel = world.channel("s", kind="bluesky", handle="acme.test")
    _history(world)
    got = best_time(world.store, world.workspace.id, [channel], now=NOW, min_posts=100)
    assert (got.source, got.enough, got.posts, got.hours) == ("audience", False, 60, ())
    assert "not enough data: 60 own posts" in got.notes[0]
    assert "audience" in got.notes[1]
    top = got.audience[0]
    assert (top.label, top.mentions) == ("wed 18:00", 36)
    assert got.audience[1].label == "sat 09:00" and got.audience[1].mentions == 12
    assert len(got.audience) == 2  # own posts match no topic: not the audience


def test_a_channel_without_listened_posts_says_so(world: World) -> None:
    channel = world.channel("m", account="@nobody")
    got = best_time(world.store, world.workspace.id, [channel], now=NOW)
    assert (got.source, got.posts, got.audience) == ("audience", 0, ())
    assert got.notes[0].startswith("not enough data: 0 own posts")
