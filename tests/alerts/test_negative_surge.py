"""The negative-sentiment surge detector: its test, and the engine on a real store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from scipy.stats import binom

from resonanz import secrets
from resonanz.alerts import engine
from resonanz.alerts.rules import check_params
from resonanz.analytics.surges import SurgeParams, binomial_tail, find_surge
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.models import Author, Mention, TopicMatch, Workspace
from resonanz.store import SqlStore
from tests.alerts.receiver import SECRET, Receiver, receiver

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("k", "n", "p"), [(1, 1, 0.2), (5, 20, 0.2), (30, 40, 0.2), (0, 5, 0.5)])
def test_binomial_tail_matches_scipy(k: int, n: int, p: float) -> None:
    assert binomial_tail(k, n, p) == pytest.approx(binom.sf(k - 1, n, p), rel=1e-9)
    assert binomial_tail(n + 1, n, p) == 0.0


def test_surge_needs_improbable_share_enough_negatives_and_a_ratio() -> None:
    params = SurgeParams()
    # usual: 20 % negative over 1,000 mentions
    finding = find_surge(30, 40, 200, 1000, params)
    assert finding is not None and finding.ratio > 3
    assert "30 of 40 mentions in the last 60 min were negative (75 %), usually 20 %" in (
        finding.explain("en")
    )
    assert "30 von 40 Erwähnungen" in finding.explain("de")
    assert find_surge(9, 9, 200, 1000, params) is None  # fewer than min_negative
    assert find_surge(12, 48, 200, 1000, params) is None  # 25 %: the usual share
    assert find_surge(0, 0, 200, 1000, params) is None
    # a young topic is judged against an even prior, not against zero
    assert find_surge(10, 14, 0, 0, params) is None
    assert find_surge(40, 40, 0, 0, params) is not None


def test_rule_settings_are_checked() -> None:
    merged = check_params("negative_surge", {"min_negative": 5})
    assert merged == {
        "sensitivity": "normal",
        "min_negative": 5,
        "min_ratio": 1.5,
        "window_minutes": 60,
    }
    for bad in ({"min_ratio": 1.0}, {"window_minutes": 2}, {"sensitivity": "extreme"}):
        with pytest.raises(ValidationError):
            check_params("negative_surge", bad)
    with pytest.raises(ValidationError, match="unknown setting"):
        check_params("negative_surge", {"min_followers": 3})


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def _posts(topic_id: int, times: list[datetime], prefix: str, negative_every: int) -> list[Mention]:
    out = []
    for i, t in enumerate(times):
        label = "negative" if i % negative_every == 0 else "neutral"
        out.append(
            Mention(
                platform="bluesky",
                native_id=f"{prefix}{i}",
                text=f"{label} post {i}",
                collected_at=t,
                created_at=t,
                raw={},
                raw_kind="test",
                author=Author(platform="bluesky", handle=f"user{i % 40}"),
                matches=(TopicMatch(topic_id, ("db",)),),
                enrichments={"sentiment": {"label": label, "score": 0.0, "model": "test"}},
            )
        )
    return out


def _setup(store: SqlStore, settings: Settings, hook: Receiver) -> tuple[Workspace, int]:
    ws = store.create_workspace("bahn", "Bahn PR")
    topic = store.add_topic(ws.id, "DB", "db", "brand")
    encrypted = secrets.encrypt(settings, json.dumps({"secret": SECRET}))
    channel = store.alerts.add_channel(
        ws.id, "ops", "webhook", {"url": hook.url("/hook")}, encrypted, at=NOW
    )
    store.alerts.add_rule(
        ws.id,
        topic.id,
        "negative_surge",
        check_params("negative_surge", {}),
        quiet_hours=None,
        timezone="Europe/Berlin",
        lang="de",
        channel_ids=[channel.id],
        at=NOW,
    )
    # Three days with every fifth mention negative, one mention every five minutes.
    days = [NOW - timedelta(days=3) + timedelta(minutes=5 * i) for i in range(3 * 288 - 12)]
    store.save_batch(ws.id, _posts(topic.id, days, "d", 5))
    return ws, topic.id


def test_surge_opens_an_incident_with_negative_examples_and_resolves(
    store: SqlStore, hook: Receiver, tmp_path: object
) -> None:
    settings = Settings(
        data_dir=str(tmp_path), allow_private_targets=True, encryption_key=secrets.new_key()
    )
    ws, topic_id = _setup(store, settings, hook)
    assert engine.check(store, settings, ws, now=NOW).opened == 0  # nothing unusual

    # The last 40 minutes: 48 mentions, three of four negative.
    crisis = [NOW - timedelta(minutes=40) + timedelta(seconds=50 * i) for i in range(48)]
    store.save_batch(ws.id, _posts(topic_id, crisis, "c", 1)[:36])
    store.save_batch(ws.id, _posts(topic_id, crisis[36:], "n", 10_000)[1:])
    report = engine.check(store, settings, ws, now=NOW)
    assert (report.opened, report.errors) == (1, [])
    incident = store.alerts.history(ws.id)[0]
    assert incident.kind == "negative_surge"
    assert "waren negativ" in incident.explanation and "sonst 20 %" in incident.explanation
    stored = [store.get_mention(ws.id, i) for i in incident.mention_ids]
    assert stored and all(m.enrichments["sentiment"]["label"] == "negative" for m in stored)
    sent = engine.deliver(store, settings, now=NOW)
    assert (sent.sent, sent.errors) == (1, [])
    body = json.loads(hook.hits[0].body)
    assert body["status"] == "opened" and "Negative Stimmung" in body["title"]

    # Two quiet hours later the surge has left the window: resolved.
    later = NOW + timedelta(hours=2)
    assert engine.check(store, settings, ws, now=later).resolved == 1
