"""Sources page and API: health, adding feeds with the CLI's checks, masking, roles, 404s."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from resonanz import secrets
from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.runtime import Runtime
from resonanz.sources.configure import decrypted_config, masked_config
from resonanz.web import create_app
from tests.web.conftest import World, csrf_of, log_in

Login = Callable[[str], TestClient]
PUBLIC_FEED = "https://93.184.216.34/feed.xml"  # a public address: no DNS needed


def test_list_shows_health(login: Login, world: World) -> None:
    source = world.ids["acme.source"]
    world.store.record_source_run(
        source, at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), error="HTTP 500 from feed"
    )
    page = login("viewer").get("/w/acme/sources")
    assert page.status_code == 200
    assert "Feed" in page.text and "https://example.org/feed.xml" in page.text
    assert "HTTP 500 from feed" in page.text and "failing" in page.text
    assert "Add an RSS or Atom feed" not in page.text  # viewers cannot add


def test_editor_adds_a_feed_and_viewer_cannot(login: Login, world: World) -> None:
    viewer = login("viewer")
    form = {"csrf_token": csrf_of(viewer), "url": PUBLIC_FEED}
    assert viewer.post("/w/acme/sources", data=form).status_code == 403
    editor = login("editor")
    form = {"csrf_token": csrf_of(editor), "url": PUBLIC_FEED, "name": "News"}
    answer = editor.post("/w/acme/sources", data=form, follow_redirects=False)
    assert answer.status_code == 303
    added = world.store.get_source(world.ids["acme.workspace"], "News")
    assert added.config == {"url": PUBLIC_FEED}
    assert (
        world.store.accounts.audit_entries(world.ids["acme.workspace"])[0].action == "source.create"
    )


def test_private_address_is_refused_with_a_clear_message(login: Login, world: World) -> None:
    client = login("editor")
    empty = client.post("/w/acme/sources", data={"csrf_token": csrf_of(client), "url": " "})
    assert empty.status_code == 422 and "Please enter the feed&#39;s address." in empty.text
    form = {"csrf_token": csrf_of(client), "url": "http://10.1.2.3/feed.xml"}
    answer = client.post("/w/acme/sources", data=form)
    assert answer.status_code == 422
    assert "private or local network" in answer.text
    assert 'value="http://10.1.2.3/feed.xml"' in answer.text
    api = client.post(
        "/api/v1/workspaces/acme/sources",
        json={"url": "http://127.0.0.1/feed"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert api.status_code == 422 and "private" in api.json()["error"]["message"]
    names = [s.name for s in world.store.list_sources(world.ids["acme.workspace"])]
    assert names == ["Feed"]


def test_private_address_allowed_when_the_server_says_so(
    web_settings: Settings, world: World
) -> None:
    app = create_app(replace(web_settings, allow_private_targets=True), world.store)
    with TestClient(app) as client:
        log_in(client, world.users["editor"].email)
        form = {"csrf_token": csrf_of(client), "url": "http://10.1.2.3/feed.xml"}
        assert client.post("/w/acme/sources", data=form, follow_redirects=False).status_code == 303


def test_secrets_are_masked(login: Login, world: World) -> None:
    config = {
        "url": "https://bob:hunter2@example.org/feed",
        "api_token": "s3cret",
        "password": "pw",
    }
    world.store.add_source(world.ids["acme.workspace"], "rss", "Private", config)
    client = login("viewer")
    page = client.get("/w/acme/sources")
    api = client.get("/api/v1/workspaces/acme/sources")
    for text in (page.text, api.text):
        assert "hunter2" not in text and "s3cret" not in text and ">pw<" not in text
    shown = next(s for s in api.json() if s["name"] == "Private")["config"]
    assert shown["password"] != "pw" and shown["api_token"] != "s3cret"
    assert masked_config({"nested": {"secret": "x"}})["nested"]["secret"] != "x"


def test_enable_disable_remove(login: Login, world: World) -> None:
    client = login("editor")
    source = world.ids["acme.source"]
    token = csrf_of(client)
    client.post(f"/w/acme/sources/{source}/enabled", data={"csrf_token": token, "enabled": "0"})
    assert not world.store.get_source_by_id(source).enabled
    client.post(f"/w/acme/sources/{source}/enabled", data={"csrf_token": token, "enabled": "1"})
    assert world.store.get_source_by_id(source).enabled
    client.post(f"/w/acme/sources/{source}/delete", data={"csrf_token": token})
    assert world.store.list_sources(world.ids["acme.workspace"]) == []


def test_api_crud_and_other_workspace(login: Login, world: World) -> None:
    client = login("editor")
    headers = {"X-CSRF-Token": csrf_of(client)}
    base = "/api/v1/workspaces/acme/sources"
    created = client.post(base, json={"url": PUBLIC_FEED}, headers=headers)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert client.get(f"{base}/{sid}").json()["health"]["state"] == "new"
    patched = client.patch(f"{base}/{sid}", json={"enabled": False}, headers=headers)
    assert patched.json()["enabled"] is False
    assert client.delete(f"{base}/{sid}", headers=headers).status_code == 204
    other = world.ids["other.source"]
    assert client.get(f"{base}/{other}").status_code == 404
    assert (
        client.patch(f"{base}/{other}", json={"enabled": False}, headers=headers).status_code == 404
    )
    assert client.delete(f"{base}/{other}", headers=headers).status_code == 404
    assert (
        client.post(
            f"/w/acme/sources/{other}/delete", data={"csrf_token": headers["X-CSRF-Token"]}
        ).status_code
        == 404
    )
    assert world.store.get_source_by_id(other).enabled
    viewer = login("viewer")
    vh = {"X-CSRF-Token": csrf_of(viewer)}
    assert viewer.post(base, json={"url": PUBLIC_FEED}, headers=vh).status_code == 403


class TokenSource:
    """Test double of a platform connector (named as such): needs a 'tag' and an
    'access_token', fetches nothing. Lets the web's generic adding be tested alone."""

    kind = "tokened"
    target_key = "tag"

    def __init__(self, config: Mapping[str, Any], settings: Settings) -> None:
        self.config = config

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        unknown = set(config) - {"tag", "access_token"}
        if unknown:
            raise ConfigError(f"unknown tokened option(s) {', '.join(sorted(unknown))}")
        if not config.get("access_token"):
            raise ConfigError("a tokened source needs an 'access_token'")
        return dict(config)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        return f"#{config['tag']}"


