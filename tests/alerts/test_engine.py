"""The alert engine on a real store (SQLite and PostgreSQL) with a real webhook receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from resonanz import secrets
from resonanz.alerts import engine
from resonanz.alerts.rules import Channel, check_params, check_quiet_hours, check_timezone
from resonanz.config import Settings
from resonanz.errors import ConflictError, ValidationError
from resonanz.models import Author, Mention, TopicMatch, Workspace
from resonanz.store import SqlStore
from tests.alerts.receiver import SECRET, Receiver, Route, receiver

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday, 13:00 in Berlin


@pytest.fixture
def settings(tmp_path: object) -> Settings:
    return Settings(
        data_dir=str(tmp_path),
        allow_private_targets=True,
        encryption_key=secrets.new_key(),
    )


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def _mentions(topic_id: int, times: list[datetime], prefix: str) -> list[Mention]:
    return [
        Mention(
            platform="bluesky",
            native_id=f"{prefix}{i}",
            text=f"db post {i}",
            collected_at=t,
            created_at=t,
            raw={},
            raw_kind="test",
            author=Author(platform="bluesky", handle=f"user{i % 50}", followers=10),
            matches=(TopicMatch(topic_id, ("db",)),),
        )
        for i, t in enumerate(times)
    ]


def _channel(store: SqlStore, settings: Settings, hook: Receiver, ws_id: int) -> Channel:
    encrypted = secrets.encrypt(settings, json.dumps({"secret": SECRET}))
    return store.alerts.add_channel(
        ws_id, "ops", "webhook", {"url": hook.url("/hook")}, encrypted, at=NOW
    )


def _by(handle: str, followers: int, topic_id: int) -> Mention:
    at = NOW - timedelta(minutes=2)
    return Mention(
        platform="bluesky",
        native_id=handle,
        text="DB again",
        collected_at=at,
        created_at=at,
        raw={},
        raw_kind="test",
        author=Author(platform="bluesky", handle=handle, followers=followers),
        matches=(TopicMatch(topic_id, ("db",)),),
    )


def _setup(store: SqlStore, settings: Settings, hook: Receiver) -> tuple[Workspace, int]:
    ws = store.create_workspace("bahn", "Bahn PR")
    topic = store.add_topic(ws.id, "DB", "db", "brand")
    channel = _channel(store, settings, hook, ws.id)
    store.alerts.add_rule(
        ws.id,
        topic.id,
        "volume_spike",
        check_params("volume_spike", {}),
        quiet_hours=None,
        timezone="Europe/Berlin",
        lang="de",
        channel_ids=[channel.id],
        at=NOW,
    )
    # A quiet day: one mention every two minutes, then 80 in the last three minutes.
    day = [NOW - timedelta(hours=24) + timedelta(minutes=2 * i) for i in range(700)]
    store.save_batch(ws.id, _mentions(topic.id, day, "q"))
    burst = [NOW - timedelta(seconds=170) + timedelta(seconds=2 * i) for i in range(80)]
    store.save_batch(ws.id, _mentions(topic.id, burst, "b"))
    return ws, topic.id


def test_spike_opens_one_incident_delivers_and_resolves(
    store: SqlStore, settings: Settings, hook: Receiver
) -> None:
    ws, _ = _setup(store, settings, hook)
    report = engine.check(store, settings, ws, now=NOW)
    assert (report.opened, report.errors) == (1, [])
    incident = store.alerts.history(ws.id)[0]
    assert incident.status == "open" and incident.observed >= 80
    assert "Erwähnungen in den letzten" in incident.explanation
    assert "letzten 24 Stunden" in incident.explanation
    assert len(incident.mention_ids) == engine.EXAMPLES

    sent = engine.deliver(store, settings, now=NOW)
    assert (sent.sent, sent.errors) == (1, [])
    assert len(hook.hits) == 1 and hook.hits[0].signature_ok
    body = json.loads(hook.hits[0].body)
    assert body["status"] == "opened" and body["topic"] == "DB"
    assert body["url"].endswith("/w/bahn/mentions?topic=DB")

    # The next tick sees the same incident: no second message.
    assert engine.check(store, settings, ws, now=NOW + timedelta(minutes=1)).opened == 0
    assert engine.deliver(store, settings, now=NOW + timedelta(minutes=1)).sent == 0
    # Quiet for 30 minutes: resolved, and that is said too.
    later = NOW + timedelta(minutes=35)
    assert engine.check(store, settings, ws, now=later).resolved == 1
    assert engine.deliver(store, settings, now=later).sent == 1
    assert json.loads(hook.hits[-1].body)["status"] == "resolved"
    assert store.alerts.history(ws.id)[0].status == "resolved"


def test_failed_deliveries_are_retried_or_stopped_and_visible(
    store: SqlStore, settings: Settings, hook: Receiver
) -> None:
    hook.routes["/hook"] = Route(status=503)
    ws, _ = _setup(store, settings, hook)
    engine.check(store, settings, ws, now=NOW)
    first = engine.deliver(store, settings, now=NOW)
    assert (first.sent, first.retried) == (0, 1)
    [delivery] = store.alerts.deliveries([store.alerts.history(ws.id)[0].id])
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at > NOW + timedelta(seconds=20)
    assert "503" in (delivery.last_error or "")
    # Not due yet: nothing is sent again.
    assert engine.deliver(store, settings, now=NOW + timedelta(seconds=5)).retried == 0
    # The receiver recovers; the retry goes through.
    hook.routes["/hook"] = Route(status=200)
    assert engine.deliver(store, settings, now=NOW + timedelta(minutes=2)).sent == 1
    channel = store.alerts.get_channel(ws.id, "ops")
    assert channel.last_success_at is not None and channel.last_error is not None


def test_permanent_failure_stops_at_once(
    store: SqlStore, settings: Settings, hook: Receiver
) -> None:
    hook.routes["/hook"] = Route(status=410)
    ws, _ = _setup(store, settings, hook)
    engine.check(store, settings, ws, now=NOW)
    report = engine.deliver(store, settings, now=NOW)
    assert report.failed == 1 and "410" in report.errors[0]
    [delivery] = store.alerts.deliveries([store.alerts.history(ws.id)[0].id])
    assert delivery.status == "failed"
    assert engine.deliver(store, settings, now=NOW + timedelta(hours=2)).failed == 0


def test_quiet_hours_hold_the_message_until_they_end(
    store: SqlStore, settings: Settings, hook: Receiver
) -> None:
    ws = store.create_workspace("w", "W")
    topic = store.add_topic(ws.id, "DB", "db", "brand")
    channel = _channel(store, settings, hook, ws.id)
    # 12:00 UTC is 13:00 in Berlin: quiet 12:30-14:00 local holds it until 12:00 UTC + 1 h.
    store.alerts.add_rule(
        ws.id,
        topic.id,
        "volume_spike",
        check_params("volume_spike", {}),
        quiet_hours="12:30-14:00",
        timezone="Europe/Berlin",
        lang="en",
        channel_ids=[channel.id],
        at=NOW,
    )
    burst = [NOW - timedelta(seconds=170) + timedelta(seconds=2 * i) for i in range(80)]
    store.save_batch(ws.id, _mentions(topic.id, burst, "b"))
    assert engine.check(store, settings, ws, now=NOW).opened == 1
    assert engine.deliver(store, settings, now=NOW).sent == 0
    assert engine.deliver(store, settings, now=NOW + timedelta(hours=1)).sent == 1


def test_new_high_reach_author_is_reported_once(
    store: SqlStore, settings: Settings, hook: Receiver
) -> None:
    ws = store.create_workspace("w", "W")
    topic = store.add_topic(ws.id, "DB", "db", "brand")
    channel = _channel(store, settings, hook, ws.id)
    store.alerts.add_rule(
        ws.id,
        topic.id,
        "new_author",
        check_params("new_author", {"min_followers": 50_000}),
        quiet_hours=None,
        timezone="UTC",
        lang="en",
        channel_ids=[channel.id],
        at=NOW - timedelta(minutes=5),
    )
    star, small = _by("star", 120_000, topic.id), _by("small", 10, topic.id)
    store.save_batch(ws.id, [star, small])
    report = engine.check(store, settings, ws, now=NOW)
    assert report.opened == 1
    [incident] = store.alerts.history(ws.id)
    assert incident.subject == "bluesky:star" and "120,000 followers" in incident.explanation
    assert engine.check(store, settings, ws, now=NOW + timedelta(minutes=1)).opened == 0
    assert engine.deliver(store, settings, now=NOW).sent == 1


def test_rule_settings_are_checked(store: SqlStore, settings: Settings, hook: Receiver) -> None:
    with pytest.raises(ValidationError, match="min_ratio must be above 1"):
        check_params("volume_spike", {"min_ratio": 0.5})
    with pytest.raises(ValidationError, match="sensitivity must be one of"):
        check_params("volume_spike", {"sensitivity": "extreme"})
    with pytest.raises(ValidationError, match="unknown detector"):
        check_params("sentiment_drop", {})
    with pytest.raises(ValidationError, match="22:00-07:00"):
        check_quiet_hours("25:00-07:00")
    with pytest.raises(ValidationError, match="IANA"):
        check_timezone("Mars/Olympus")
    ws, topic_id = _setup(store, settings, hook)
    with pytest.raises(ConflictError):
        store.alerts.add_rule(
            ws.id,
            topic_id,
            "volume_spike",
            {},
            quiet_hours=None,
            timezone="UTC",
            lang="en",
            channel_ids=[],
            at=NOW,
        )
