"""The alerts REST API: rules and channels CRUD with tokens, secrets write-only, errors per
field, channel tests against the real webhook receiver on 127.0.0.1 (a private target only
where the server allows it), incident history with deliveries. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from resonanz.alerts import rules as alert_rules
from resonanz.config import Settings
from resonanz.web import create_app
from tests.alerts.receiver import SECRET, Route, receiver
from tests.web.conftest import World

API = "/api/v1/workspaces/acme/alerts"


def token_client(app: FastAPI, world: World, role: str, lang: str = "en") -> TestClient:
    """A client with an API token of an acme member (no cookies, no CSRF)."""
    _, secret = world.store.accounts.create_token(
        world.users[role].id, world.ids["acme.workspace"], f"{role} api"
    )
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": lang}
    return TestClient(app, headers=headers)


def test_channels_and_rules_crud_with_secrets_write_only(app: FastAPI, world: World) -> None:
    api = token_client(app, world, "editor")
    with receiver() as peer:
        made = api.post(
            f"{API}/channels",
            json={
                "name": "pr-team",
                "kind": "webhook",
                "config": {"url": peer.url("/hook"), "secret": SECRET, "timeout": 5},
            },
        )
        assert made.status_code == 201, made.text
        channel = made.json()
        assert channel["config"] == {"url": peer.url("/hook"), "secret": "********", "timeout": "5"}
        assert channel["target"].startswith("webhook http://127.0.0.1:")
        listed = api.get(f"{API}/channels")
        assert [c["name"] for c in listed.json()] == ["pr-team"]
        assert SECRET not in listed.text and SECRET not in made.text

        tested = api.post(f"{API}/channels/{channel['id']}/test", json={"lang": "en"})
        assert tested.json() == {"sent": True, "channel": "pr-team"}
        assert len(peer.hits) == 1 and peer.hits[0].signature_ok
        peer.routes["/hook"] = Route(status=404, body=b"no such hook")
        failed = api.post(f"{API}/channels/{channel['id']}/test")
        assert failed.status_code == 502
        error = failed.json()["error"]
        assert error["code"] == "delivery_failed" and "404" in error["message"]
        shown = api.get(f"{API}/channels/{channel['id']}").json()
        assert "404" in shown["last_error"] and shown["last_success_at"] is not None

    topic_id = world.ids["acme.topic"]
    rule = api.post(
        f"{API}/rules",
        json={
            "topic_id": topic_id,
            "detector": "negative_surge",
            "params": {"min_negative": 20, "window_minutes": "30"},
            "quiet_hours": "22:00-06:30",
            "timezone": "Europe/Zurich",
            "lang": "en",
            "channel_ids": [channel["id"]],
        },
    )
    assert rule.status_code == 201, rule.text
    body = rule.json()
    assert body["params"] == {
        "sensitivity": "normal",
        "min_negative": 20,
        "min_ratio": 1.5,
        "window_minutes": 30,
    }
    assert (body["topic"], body["channels"], body["enabled"]) == ("Brand", ["pr-team"], True)
    again = api.post(
        f"{API}/rules",
        json={"topic_id": topic_id, "detector": "negative_surge", "channel_ids": [channel["id"]]},
    )
    assert again.status_code == 422
    assert again.json()["error"]["fields"][0]["field"] == "detector"

    patched = api.patch(
        f"{API}/rules/{body['id']}", json={"params": {"min_ratio": 2}, "quiet_hours": ""}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["params"]["min_ratio"] == 2.0
    assert patched.json()["params"]["min_negative"] == 10  # params are replaced as a whole
    assert patched.json()["quiet_hours"] is None
    off = api.patch(f"{API}/rules/{body['id']}", json={"enabled": False})
    assert off.json()["enabled"] is False and off.json()["params"]["min_ratio"] == 2.0
    assert [r["id"] for r in api.get(f"{API}/rules").json()] == [body["id"]]

    assert api.delete(f"{API}/rules/{body['id']}").status_code == 204
    assert api.get(f"{API}/rules/{body['id']}").status_code == 404
    assert api.delete(f"{API}/channels/{channel['id']}").status_code == 204
    assert api.get(f"{API}/channels").json() == []
    log = world.store.accounts.audit_entries(world.ids["acme.workspace"])
    assert [e.action for e in reversed(log)] == [
        "alert_channel.create",
        "alert_rule.create",
        "alert_rule.update",
        "alert_rule.disable",
        "alert_rule.delete",
        "alert_channel.delete",
    ]
    assert SECRET not in repr(log)


def test_invalid_rules_name_every_field_in_the_callers_language(
    app: FastAPI, world: World, web_settings: Settings
) -> None:
    from resonanz.alerts.channels import add_channel

    acme = world.store.get_workspace("acme")
    config = {"url": "https://hooks.example.org/x", "secret": SECRET}
    channel = add_channel(world.store, web_settings, acme, "ops", "webhook", config)
    other = world.store.get_workspace("other")
    theirs = add_channel(world.store, web_settings, other, "Kanal von other", "webhook", config)
    bad = {
        "topic_id": world.ids["other.topic"],
        "detector": "volume_spike",
        "params": {"min_mentions": 0, "min_ratio": "viel", "surprise": 1},
        "quiet_hours": "22-7",
        "timezone": "Berlin",
        "lang": "fr",
        "channel_ids": [theirs.id],
    }
    for lang, expected in (
        ("en", "Please choose a topic of this workspace."),
        ("de", "Bitte ein Thema dieses Arbeitsbereichs wählen."),
    ):
        answer = token_client(app, world, "editor", lang).post(f"{API}/rules", json=bad)
        assert answer.status_code == 422
        error = answer.json()["error"]
        fields = {f["field"]: f["message"] for f in error["fields"]}
        assert error["code"] == "invalid"
        assert fields["topic_id"] == expected
        assert set(fields) == {
            "topic_id",
            "params.min_ratio",
            "params.surprise",
            "quiet_hours",
            "timezone",
            "lang",
            "channel_ids",
        }
        assert "Kanal von other" not in answer.text
    impossible = dict(
        bad, topic_id=world.ids["acme.topic"], params={"min_mentions": 0}, channel_ids=[channel.id]
    )
    impossible.update(quiet_hours="", timezone="Europe/Berlin", lang="de")
    answer = token_client(app, world, "editor", "de").post(f"{API}/rules", json=impossible)
    assert answer.json()["error"]["fields"] == [
        {"field": "params.min_mentions", "message": "Muss zwischen 1 und 1.000.000 liegen."}
    ]
    assert world.store.alerts.list_rules(acme.id) == []


def test_private_webhook_refused_by_the_api_unless_allowed(
    web_settings: Settings, world: World
) -> None:
    strict = create_app(replace(web_settings, allow_private_targets=False), world.store)
    with receiver() as peer:
        body = {
            "name": "intern",
            "kind": "webhook",
            "config": {"url": peer.url("/"), "secret": SECRET},
        }
        refused = token_client(strict, world, "editor", "de").post(f"{API}/channels", json=body)
        assert refused.status_code == 422
        (field,) = refused.json()["error"]["fields"]
        assert field["field"] == "config.url" and "allow_private_targets" in field["message"]
        assert SECRET not in refused.text
        lenient = create_app(web_settings, world.store)
        assert (
            token_client(lenient, world, "editor").post(f"{API}/channels", json=body).status_code
            == 201
        )
        assert peer.hits == []


def test_viewers_read_editors_change(app: FastAPI, world: World, web_settings: Settings) -> None:
    viewer = token_client(app, world, "viewer")
    assert viewer.get(f"{API}/rules").json() == []
    assert viewer.get(f"{API}/channels").status_code == 200
    detectors = viewer.get(f"{API}/detectors").json()
    assert [d["name"] for d in detectors] == list(alert_rules.DETECTORS)
    assert detectors[0]["defaults"] == alert_rules.DEFAULT_PARAMS[alert_rules.DETECTORS[0]]
    kinds = {k["kind"]: k["fields"] for k in viewer.get(f"{API}/channel-kinds").json()}
    assert {"email", "webhook", "slack", "matrix"} <= set(kinds)
    assert [f["name"] for f in kinds["webhook"] if f["secret"]] == ["secret"]
    body = {"name": "x", "kind": "webhook", "config": {"url": "https://example.org/h"}}
    refused = viewer.post(f"{API}/channels", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_incident_history_with_deliveries_and_their_errors(
    app: FastAPI, world: World, web_settings: Settings
) -> None:
    from resonanz.alerts.channels import add_channel, add_rule

    store = world.store
    acme = store.get_workspace("acme")
    config = {"url": "https://hooks.example.org/x", "secret": SECRET}
    channel = add_channel(store, web_settings, acme, "ops", "webhook", config)
    rule = add_rule(store, acme, "Brand", "volume_spike", {}, channels=["ops"])
    now = datetime.now(UTC)
    incident = store.alerts.save_incident(
        {
            "workspace_id": acme.id,
            "rule_id": rule.id,
            "topic_id": rule.topic_id,
            "kind": "volume_spike",
            "subject": "",
            "status": "open",
            "started_at": now,
            "last_seen_at": now,
            "notified_ratio": 4.0,
            "notified_at": now,
            "peak_ratio": 4.0,
            "sequence": 0,
            "observed": 80,
            "expected": 20.0,
            "explanation": "80 mentions in the last 15 min, expected 20",
            "mention_ids": [world.ids["acme.mention"]],
        },
        incident_id=None,
        messages={channel.id: {"title": "t"}},
        send_at=now,
        at=now,
    )
    (delivery,) = store.alerts.deliveries([incident])
    store.alerts.update_delivery(
        delivery.id, status="failed", attempts=8, next_attempt_at=now, error="webhook: HTTP 410"
    )
    viewer = token_client(app, world, "viewer")
    (shown,) = viewer.get(f"{API}/incidents").json()
    assert shown["explanation"] == "80 mentions in the last 15 min, expected 20"
    assert shown["mention_ids"] == [world.ids["acme.mention"]]
    (sent,) = shown["deliveries"]
    assert (sent["channel"], sent["status"], sent["last_error"]) == (
        "ops",
        "failed",
        "webhook: HTTP 410",
    )
    by_topic = viewer.get(f"{API}/incidents", params={"topic_id": rule.topic_id}).json()
    assert [i["id"] for i in by_topic] == [incident]
    foreign = viewer.get(f"{API}/incidents", params={"topic_id": world.ids["other.topic"]})
    assert foreign.status_code == 404
