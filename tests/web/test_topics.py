"""Topic editor pages and the topics REST API: roles, linting, preview, saving, re-matching."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from resonanz.store import MentionFilter
from tests.web.conftest import World, csrf_of

Login = Callable[[str], TestClient]


def _matches(world: World, topic_name: str) -> int:
    ws = world.ids["acme.workspace"]
    topic = world.store.get_topic(ws, topic_name)
    return world.store.count_mentions(ws, MentionFilter(topic_id=topic.id))


def test_viewer_sees_the_list_with_counts_but_cannot_edit(login: Login, world: World) -> None:
    client = login("viewer")
    page = client.get("/w/acme/topics")
    assert page.status_code == 200
    assert "Brand" in page.text and "bahn OR zug" in page.text
    assert "/topics/new" not in page.text
    assert client.get("/w/acme/topics/new").status_code == 403
    token = csrf_of(client)
    form = {"csrf_token": token, "name": "X", "kind": "brand", "query": "x"}
    assert client.post("/w/acme/topics/new", data=form).status_code == 403
    topic = world.ids["acme.topic"]
    assert client.post(f"/w/acme/topics/{topic}/delete", data=form).status_code == 403


def test_lint_shows_errors_and_warnings_with_positions(login: Login) -> None:
    client = login("viewer")
    headers = {"X-CSRF-Token": csrf_of(client)}
    answer = client.post("/w/acme/topics/lint", data={"query": "bahn AND (zug"}, headers=headers)
    assert answer.status_code == 200
    assert 'class="lint-error"' in answer.text
    assert "<mark>" in answer.text and "data-position=" in answer.text
    ok = client.post("/w/acme/topics/lint", data={"query": "bahn"}, headers=headers)
    assert "Query OK." in ok.text
    broad = client.post("/w/acme/topics/lint", data={"query": "bahn OR die"}, headers=headers)
    assert 'class="lint-warning" data-position="8"' in broad.text


def test_preview_counts_stored_mentions(login: Login) -> None:
    client = login("viewer")
    headers = {"X-CSRF-Token": csrf_of(client)}
    answer = client.post("/w/acme/topics/preview", data={"query": "kaffee"}, headers=headers)
    assert answer.status_code == 200
    assert "1 of 3 stored mentions match." in answer.text
    assert "Kaffee im ICE" in answer.text
    assert "other" not in answer.text.lower().replace("mentions", "")
    bad = client.post("/w/acme/topics/preview", data={"query": "(kaffee"}, headers=headers)
    assert "position" in bad.text


def test_invalid_query_keeps_the_input_and_answers_422(login: Login) -> None:
    client = login("editor")
    form = {"csrf_token": csrf_of(client), "name": "Neu", "kind": "product", "query": "ice AND ("}
    answer = client.post("/w/acme/topics/new", data=form)
    assert answer.status_code == 422
    assert 'id="e-query"' in answer.text and "Error at position" in answer.text
    assert "ice AND (</textarea>" in answer.text
    assert 'value="Neu"' in answer.text


def test_create_rematches_and_audits(login: Login, world: World) -> None:
    client = login("editor")
    form = {"csrf_token": csrf_of(client), "name": "Kaffee", "kind": "product", "query": "kaffee"}
    answer = client.post("/w/acme/topics/new", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert _matches(world, "Kaffee") == 1
    entries = world.store.accounts.audit_entries(world.ids["acme.workspace"])
    assert entries[0].action == "topic.create" and entries[0].target == "Kaffee"


def test_update_rematches_and_toggle_and_delete(login: Login, world: World) -> None:
    client = login("editor")
    topic = world.ids["acme.topic"]
    token = csrf_of(client)
    page = client.get(f"/w/acme/topics/{topic}")
    assert page.status_code == 200 and "bahn OR zug" in page.text
    form = {"csrf_token": token, "name": "Brand", "kind": "brand", "query": "kaffee OR zug"}
    assert client.post(f"/w/acme/topics/{topic}", data=form).status_code == 200
    assert _matches(world, "Brand") == 2  # "Zug fällt aus" and "Kaffee im ICE"
    client.post(f"/w/acme/topics/{topic}/active", data={"csrf_token": token, "active": "0"})
    assert not world.store.get_topic(world.ids["acme.workspace"], "Brand").active
    client.post(f"/w/acme/topics/{topic}/delete", data={"csrf_token": token})
    assert world.store.list_topics(world.ids["acme.workspace"]) == []
    actions = [e.action for e in world.store.accounts.audit_entries(world.ids["acme.workspace"])]
    assert actions[:3] == ["topic.delete", "topic.deactivate", "topic.update"]


def test_other_workspace_topics_are_not_found(login: Login, world: World) -> None:
    client = login("owner")
    other = world.ids["other.topic"]
    token = csrf_of(client)
    assert client.get(f"/w/acme/topics/{other}").status_code == 404
    assert (
        client.post(f"/w/acme/topics/{other}/delete", data={"csrf_token": token}).status_code == 404
    )
    assert client.get("/w/other/topics").status_code == 404
    assert world.store.list_topics(world.ids["other.workspace"])


def test_api_topics_crud_lint_preview(login: Login, world: World) -> None:
    client = login("editor")
    headers = {"X-CSRF-Token": csrf_of(client)}
    base = "/api/v1/workspaces/acme/topics"
    assert [t["name"] for t in client.get(base).json()] == ["Brand"]
    lint = client.post(f"{base}/lint", json={"query": "bahn AND ("}, headers=headers).json()
    assert lint["ok"] is False and lint["errors"][0]["position"] == 9
    bad = client.post(base, json={"name": "X", "query": "bahn AND ("}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["position"] == 9
    created = client.post(
        base, json={"name": "Kaffee", "kind": "product", "query": "kaffee"}, headers=headers
    )
    assert created.status_code == 201 and created.json()["matched"] == 1
    tid = created.json()["id"]
    assert client.get(f"{base}/{tid}").json()["mentions"] == 1
    patched = client.patch(f"{base}/{tid}", json={"query": "kaffee OR zug"}, headers=headers)
    assert patched.json()["matched"] == 2 and patched.json()["mentions"] == 2
    preview = client.post(f"{base}/preview", json={"query": "zug"}, headers=headers).json()
    assert preview["hits"] == 1 and preview["total"] == 3
    assert client.delete(f"{base}/{tid}", headers=headers).status_code == 204
    other = world.ids["other.topic"]
    assert client.get(f"{base}/{other}").status_code == 404
    assert (
        client.patch(f"{base}/{other}", json={"active": False}, headers=headers).status_code == 404
    )
    assert client.delete(f"{base}/{other}", headers=headers).status_code == 404
    viewer = login("viewer")
    vh = {"X-CSRF-Token": csrf_of(viewer)}
    assert viewer.post(base, json={"name": "Y", "query": "y"}, headers=vh).status_code == 403
    assert viewer.post(f"{base}/lint", json={"query": "y"}, headers=vh).status_code == 200


def test_rename_keeps_the_matches_and_refuses_a_taken_name(login: Login, world: World) -> None:
    client = login("editor")
    topic = world.ids["acme.topic"]
    ws = world.ids["acme.workspace"]
    world.store.add_topic(ws, "Taken", "kaffee", "keyword")
    token = csrf_of(client)
    before = _matches(world, "Brand")
    form = {"csrf_token": token, "name": "Taken", "kind": "brand", "query": "bahn OR zug"}
    taken = client.post(f"/w/acme/topics/{topic}", data=form)
    assert taken.status_code == 422 and 'value="Taken"' in taken.text
    assert "A topic with this name exists already." in taken.text
    form["name"] = "Die Marke"
    assert client.post(f"/w/acme/topics/{topic}", data=form).status_code == 200
    assert _matches(world, "Die Marke") == before
    api = client.patch(
        f"/api/v1/workspaces/acme/topics/{topic}",
        json={"name": "Marke"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 200 and api.json()["name"] == "Marke"
