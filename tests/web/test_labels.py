"""Labelling mentions for the workspace's classifiers: the explorer's form and the REST API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import World, csrf_of

Login = Callable[[str], TestClient]
BASE = "/w/acme/mentions"
API = "/api/v1/workspaces/acme/mentions"


def _examples(world: World, task: str) -> dict[int | None, str]:
    ws = world.ids["acme.workspace"]
    return {ex.mention_id: ex.label for ex in world.store.training.list_examples(ws, task)}


def test_editor_labels_a_mention_in_the_explorer(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    page = editor.get(BASE, params={"q": "bahn"})
    assert f'action="{BASE}/{mention}/labels"' in page.text
    answer = editor.post(
        f"{BASE}/{mention}/labels",
        data={
            "sentiment": "negative",
            "relevant": "true",
            "back": "q=bahn",
            "csrf_token": csrf_of(editor),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"{BASE}?q=bahn"
    assert _examples(world, "sentiment") == {mention: "negative"}
    assert _examples(world, "relevance") == {mention: "true"}
    (example,) = world.store.training.list_examples(world.ids["acme.workspace"], "sentiment")
    assert example.source == "ui" and example.created_by == world.users["editor"].id
    assert example.text == "Die Bahn ist pünktlich"
    # The form shows the labels now; labelling again replaces, an empty choice removes.
    again = editor.get(BASE, params={"q": "bahn"}).text
    assert '<option value="negative" selected>' in again
    assert '<option value="true" selected>' in again
    htmx = editor.post(
        f"{BASE}/{mention}/labels",
        data={"sentiment": "positive", "relevant": "", "csrf_token": csrf_of(editor)},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200 and 'role="status"' in htmx.text
    assert htmx.text.lstrip().startswith("<form") and "<html" not in htmx.text
    assert _examples(world, "sentiment") == {mention: "positive"}
    assert _examples(world, "relevance") == {}
    audit = world.store.accounts.audit_entries(world.ids["acme.workspace"])
    assert audit[0].action == "mentions.label"


def test_viewer_and_analyst_may_not_label(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    for role in ("viewer", "analyst"):
        client = login(role)
        assert f"{BASE}/{mention}/labels" not in client.get(BASE).text
        answer = client.post(
            f"{BASE}/{mention}/labels",
            data={"sentiment": "negative", "csrf_token": csrf_of(client)},
            follow_redirects=False,
        )
        assert answer.status_code == 403, role
    assert _examples(world, "sentiment") == {}


def test_labelling_needs_csrf_and_a_known_label(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    no_token = editor.post(f"{BASE}/{mention}/labels", data={"sentiment": "negative"})
    assert no_token.status_code == 403
    bad = editor.post(
        f"{BASE}/{mention}/labels",
        data={"sentiment": "furious", "csrf_token": csrf_of(editor)},
    )
    assert bad.status_code == 422
    foreign = editor.post(
        f"{BASE}/{world.ids['other.mention']}/labels",
        data={"sentiment": "negative", "csrf_token": csrf_of(editor)},
    )
    assert foreign.status_code == 404
    assert _examples(world, "sentiment") == {}


def test_api_labels(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    headers = {"X-CSRF-Token": csrf_of(editor)}
    answer = editor.put(
        f"{API}/{mention}/labels", json={"sentiment": "neutral", "relevant": False}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.json() == {"mention_id": mention, "sentiment": "neutral", "relevant": False}
    assert _examples(world, "sentiment") == {mention: "neutral"}
    assert _examples(world, "relevance") == {mention: "false"}
    (example,) = world.store.training.list_examples(world.ids["acme.workspace"], "relevance")
    assert example.source == "api"
    cleared = editor.put(f"{API}/{mention}/labels", json={"sentiment": None}, headers=headers)
    assert cleared.json()["sentiment"] is None and _examples(world, "sentiment") == {}
    bad = editor.put(f"{API}/{mention}/labels", json={"sentiment": "furious"}, headers=headers)
    assert bad.status_code == 422
    viewer = login("viewer")
    refused = viewer.put(
        f"{API}/{mention}/labels",
        json={"sentiment": "negative"},
        headers={"X-CSRF-Token": csrf_of(viewer)},
    )
    assert refused.status_code == 403
    foreign = editor.put(
        f"{API}/{world.ids['other.mention']}/labels",
        json={"sentiment": "negative"},
        headers=headers,
    )
    assert foreign.status_code == 404


def test_label_form_in_german(login: Login) -> None:
    page = login("editor").get(BASE, params={"lang": "de"}).text
    assert "Stimmung: kein Label" in page and "Labels speichern" in page
    assert "Nicht relevant" in page
