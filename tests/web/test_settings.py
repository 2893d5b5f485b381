"""Settings page and API: name, members, invitations, tokens, language, audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.web import create_app
from tests.web.conftest import World, csrf_of, log_in
from tests.web.smtp_peer import PASSWORD, USER, smtp_peer

Login = Callable[[str], TestClient]


def _ws(world: World) -> int:
    return world.ids["acme.workspace"]


def test_sections_by_role(login: Login) -> None:
    viewer = login("viewer").get("/w/acme/settings")
    assert viewer.status_code == 200
    assert 'id="tokens"' in viewer.text and 'id="members"' not in viewer.text
    admin = login("admin").get("/w/acme/settings")
    assert 'id="members"' in admin.text and "viewer@acme.test" in admin.text
    assert login("editor").get("/w/acme/settings/audit").status_code == 403


def test_admin_renames_and_viewer_cannot(login: Login, world: World) -> None:
    viewer = login("viewer")
    assert (
        viewer.post(
            "/w/acme/settings/name", data={"csrf_token": csrf_of(viewer), "name": "X"}
        ).status_code
        == 403
    )
    admin = login("admin")
    answer = admin.post(
        "/w/acme/settings/name", data={"csrf_token": csrf_of(admin), "name": "ACME Corp"}
    )
    assert answer.status_code == 200
    assert world.store.get_workspace("acme").name == "ACME Corp"
    empty = admin.post("/w/acme/settings/name", data={"csrf_token": csrf_of(admin), "name": " "})
    assert empty.status_code == 422 and 'id="e-name"' in empty.text


def test_change_role_and_owner_rules(login: Login, world: World) -> None:
    admin = login("admin")
    token = csrf_of(admin)
    viewer_id = world.users["viewer"].id
    form = {"csrf_token": token, "role": "analyst", "approver": "1"}
    assert admin.post(f"/w/acme/settings/members/{viewer_id}", data=form).status_code == 200
    membership = world.store.accounts.membership(_ws(world), viewer_id)
    assert membership is not None and membership.role == "analyst" and membership.approver
    # only owners make or remove owners
    form = {"csrf_token": token, "role": "owner"}
    assert admin.post(f"/w/acme/settings/members/{viewer_id}", data=form).status_code == 403
    owner_id = world.users["owner"].id
    assert (
        admin.post(
            f"/w/acme/settings/members/{owner_id}/delete", data={"csrf_token": token}
        ).status_code
        == 403
    )


def test_last_owner_cannot_be_removed_or_demoted(login: Login, world: World) -> None:
    owner = login("owner")
    token = csrf_of(owner)
    owner_id = world.users["owner"].id
    answer = owner.post(f"/w/acme/settings/members/{owner_id}/delete", data={"csrf_token": token})
    assert answer.status_code == 422 and "at least one owner" in answer.text
    demote = owner.post(
        f"/w/acme/settings/members/{owner_id}", data={"csrf_token": token, "role": "admin"}
    )
    assert demote.status_code == 422
    api = owner.delete(
        f"/api/v1/workspaces/acme/members/{owner_id}", headers={"X-CSRF-Token": token}
    )
    assert api.status_code == 422
    assert world.store.accounts.membership(_ws(world), owner_id) is not None


def test_remove_member_and_other_workspace_user(login: Login, world: World) -> None:
    admin = login("admin")
    token = csrf_of(admin)
    analyst = world.users["analyst"].id
    assert (
        admin.post(
            f"/w/acme/settings/members/{analyst}/delete", data={"csrf_token": token}
        ).status_code
        == 200
    )
    assert world.store.accounts.membership(_ws(world), analyst) is None
    stranger = world.users["stranger"].id
    headers = {"X-CSRF-Token": token}
    api = "/api/v1/workspaces/acme/members"
    assert (
        admin.patch(f"{api}/{stranger}", json={"role": "viewer"}, headers=headers).status_code
        == 404
    )
    assert admin.delete(f"{api}/{stranger}", headers=headers).status_code == 404
    assert (
        admin.post(
            f"/w/acme/settings/members/{stranger}/delete", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_invitation_link_flow(login: Login, world: World, anon: TestClient) -> None:
    admin = login("admin")
    form = {"csrf_token": csrf_of(admin), "email": "new@acme.test", "role": "editor"}
    page = admin.post("/w/acme/settings/invitations", data=form)
    assert page.status_code == 200
    link = page.text.split('class="invitation-link"', 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]
    path = link.split("testserver", 1)[1]
    assert path.startswith("/invite/")
    assert "new@acme.test" in admin.get("/w/acme/settings").text  # listed as open
    assert link not in admin.get("/w/acme/settings").text  # shown once
    invite_page = anon.get(path)
    assert invite_page.status_code == 200
    token = invite_page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = anon.post(
        path,
        data={"csrf_token": token, "name": "Neu", "password": "a long enough password"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/w/acme"
    user = world.store.accounts.find_user("new@acme.test")
    assert user is not None
    membership = world.store.accounts.membership(_ws(world), user.id)
    assert membership is not None and membership.role == "editor"


def test_invitation_validation_and_owner_invites(login: Login) -> None:
    admin = login("admin")
    token = csrf_of(admin)
    bad = admin.post(
        "/w/acme/settings/invitations",
        data={"csrf_token": token, "email": "nope", "role": "viewer"},
    )
    assert bad.status_code == 422 and 'id="e-email"' in bad.text and 'value="nope"' in bad.text
    owner = admin.post(
        "/w/acme/settings/invitations",
        data={"csrf_token": token, "email": "o@acme.test", "role": "owner"},
    )
    assert owner.status_code == 403
    editor = login("editor")
    assert (
        editor.post(
            "/w/acme/settings/invitations",
            data={"csrf_token": csrf_of(editor), "email": "x@acme.test", "role": "viewer"},
        ).status_code
        == 403
    )
    api = admin.post(
        "/api/v1/workspaces/acme/invitations",
        json={"email": "api@acme.test", "role": "viewer"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 201 and api.json()["link"].startswith("http://testserver/invite/")
    assert [i["email"] for i in admin.get("/api/v1/workspaces/acme/invitations").json()] == [
        "api@acme.test"
    ]


def test_tokens_create_use_and_revoke(login: Login, world: World, anon: TestClient) -> None:
    viewer = login("viewer")
    page = viewer.post(
        "/w/acme/settings/tokens", data={"csrf_token": csrf_of(viewer), "name": "script"}
    )
    assert page.status_code == 200
    secret = page.text.split('class="token-secret"', 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("rz_")
    assert secret not in viewer.get("/w/acme/settings").text  # shown once
    bearer = {"Authorization": f"Bearer {secret}"}
    assert anon.get("/api/v1/workspaces/acme/topics", headers=bearer).status_code == 200
    assert anon.get("/api/v1/workspaces/other/topics", headers=bearer).status_code == 404
    tokens = anon.get("/api/v1/workspaces/acme/tokens", headers=bearer).json()
    assert [t["name"] for t in tokens] == ["script"] and "secret" not in tokens[0]
    # another viewer-level user cannot see or revoke it; an admin can
    analyst = login("analyst")
    assert analyst.get("/api/v1/workspaces/acme/tokens").json() == []
    assert (
        analyst.delete(
            f"/api/v1/workspaces/acme/tokens/{tokens[0]['id']}",
            headers={"X-CSRF-Token": csrf_of(analyst)},
        ).status_code
        == 404
    )
    admin = login("admin")
    assert [t["name"] for t in admin.get("/api/v1/workspaces/acme/tokens").json()] == ["script"]
    revoke = admin.post(
        f"/w/acme/settings/tokens/{tokens[0]['id']}/revoke", data={"csrf_token": csrf_of(admin)}
    )
    assert revoke.status_code == 200
    assert anon.get("/api/v1/workspaces/acme/topics", headers=bearer).status_code == 401


def test_token_api_and_other_workspace_token(login: Login, world: World) -> None:
    client = login("editor")
    headers = {"X-CSRF-Token": csrf_of(client)}
    created = client.post("/api/v1/workspaces/acme/tokens", json={"name": "ci"}, headers=headers)
    assert created.status_code == 201 and created.json()["secret"].startswith("rz_")
    tid = created.json()["id"]
    other_token, _secret = world.store.accounts.create_token(
        world.users["stranger"].id, world.ids["other.workspace"], "x"
    )
    assert (
        client.delete(
            f"/api/v1/workspaces/acme/tokens/{other_token.id}", headers=headers
        ).status_code
        == 404
    )
    assert (
        client.delete(f"/api/v1/workspaces/acme/tokens/{tid}", headers=headers).status_code == 204
    )


def test_language_preference(login: Login, world: World) -> None:
    client = login("viewer")
    answer = client.post(
        "/w/acme/settings/locale", data={"csrf_token": csrf_of(client), "locale": "de"}
    )
    assert answer.status_code == 200
    assert world.store.accounts.get_user(world.users["viewer"].id).locale == "de"
    assert '<html lang="de">' in client.get("/w/acme/settings").text


def test_audit_log(login: Login) -> None:
    admin = login("admin")
    admin.post("/w/acme/settings/name", data={"csrf_token": csrf_of(admin), "name": "Acme 2"})
    page = admin.get("/w/acme/settings/audit")
    assert page.status_code == 200 and "workspace.rename" in page.text
    api = admin.get("/api/v1/workspaces/acme/audit").json()
    assert api[0]["action"] == "workspace.rename"
    assert login("editor").get("/api/v1/workspaces/acme/audit").status_code == 403


def test_members_api(login: Login, world: World) -> None:
    viewer = login("viewer")
    members = viewer.get("/api/v1/workspaces/acme/members").json()
    assert {m["email"] for m in members} >= {"viewer@acme.test", "owner@acme.test"}
    vid = world.users["viewer"].id
    assert (
        viewer.patch(
            f"/api/v1/workspaces/acme/members/{vid}",
            json={"role": "admin"},
            headers={"X-CSRF-Token": csrf_of(viewer)},
        ).status_code
        == 403
    )
    admin = login("admin")
    changed = admin.patch(
        f"/api/v1/workspaces/acme/members/{vid}",
        json={"role": "editor"},
        headers={"X-CSRF-Token": csrf_of(admin)},
    )
    assert changed.status_code == 200 and changed.json()["role"] == "editor"


def test_invitation_by_mail_when_smtp_is_set(
    tmp_path: Path, web_settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_peer(tmp_path) as peer:
        monkeypatch.setenv("SSL_CERT_FILE", str(peer.cert))
        url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{peer.port}"
        with TestClient(create_app(replace(web_settings, smtp_url=url), world.store)) as client:
            log_in(client, world.users["admin"].email)
            form = {"csrf_token": csrf_of(client), "email": "mail@acme.test", "role": "analyst"}
            page = client.post("/w/acme/settings/invitations", data=form)
            assert page.status_code == 200
            assert "The invitation was sent to mail@acme.test." in page.text
            assert "/invite/" not in page.text  # the link went by mail only
        assert len(peer.messages) == 1 and peer.messages[0]["To"] == "mail@acme.test"
        body = str(peer.messages[0].get_payload())
        assert re.search(r"http://testserver/invite/\S+", body)


def test_withdrawn_invitation_link_stops_working(
    login: Login, world: World, anon: TestClient
) -> None:
    acme = world.ids["acme.workspace"]
    accounts = world.store.accounts
    first, secret = accounts.invite(acme, "first@new.test", "viewer", world.users["admin"].id)
    second, _ = accounts.invite(acme, "second@new.test", "viewer", world.users["admin"].id)
    client = login("admin")
    token = csrf_of(client)
    page = client.post(
        f"/w/acme/settings/invitations/{first.id}/revoke",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert page.status_code == 303
    assert anon.get(f"/invite/{secret}").status_code == 404
    editor = login("editor")
    refused = editor.delete(
        f"/api/v1/workspaces/acme/invitations/{second.id}",
        headers={"X-CSRF-Token": csrf_of(editor)},
    )
    assert refused.status_code == 403
    api = client.delete(
        f"/api/v1/workspaces/acme/invitations/{second.id}", headers={"X-CSRF-Token": token}
    )
    assert api.status_code == 204
    assert accounts.list_invitations(acme) == []
    again = client.delete(
        f"/api/v1/workspaces/acme/invitations/{second.id}", headers={"X-CSRF-Token": token}
    )
    assert again.status_code == 404
    actions = [e.action for e in accounts.audit_entries(acme)]
    assert actions[:2] == ["invitation.revoke", "invitation.revoke"]


CAFE = '[[category]]\nname = "Kaffee"\nterms = ["kaffee*", "espresso"]\nnegative = ["kalt*"]\n'


def test_editor_saves_checks_and_removes_aspect_categories(login: Login, world: World) -> None:
    assert 'id="aspects"' not in login("analyst").get("/w/acme/settings").text
    editor = login("editor")
    page = editor.get("/w/acme/settings")
    assert 'id="aspects"' in page.text and "no categories of its own" in page.text
    template = editor.get("/w/acme/settings?aspects_template=1")
    assert "Pünktlichkeit und Zugfahrt" in template.text  # filled in, not saved
    assert world.store.aspects.get(_ws(world)) is None

    token = csrf_of(editor)
    bad = CAFE.replace("terms", "termz")
    answer = editor.post(
        "/w/acme/settings/aspects", data={"csrf_token": token, "source": bad, "fmt": "toml"}
    )
    assert answer.status_code == 422 and 'id="e-aspects"' in answer.text
    assert "Not saved: category file:3: category 1" in answer.text and "termz" in answer.text
    assert "termz = [&#34;kaffee*&#34;" in answer.text  # what was typed comes back
    assert world.store.aspects.get(_ws(world)) is None

    answer = editor.post(
        "/w/acme/settings/aspects",
        data={"csrf_token": token, "source": CAFE.replace("\n", "\r\n"), "fmt": "toml"},
    )
    assert answer.status_code == 200 and "1 categories, saved" in answer.text
    stored = world.store.aspects.get(_ws(world))
    assert stored is not None and stored.source == CAFE and stored.fmt == "toml"
    assert "aspects.save" in login("admin").get("/w/acme/settings/audit").text

    answer = editor.post("/w/acme/settings/aspects/clear", data={"csrf_token": token})
    assert answer.status_code == 200 and "no categories of its own" in answer.text
    assert world.store.aspects.get(_ws(world)) is None


def test_aspect_categories_page_speaks_german(login: Login) -> None:
    editor = login("editor")
    token = csrf_of(editor)
    editor.post("/w/acme/settings/locale", data={"csrf_token": token, "locale": "de"})
    page = editor.get("/w/acme/settings")
    assert "Aspekt-Kategorien" in page.text and "Mit der Bahn-Vorlage beginnen" in page.text
    empty = editor.post("/w/acme/settings/aspects", data={"csrf_token": token, "source": " "})
    assert empty.status_code == 422 and "Bitte eine Kategorien-Datei einfügen" in empty.text
