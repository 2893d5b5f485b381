"""The alerts page: incidents with explanation and delivery state, rules, channels."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from resonanz import secrets
from resonanz.alerts.rules import check_params
from resonanz.config import Settings
from tests.web.conftest import World


def test_alerts_page_shows_incidents_rules_and_channels(
    login: Callable[[str], TestClient], world: World, web_settings: Settings
) -> None:
    store = world.store
    ws_id, topic_id = world.ids["acme.workspace"], world.ids["acme.topic"]
    now = datetime.now(UTC)
    key_settings = web_settings
    channel = store.alerts.add_channel(
        ws_id,
        "pr-team",
        "webhook",
        {"url": "https://hooks.example.org/resonanz"},
        secrets.encrypt(key_settings, json.dumps({"secret": "webhook-secret-xyz"})),
        at=now,
    )
    rule = store.alerts.add_rule(
        ws_id,
        topic_id,
        "volume_spike",
        check_params("volume_spike", {}),
        quiet_hours="22:00-07:00",
        timezone="Europe/Berlin",
        lang="en",
        channel_ids=[channel.id],
        at=now,
    )
    store.alerts.save_incident(
        {
            "workspace_id": ws_id,
            "rule_id": rule.id,
            "topic_id": topic_id,
            "kind": "volume_spike",
            "subject": "",
            "status": "open",
            "started_at": now,
            "last_seen_at": now,
            "notified_ratio": 5.0,
            "notified_at": now,
            "peak_ratio": 5.0,
            "sequence": 0,
            "observed": 412,
            "expected": 40.0,
            "explanation": "412 mentions in the last 15 min, expected 40 ± 9",
            "mention_ids": [],
        },
        incident_id=None,
        messages={channel.id: {"title": "t"}},
        send_at=now,
        at=now,
    )
    page = login("viewer").get("/w/acme/alerts")
    assert page.status_code == 200
    text = page.text
    assert "412 mentions in the last 15 min, expected 40 ± 9" in text
    assert "pr-team #0: pending" in text
    assert "22:00-07:00 (Europe/Berlin)" in text
    assert "/w/acme/mentions?topic=Brand&amp;since=" in text
    assert "hooks.example.org" in text and "webhook-secret-xyz" not in text
    german = login("viewer").get("/w/acme/alerts?lang=de")
    assert "Vorfälle" in german.text and "Erwähnungsspitze" in german.text


def test_alerts_page_of_another_workspace_is_not_shown(login: Callable[[str], TestClient]) -> None:
    assert login("stranger").get("/w/acme/alerts").status_code in (403, 404)
