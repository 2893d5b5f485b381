"""Alert rules and channels edited on the alerts pages: errors next to their fields in
German and English, typed values kept, secrets never shown back, roles, the audit log, and
test messages through a real webhook receiver on 127.0.0.1. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resonanz.alerts import rules as alert_rules
from resonanz.config import Settings
from resonanz.web import create_app
from tests.alerts.receiver import SECRET, Route, receiver
from tests.web.conftest import World, csrf_of, log_in


def client_for(app: FastAPI, world: World, role: str) -> tuple[TestClient, str]:
    """A logged-in client and its CSRF token."""
    client = log_in(TestClient(app), world.users[role].email)
    return client, csrf_of(client)


def field_error(html: str, field_id: str) -> str:
    """The text of the error element with this id ('' when none)."""
    match = re.search(rf'<small id="{re.escape(field_id)}" class="field-error">([^<]*)<', html)
    return match.group(1) if match else ""


def input_value(html: str, name: str, field_id: str = '[^"]*') -> str | None:
    """The value of the first input named ``name`` (with this id, when given)."""
    pattern = rf'id="{field_id}" name="{re.escape(name)}"(?: type="[^"]*")? value="([^"]*)"'
    match = re.search(pattern, html)
    return match.group(1) if match else None


def audit(world: World) -> list[tuple[str, str, dict[str, object]]]:
    ws = world.ids["acme.workspace"]
    entries = world.store.accounts.audit_entries(ws)
    return [(e.action, e.target, e.detail) for e in reversed(entries)]


def test_editor_adds_tests_and_removes_a_webhook_channel(
    app: FastAPI, world: World, web_settings: Settings
) -> None:
    client, csrf = client_for(app, world, "editor")
    with receiver() as peer:
        added = client.post(
            "/w/acme/alerts/channels",
            data={
                "csrf_token": csrf,
                "kind": "webhook",
                "name": "pr-team",
                "config.url": peer.url("/hook"),
                "config.secret": SECRET,
            },
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text
        channel = world.store.alerts.get_channel(world.ids["acme.workspace"], "pr-team")
        assert channel.config == {"url": peer.url("/hook")}
        stored = world.store.alerts.channel_secrets(channel.id) or ""
        assert stored and SECRET not in stored  # encrypted at rest
        page = client.get("/w/acme/alerts")
        assert "pr-team" in page.text and SECRET not in page.text

        tested = client.post(
            f"/w/acme/alerts/channels/{channel.id}/test?lang=de", data={"csrf_token": csrf}
        )
        assert "Testnachricht gesendet." in tested.text
        assert len(peer.hits) == 1 and peer.hits[0].signature_ok
        assert json.loads(peer.hits[0].body)["lang"] == "de"

        peer.routes["/hook"] = Route(status=500, body=b"receiver broke")
        failed = client.post(
            f"/w/acme/alerts/channels/{channel.id}/test?lang=en", data={"csrf_token": csrf}
        )
        assert "The test message could not be sent:" in failed.text
        assert "500" in failed.text and SECRET not in failed.text
        again = world.store.alerts.get_channel_by_id(channel.id)
        assert again.last_error and "500" in again.last_error

    removed = client.post(
        f"/w/acme/alerts/channels/{channel.id}/delete",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert world.store.alerts.list_channels(world.ids["acme.workspace"]) == []
    log = audit(world)
    assert [a for a, _t, _d in log] == ["alert_channel.create", "alert_channel.delete"]
    assert log[0][2] == {"kind": "webhook", "settings": ["secret", "url"]}
    assert SECRET not in repr(log)


def test_channel_errors_next_to_fields_in_both_languages_secrets_not_echoed(
    app: FastAPI, world: World
) -> None:
    client, csrf = client_for(app, world, "editor")
    form = {
        "csrf_token": csrf,
        "kind": "webhook",
        "name": "ops",
        "config.url": "ftp://hooks.example.org/x",
        "config.secret": "long-enough-secret-1",
    }
    english = client.post("/w/acme/alerts/channels?lang=en", data=form)
    assert english.status_code == 422
    assert "Not usable: must be an https:// or http:// URL" in field_error(
        english.text, "ch-webhook-url-error"
    )
    assert input_value(english.text, "config.url", "ch-webhook-url") == "ftp://hooks.example.org/x"
    assert input_value(english.text, "name", "ch-webhook-name") == "ops"
    assert input_value(english.text, "config.url", "ch-email-url") == ""  # other forms empty
    assert "long-enough-secret-1" not in english.text

    german = client.post("/w/acme/alerts/channels?lang=de", data={**form, "name": ""})
    assert german.status_code == 422
    assert field_error(german.text, "ch-webhook-name-error") == "Bitte gib einen Namen ein."
    assert field_error(german.text, "ch-webhook-url-error").startswith("Nicht verwendbar:")
    assert "long-enough-secret-1" not in german.text

    short = client.post(
        "/w/acme/alerts/channels?lang=de",
        data={**form, "config.url": "https://hooks.example.org/x", "config.secret": "kurz"},
    )
    assert field_error(short.text, "ch-webhook-secret-error").startswith("Nicht verwendbar:")
    assert "16" in field_error(short.text, "ch-webhook-secret-error")
    missing = client.post("/w/acme/alerts/channels?lang=en", data={**form, "config.secret": ""})
    assert field_error(missing.text, "ch-webhook-secret-error") == "Please fill in this field."
    assert world.store.alerts.list_channels(world.ids["acme.workspace"]) == []


def test_private_network_webhook_refused_unless_the_server_allows_it(
    web_settings: Settings, world: World
) -> None:
    strict = create_app(replace(web_settings, allow_private_targets=False), world.store)
    client, csrf = client_for(strict, world, "editor")
    with receiver() as peer:
        form = {
            "csrf_token": csrf,
            "kind": "webhook",
            "name": "intern",
            "config.url": peer.url("/hook"),
            "config.secret": SECRET,
        }
        refused = client.post("/w/acme/alerts/channels?lang=de", data=form)
        assert refused.status_code == 422
        message = field_error(refused.text, "ch-webhook-url-error")
        assert "privaten oder lokalen Netz" in message and "allow_private_targets" in message
        english = client.post("/w/acme/alerts/channels?lang=en", data=form)
        assert "private or local network" in field_error(english.text, "ch-webhook-url-error")
        assert world.store.alerts.list_channels(world.ids["acme.workspace"]) == []

        # Added while private targets were allowed; the server no longer allows them.
        lenient = create_app(web_settings, world.store)
        other, other_csrf = client_for(lenient, world, "editor")
        made = other.post("/w/acme/alerts/channels", data={**form, "csrf_token": other_csrf})
        assert made.status_code == 200 and "intern" in made.text
        channel = world.store.alerts.get_channel(world.ids["acme.workspace"], "intern")
        tested = client.post(
            f"/w/acme/alerts/channels/{channel.id}/test?lang=en", data={"csrf_token": csrf}
        )
        assert "The test message could not be sent:" in tested.text
        assert "allow_private_targets" in tested.text
        assert peer.hits == []


def _rule_form(csrf: str, channel_id: int, topic_id: int, **changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": csrf,
        "topic_id": str(topic_id),
        "detector": "volume_spike",
        "params.sensitivity": "high",
        "params.min_mentions": "25",
        "params.min_ratio": "2,5",  # a German decimal comma
        "quiet_hours": "22:00-07:00",
        "timezone": "Europe/Vienna",
        "lang": "en",
        "channel_ids": [str(channel_id)],
    }
    form.update(changes)
    return form


def _channel(world: World, settings: Settings, name: str = "pr-team") -> int:
    from resonanz.alerts.channels import add_channel

    ws = world.store.get_workspace("acme")
    config = {"url": "https://hooks.example.org/resonanz", "secret": SECRET}
    return add_channel(world.store, settings, ws, name, "webhook", config).id


def test_rule_errors_next_to_their_fields_and_typed_values_kept(
    app: FastAPI, world: World, web_settings: Settings
) -> None:
    channel_id = _channel(world, web_settings)
    client, csrf = client_for(app, world, "editor")
    bad = _rule_form(
        csrf,
        channel_id,
        world.ids["acme.topic"],
        **{
            "params.min_mentions": "zehn",
            "params.min_ratio": "0.5",
            "quiet_hours": "25:00-07:00",
            "timezone": "Mars/Olympus",
        },
    )
    bad["channel_ids"] = []
    english = client.post("/w/acme/alerts/rules/new?lang=en", data=bad)
    assert english.status_code == 422
    page = english.text
    assert field_error(page, "p-min_mentions-error") == "Please enter a whole number."
    assert field_error(page, "e-quiet_hours").startswith("Please use the form 22:00-07:00")
    assert field_error(page, "e-timezone").startswith("Unknown time zone")
    assert field_error(page, "e-channel_ids") == "Please choose at least one channel."
    assert input_value(page, "params.min_mentions") == "zehn"
    assert input_value(page, "quiet_hours") == "25:00-07:00"
    assert input_value(page, "timezone") == "Mars/Olympus"
    assert '<option value="high" selected>' in page

    # The number parses; the threshold is impossible: check_params' range, translated.
    fixed = {**bad, "params.min_mentions": "25"}
    german = client.post("/w/acme/alerts/rules/new?lang=de", data=fixed)
    assert german.status_code == 422
    assert (
        field_error(german.text, "p-min_ratio-error")
        == "Muss größer als 1 und höchstens 1000 sein."
    )
    assert field_error(german.text, "e-channel_ids") == "Bitte mindestens einen Kanal wählen."
    assert field_error(german.text, "e-quiet_hours").startswith("Bitte in der Form 22:00-07:00")
    assert input_value(german.text, "params.min_ratio") == "0.5"
    other_topic = _rule_form(csrf, channel_id, world.ids["other.topic"])
    foreign = client.post("/w/acme/alerts/rules/new?lang=en", data=other_topic)
    assert field_error(foreign.text, "e-topic_id") == "Please choose a topic of this workspace."
    assert world.store.alerts.list_rules(world.ids["acme.workspace"]) == []


def test_rule_added_changed_switched_off_and_removed(
    app: FastAPI, world: World, web_settings: Settings
) -> None:
    channel_id = _channel(world, web_settings)
    second = _channel(world, web_settings, "social")
    ws = world.ids["acme.workspace"]
    client, csrf = client_for(app, world, "editor")
    form = _rule_form(csrf, channel_id, world.ids["acme.topic"])
    added = client.post("/w/acme/alerts/rules/new", data=form, follow_redirects=False)
    assert added.status_code == 303, added.text
    (rule,) = world.store.alerts.list_rules(ws)
    assert rule.params == {"sensitivity": "high", "min_mentions": 25, "min_ratio": 2.5}
    assert (rule.quiet_hours, rule.timezone, rule.lang) == ("22:00-07:00", "Europe/Vienna", "en")
    twice = client.post("/w/acme/alerts/rules/new?lang=en", data=form)
    assert field_error(twice.text, "e-detector") == (
        "This topic already has a rule with this detector."
    )

    edit = client.get(f"/w/acme/alerts/rules/{rule.id}")
    assert input_value(edit.text, "params.min_mentions") == "25"
    assert input_value(edit.text, "quiet_hours") == "22:00-07:00"
    changed = client.post(
        f"/w/acme/alerts/rules/{rule.id}",
        data={
            "csrf_token": csrf,
            "params.sensitivity": "low",
            "params.min_mentions": "",  # empty: the default
            "params.min_ratio": "3",
            "quiet_hours": "",
            "timezone": "Europe/Berlin",
            "lang": "de",
            "channel_ids": [str(channel_id), str(second)],
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    now = world.store.alerts.get_rule_by_id(rule.id)
    assert now.params == {"sensitivity": "low", "min_mentions": 10, "min_ratio": 3.0}
    assert (now.quiet_hours, now.lang, now.channel_ids) == (None, "de", (channel_id, second))
    wrong = client.post(
        f"/w/acme/alerts/rules/{rule.id}?lang=en",
        data={"csrf_token": csrf, "params.min_ratio": "1", "channel_ids": [str(second)]},
    )
    assert wrong.status_code == 422
    assert field_error(wrong.text, "p-min_ratio-error") == "Must be more than 1 and at most 1000."
    assert world.store.alerts.get_rule_by_id(rule.id) == now  # nothing half-saved

    off = client.post(
        f"/w/acme/alerts/rules/{rule.id}/enabled",
        data={"csrf_token": csrf, "enabled": "0"},
        follow_redirects=False,
    )
    assert off.status_code == 303 and not world.store.alerts.get_rule_by_id(rule.id).enabled
    assert "switched off" in client.get("/w/acme/alerts?lang=en").text
    gone = client.post(
        f"/w/acme/alerts/rules/{rule.id}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303 and world.store.alerts.list_rules(ws) == []
    log = audit(world)
    assert [a for a, _t, _d in log] == [
        "alert_rule.create",
        "alert_rule.update",
        "alert_rule.disable",
        "alert_rule.delete",
    ]
    assert log[0][1] == "Brand/volume_spike"
    assert log[1][2]["channels"] == ["pr-team", "social"]


def test_viewers_see_no_forms_and_cannot_change_anything(
    app: FastAPI, world: World, web_settings: Settings, login: Callable[[str], TestClient]
) -> None:
    channel_id = _channel(world, web_settings)
    viewer = login("viewer")
    page = viewer.get("/w/acme/alerts")
    assert page.status_code == 200 and "pr-team" in page.text
    assert "/alerts/channels" not in page.text and "/alerts/rules/new" not in page.text
    csrf = csrf_of(viewer)
    for path in (
        "/w/acme/alerts/channels",
        f"/w/acme/alerts/channels/{channel_id}/test",
        f"/w/acme/alerts/channels/{channel_id}/delete",
        "/w/acme/alerts/rules/new",
    ):
        answer = viewer.post(path, data={"csrf_token": csrf, "name": "x", "kind": "webhook"})
        assert answer.status_code == 403, path
    assert viewer.get("/w/acme/alerts/rules/new").status_code == 403
    assert len(world.store.alerts.list_channels(world.ids["acme.workspace"])) == 1


def test_the_rule_form_follows_the_detectors_defined_in_rules_py(
    login: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A detector added to DETECTORS/DEFAULT_PARAMS gets its fields from its defaults."""
    monkeypatch.setattr(alert_rules, "DETECTORS", (*alert_rules.DETECTORS, "test_growth"))
    monkeypatch.setitem(
        alert_rules.DEFAULT_PARAMS,
        "test_growth",
        {"sensitivity": "normal", "min_size": 8, "min_growth": 1.5, "merge": True},
    )
    client = login("editor")
    form = client.get("/w/acme/alerts/rules/new?lang=en")
    assert '<option value="test_growth"' in form.text
    for detector, defaults in alert_rules.DEFAULT_PARAMS.items():
        part = client.get(f"/w/acme/alerts/rules/params?detector={detector}").text
        for name in defaults:
            assert f'name="params.{name}"' in part, (detector, name)
    part = client.get("/w/acme/alerts/rules/params?detector=test_growth&lang=de").text
    assert input_value(part, "params.min_size") == "8"
    assert input_value(part, "params.min_growth") == "1.5"
    assert '<option value="true" selected>' in part and "eine ganze Zahl" in part