def _with_connector(app: FastAPI, settings: Settings) -> None:
    base = Runtime.load(settings, load_entry_points=False)
    app.state.runtime = replace(base, sources={**base.sources, "tokened": TokenSource})


def test_editor_adds_a_connector_with_encrypted_credentials(
    app: FastAPI, web_settings: Settings, world: World
) -> None:
    _with_connector(app, web_settings)
    with TestClient(app) as client:
        log_in(client, world.users["editor"].email)
        page = client.get("/w/acme/sources")
        assert 'value="tokened"' in page.text and 'value="file"' not in page.text
        form = {
            "csrf_token": csrf_of(client),
            "kind": "tokened",
            "target": "bahn",
            "options": "# the app's token\naccess_token = tok-SECRET\n",
        }
        assert client.post("/w/acme/sources", data=form, follow_redirects=False).status_code == 303
        added = world.store.get_source(world.ids["acme.workspace"], "#bahn")
        assert secrets.is_encrypted(added.config["access_token"])
        entry = world.store.accounts.audit_entries(world.ids["acme.workspace"])[0]
        assert entry.detail == {"kind": "tokened", "options": ["access_token"]}
        listing = (
            client.get("/w/acme/sources").text + client.get("/api/v1/workspaces/acme/sources").text
        )
        assert "tok-SECRET" not in listing and added.config["access_token"] not in listing

        bad = dict(form, options="access_token tok")
        answer = client.post("/w/acme/sources", data=bad)
        assert answer.status_code == 422 and "Line 1 is not of the form key=value" in answer.text
        missing = dict(form, options="", target="x")
        answer = client.post("/w/acme/sources", data=missing)
        assert answer.status_code == 422 and "needs an &#39;access_token&#39;" in answer.text
        unknown = {"csrf_token": csrf_of(client), "kind": "file", "target": "/etc/passwd"}
        assert client.post("/w/acme/sources", data=unknown).status_code == 422


def test_paused_source_is_shown_and_renewed_in_the_page_and_api(
    app: FastAPI, web_settings: Settings, world: World
) -> None:
    _with_connector(app, web_settings)
    ws = world.ids["acme.workspace"]
    with TestClient(app) as client:
        log_in(client, world.users["editor"].email)
        headers = {"X-CSRF-Token": csrf_of(client)}
        base = "/api/v1/workspaces/acme/sources"
        body = {"kind": "tokened", "target": "oebb", "options": {"access_token": "old"}}
        created = client.post(base, json=body, headers=headers)
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        world.store.record_source_run(
            sid, at=datetime.now(UTC), error="401: token revoked", attention=True
        )
        page = client.get("/w/acme/sources").text
        assert "needs attention" in page and "Renew credentials" in page
        assert client.get(f"{base}/{sid}").json()["health"]["attention"] == "401: token revoked"

        form = {"csrf_token": headers["X-CSRF-Token"], "options": "access_token=new"}
        answer = client.post(f"/w/acme/sources/{sid}/options", data=form, follow_redirects=False)
        assert answer.status_code == 303
        renewed = world.store.get_source_by_id(sid)
        assert renewed.health.attention is None
        assert decrypted_config(web_settings, renewed.config)["access_token"] == "new"

        patched = client.patch(
            f"{base}/{sid}", json={"options": {"colour": "red"}}, headers=headers
        )
        assert patched.status_code == 422 and "colour" in patched.json()["error"]["message"]
        assert world.store.get_source(ws, "#oebb").config == renewed.config
