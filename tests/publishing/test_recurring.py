"""Recurring posts: occurrences made a horizon ahead, once each (also with two stores
advancing at once), at their wall time in the zone across DST, missed ones skipped,
edit and stop affecting future occurrences only. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from resonanz.errors import StoreError, ValidationError
from resonanz.publishing.models import Receipt
from resonanz.publishing.recurrence import Rule, make_rule, occurrences
from resonanz.publishing.series import NewSeries, edit_series, make_due, new_series, stop_series
from resonanz.store import open_store
from resonanz.store.post_series import series_of
from resonanz.store.publishing import publishing_store
from tests.at_once import run_at_once

from .conftest import World

BERLIN = "Europe/Berlin"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _new(world: World, classes: dict[str, type], text: str, **options: Any) -> NewSeries:
    """A series to channel "m" (created by the test first)."""
    return new_series(world.pub, classes, world.workspace.id, text, ["m"], **options)


def _scheduled(world: World, series_id: int) -> list[tuple[str, datetime | None, str]]:
    posts = [p for p in world.pub.list_posts(world.workspace.id, include_deleted=True)]
    made = {o.post_id for o in series_of(world.pub).occurrence_posts(series_id)}
    return [(p.local_time or "", p.scheduled_at, p.status) for p in posts if p.id in made]


def test_weekly_keeps_the_wall_time_across_dst_and_is_made_once(
    world: World, classes: dict[str, type]
) -> None:
    world.channel("m")
    now = _t("2027-03-20 12:00")
    created = _new(
        world,
        classes,
        "Wochenstart",
        at="2027-03-22 09:00",
        timezone=BERLIN,
        repeat="weekly",
        on="mon,thu",
        count=4,
        now=now,
    )
    assert created.made.post_ids  # the first occurrence at once
    make_due(world.pub, now=now)
    make_due(world.pub, now=now)  # again: nothing new
    got = _scheduled(world, created.series.id)
    # Clocks go forward on 2027-03-28: 09:00 CET is 08:00 UTC, 09:00 CEST 07:00 UTC.
    assert [(local, at) for local, at, _ in got] == [
        ("2027-03-22 09:00", _t("2027-03-22 08:00")),
        ("2027-03-25 09:00", _t("2027-03-25 08:00")),
        ("2027-03-29 09:00", _t("2027-03-29 07:00")),
        ("2027-04-01 09:00", _t("2027-04-01 07:00")),
    ]
    deliveries = world.pub.deliveries(world.workspace.id)
    assert [d.state for d in deliveries] == ["scheduled"] * 4
    assert [d.due_at for d in deliveries] == [at for _, at, _ in got]
    series = series_of(world.pub).get(world.workspace.id, created.series.id)
    assert (series.status, series.made, series.next_local) == ("finished", 4, None)


def test_only_the_horizon_is_made_ahead(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    now = _t("2027-01-01 00:00")
    created = _new(
        world,
        classes,
        "Täglich",
        at="2027-01-01 10:00",
        timezone="UTC",
        repeat="daily",
        now=now,
        horizon=timedelta(days=2),
    )
    make_due(world.pub, now=now, horizon=timedelta(days=2))
    assert [local for local, _, _ in _scheduled(world, created.series.id)] == [
        "2027-01-01 10:00",
        "2027-01-02 10:00",
    ]
    make_due(world.pub, now=now + timedelta(days=1), horizon=timedelta(days=2))
    assert len(_scheduled(world, created.series.id)) == 3
    assert series_of(world.pub).get(world.workspace.id, created.series.id).next_local == (
        "2027-01-04 10:00"
    )


def test_a_time_in_the_spring_gap_follows_the_documented_rule(
    world: World, classes: dict[str, type]
) -> None:
    world.channel("m")
    now = _t("2027-03-26 00:00")
    created = _new(
        world,
        classes,
        "Nachts",
        at="2027-03-27 02:30",
        timezone=BERLIN,
        repeat="daily",
        count=3,
        now=now,
    )
    make_due(world.pub, now=now)
    # 02:30 does not exist on 2027-03-28 in Berlin: published at 03:30 CEST (01:30 UTC).
    assert [at for _, at, _ in _scheduled(world, created.series.id)] == [
        _t("2027-03-27 01:30"),
        _t("2027-03-28 01:30"),
        _t("2027-03-29 00:30"),
    ]


def test_missed_occurrences_are_skipped_and_counted(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    start = _t("2027-01-01 00:00")
    created = _new(
        world,
        classes,
        "Täglich",
        at="2027-01-01 10:00",
        timezone="UTC",
        repeat="daily",
        count=5,
        now=start,
        horizon=timedelta(hours=12),
    )
    # No scheduler ran until the 4th at 09:00: the 2nd and 3rd are skipped, not sent late.
    make_due(world.pub, now=_t("2027-01-04 09:00"), horizon=timedelta(hours=2))
    got = [local for local, _, _ in _scheduled(world, created.series.id)]
    assert got == ["2027-01-01 10:00", "2027-01-04 10:00"]
    series = series_of(world.pub).get(world.workspace.id, created.series.id)
    assert series.made == 4 and series.next_local == "2027-01-05 10:00"
    assert series.note is not None and "2027-01-03 10:00" in series.note


def test_edit_and_stop_change_future_occurrences_only(
    world: World, classes: dict[str, type]
) -> None:
    world.channel("m")
    now = _t("2027-01-01 00:00")
    created = _new(
        world,
        classes,
        "Alt",
        at="2027-01-01 10:00",
        timezone="UTC",
        repeat="daily",
        now=now,
        horizon=timedelta(days=3),
    )
    make_due(world.pub, now=now, horizon=timedelta(days=3))
    # The first occurrence is published.
    due = _t("2027-01-01 10:00")
    (claimed,) = world.pub.claim_due("r1", now=due, lease_s=60, limit=1)
    attempt = world.pub.begin_send(claimed.id, "r1", now=due, lease_s=60)
    assert not isinstance(attempt, str)
    world.pub.finish_sent(attempt, Receipt("101"), now=due)
    later = _t("2027-01-01 12:00")
    _, edited = edit_series(
        world.pub, classes, world.workspace.id, created.series.id, "Neu", now=later
    )
    assert len(edited) == 2
    texts = {p.local_time: p.text for p in world.pub.list_posts(world.workspace.id)}
    assert texts == {
        "2027-01-01 10:00": "Alt",
        "2027-01-02 10:00": "Neu",
        "2027-01-03 10:00": "Neu",
    }
    make_due(world.pub, now=later, horizon=timedelta(days=4))  # made from now on: "Neu"
    assert world.pub.list_posts(world.workspace.id)[-1].text == "Neu"
    series, deleted = stop_series(world.pub, world.workspace.id, created.series.id, now=later)
    assert series.status == "stopped" and len(deleted) == 4
    left = world.pub.list_posts(world.workspace.id)
    assert [(p.local_time, p.text) for p in left] == [("2027-01-01 10:00", "Alt")]
    make_due(world.pub, now=later + timedelta(days=3))
    assert len(world.pub.list_posts(world.workspace.id)) == 1


def test_two_stores_making_at_once_make_each_occurrence_once(
    world: World, classes: dict[str, type], store_url: str
) -> None:
    world.channel("m")
    now = _t("2027-01-01 00:00")
    created = _new(
        world,
        classes,
        "Täglich",
        at="2027-01-01 10:00",
        timezone="UTC",
        repeat="daily",
        count=30,
        now=now,
        horizon=timedelta(0),
    )
    stores = [open_store(store_url) for _ in range(3)]
    errors = run_at_once(
        [
            lambda one=one: make_due(publishing_store(one), now=now, horizon=timedelta(days=40))
            for one in stores
        ]
    )
    for opened in stores:
        opened.close()
    assert not errors
    got = [local for local, _, _ in _scheduled(world, created.series.id)]
    assert len(got) == 30 and len(set(got)) == 30
    # The key itself refuses a second copy of an occurrence.
    import sqlalchemy as sa

    from resonanz.store.schema import posts

    first = world.pub.list_posts(world.workspace.id)[0]
    with pytest.raises(StoreError), world.store._write("copying an occurrence") as conn:
        conn.execute(
            sa.insert(posts).values(
                workspace_id=world.workspace.id,
                text="x",
                variants={},
                status="draft",
                timezone="UTC",
                version=1,
                created_at=now,
                updated_at=now,
                series_id=created.series.id,
                occurrence=first.local_time,
            )
        )


def test_bad_rules_store_nothing(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    now = _t("2027-01-01 00:00")
    bad: list[dict[str, Any]] = [
        {"repeat": "hourly"},
        {"repeat": "weekly", "on": "mon,funday"},
        {"repeat": "daily", "until": "2027-01-05", "count": 3},
        {"repeat": "daily", "until": "2026-12-01"},
        {"repeat": "monthly", "on": "mon"},
    ]
    for options in bad:
        with pytest.raises(ValidationError):
            _new(
                world,
                classes,
                "x",
                at="2027-01-02 10:00",
                timezone="UTC",
                now=now,
                **options,
            )
    with pytest.raises(ValidationError, match="501 characters"):
        _new(
            world,
            classes,
            "x" * 501,
            at="2027-01-02 10:00",
            timezone="UTC",
            repeat="daily",
            now=now,
        )
    assert series_of(world.pub).all(world.workspace.id) == []
    assert world.pub.list_posts(world.workspace.id) == []


def test_monthly_rule_uses_the_last_day_of_short_months() -> None:
    rule = make_rule("monthly", datetime(2027, 1, 31, 9, 0), count=4)
    assert list(occurrences(rule)) == [
        "2027-01-31 09:00",
        "2027-02-28 09:00",
        "2027-03-31 09:00",
        "2027-04-30 09:00",
    ]
    until = Rule("weekly", "18:00", date(2027, 1, 1), weekdays=(4,), until=date(2027, 1, 15))
    assert list(occurrences(until)) == ["2027-01-01 18:00", "2027-01-08 18:00", "2027-01-15 18:00"]
    assert Rule.from_json(until.to_json()) == until


def test_the_scheduler_tick_makes_due_occurrences(world: World, classes: dict[str, type]) -> None:
    from resonanz.publishing.scheduler import Scheduler

    from .conftest import SETTINGS

    world.channel("m")
    start = _t("2027-01-01 00:00")
    created = _new(
        world,
        classes,
        "Täglich",
        at="2027-01-01 10:00",
        timezone="UTC",
        repeat="daily",
        now=start,
        horizon=timedelta(0),
    )
    # Paused: the tick makes occurrences but sends nothing (no platform needed here).
    world.pub.pause(world.workspace.id, reason="test", at=start)
    moment = [start + timedelta(days=3)]
    scheduler = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=lambda: moment[0])
    report = scheduler.tick()
    made = [p.post_id for p in series_of(world.pub).occurrence_posts(created.series.id)]
    # 01-01 made at creation; 01-02 and 01-03 were missed; 01-04 .. 01-17 lie ahead.
    assert len(report.occurrences) == 14 and report.occurrences == made[1:]
    assert scheduler.tick().occurrences == []
    moment[0] += timedelta(days=1)
    assert len(scheduler.tick().occurrences) == 1
    scheduler.close()


def test_a_series_whose_channels_are_gone_stops(world: World, classes: dict[str, type]) -> None:
    world.channel("m")
    now = _t("2027-01-01 00:00")
    created = _new(
        world,
        classes,
        "Täglich",
        at="2027-01-01 10:00",
        timezone="UTC",
        repeat="daily",
        now=now,
        horizon=timedelta(0),
    )
    world.pub.remove_channel(world.workspace.id, "m", at=now)
    made = make_due(world.pub, now=now + timedelta(days=1))
    assert made[0].post_ids == () and "none of its channels" in made[0].skipped[0][1]
    series = series_of(world.pub).get(world.workspace.id, created.series.id)
    assert series.status == "stopped" and series.note is not None
    assert make_due(world.pub, now=now + timedelta(days=2)) == []
