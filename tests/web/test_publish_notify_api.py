"""REST: GET/PUT /api/v1/workspaces/{slug}/publishing/notifications (admins choose, any
member reads; an unknown alert channel is a 422 that names it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from resonanz.alerts.channels import add_channel
from resonanz.config import Settings
from resonanz.web import create_app
from tests.web.conftest import World

PATH = "/api/v1/workspaces/acme/publishing/notifications"


@pytest.fixture
def client(world: World, web_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings, world.store)) as test_client:
        yield test_client


def _auth(world: World, role: str) -> dict[str, str]:
    acme = world.ids["acme.workspace"]
    _, secret = world.store.accounts.create_token(world.users[role].id, acme, f"{role} t")
    return {"Authorization": f"Bearer {secret}"}


def test_admins_choose_channels_and_everyone_reads(
    world: World, client: TestClient, web_settings: Settings
) -> None:
    acme = world.store.get_workspace("acme")
    add_channel(
        world.store,
        web_settings,
        acme,
        "pr-hook",
        "webhook",
        {"url": "https://hooks.example.org/resonanz", "secret": "a-shared-secret-0123456789"},
    )
    empty = client.get(PATH, headers=_auth(world, "viewer"))
    assert empty.status_code == 200 and empty.json()["channels"] == []
    assert "needs_attention" in empty.json()["events"]
    body = {"channels": ["pr-hook"], "lang": "en"}
    assert client.put(PATH, json=body, headers=_auth(world, "editor")).status_code == 403
    saved = client.put(PATH, json=body, headers=_auth(world, "admin"))
    assert saved.status_code == 200, saved.text
    assert saved.json()["channels"] == ["pr-hook"] and saved.json()["lang"] == "en"
    assert client.get(PATH, headers=_auth(world, "viewer")).json()["channels"] == ["pr-hook"]
    wrong = client.put(PATH, json={"channels": ["nope"]}, headers=_auth(world, "admin"))
    assert wrong.status_code == 422 and "no alert channel named 'nope'" in wrong.text
    french = client.put(PATH, json={"channels": [], "lang": "fr"}, headers=_auth(world, "admin"))
    assert french.status_code == 422
    body = {"channels": ["pr-hook"], "events": ["approval_requested", "approved"]}
    chosen = client.put(PATH, json=body, headers=_auth(world, "admin"))
    assert chosen.status_code == 200 and chosen.json()["events"] == body["events"]
    assert "rejected" in chosen.json()["known_events"]
    body["events"] = ["boom"]
    bad = client.put(PATH, json=body, headers=_auth(world, "admin"))
    assert bad.status_code == 422 and "no publishing event named 'boom'" in bad.text
    stop = client.put(PATH, json={"channels": []}, headers=_auth(world, "admin"))
    assert stop.status_code == 200 and stop.json()["channels"] == []
