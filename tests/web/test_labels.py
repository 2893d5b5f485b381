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
    assert answer.json() == {
        "mention_id": mention,
        "sentiment": "neutral",
        "relevant": False,
        "aspects": None,
    }
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


def test_editor_sets_an_aspect_label_in_the_explorer(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    page = editor.get(BASE, params={"q": "bahn"}).text
    assert 'name="aspects" value=""' in page
    assert 'placeholder="e.g. Punctuality:negative; Price:positive"' in page
    assert "'none' for a text that names no category" in page
    url = f"{BASE}/{mention}/labels"
    htmx = {"HX-Request": "true"}
    saved = editor.post(
        url,
        data={"aspects": "Zugfahrt#Haupt:negative Preis:Positive", "csrf_token": csrf_of(editor)},
        headers=htmx,
    )
    assert saved.status_code == 200 and 'role="status"' in saved.text
    assert 'value="Preis:positive;Zugfahrt:negative"' in saved.text
    assert _examples(world, "aspects") == {mention: "Preis:positive;Zugfahrt:negative"}
    (example,) = world.store.training.list_examples(world.ids["acme.workspace"], "aspects")
    assert example.source == "ui" and example.created_by == world.users["editor"].id
    shown = editor.get(BASE, params={"q": "bahn"}).text
    assert 'name="aspects" value="Preis:positive;Zugfahrt:negative"' in shown
    # Changed to 'none' (the text names no category), without HTMX back to the explorer.
    changed = editor.post(
        url,
        data={"aspects": "None", "back": "q=bahn", "csrf_token": csrf_of(editor)},
        follow_redirects=False,
    )
    assert changed.status_code == 303 and changed.headers["location"] == f"{BASE}?q=bahn"
    assert _examples(world, "aspects") == {mention: "none"}
    # An empty field removes the label.
    cleared = editor.post(url, data={"aspects": " ", "csrf_token": csrf_of(editor)}, headers=htmx)
    assert cleared.status_code == 200 and 'name="aspects" value=""' in cleared.text
    assert _examples(world, "aspects") == {}


def test_a_bad_aspect_label_shows_the_form_again(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    url = f"{BASE}/{mention}/labels"
    editor.post(url, data={"aspects": "Preis:neutral", "csrf_token": csrf_of(editor)})
    bad = {
        "sentiment": "positive",
        "relevant": "true",
        "aspects": "Preis:super",
        "back": "q=bahn",
        "csrf_token": csrf_of(editor),
    }
    htmx = editor.post(url, data=bad, headers={"HX-Request": "true"})
    assert htmx.status_code == 422
    assert htmx.text.lstrip().startswith("<form") and "<html" not in htmx.text
    assert "bad aspects label &#39;Preis:super&#39;: cannot read" in htmx.text
    assert 'role="alert"' in htmx.text and 'aria-invalid="true"' in htmx.text
    # What was typed is shown again; nothing of it is stored.
    assert 'value="Preis:super"' in htmx.text
    assert '<option value="positive" selected>' in htmx.text
    assert '<option value="true" selected>' in htmx.text
    assert _examples(world, "aspects") == {mention: "Preis:neutral"}
    assert _examples(world, "sentiment") == {} and _examples(world, "relevance") == {}
    # Without HTMX: the form on a page of its own, with a way back to the search.
    page = editor.post(url, data=bad, follow_redirects=False)
    assert page.status_code == 422 and "<html" in page.text
    assert f'action="{url}"' in page.text and 'value="Preis:super"' in page.text
    assert "bad aspects label" in page.text and f'href="{BASE}?q=bahn"' in page.text
    assert _examples(world, "aspects") == {mention: "Preis:neutral"}
    # Another workspace's mention is not found, whatever the value.
    foreign = editor.post(
        f"{BASE}/{world.ids['other.mention']}/labels",
        data={"aspects": "Preis:super", "csrf_token": csrf_of(editor)},
    )
    assert foreign.status_code == 404


def test_api_aspect_labels(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    headers = {"X-CSRF-Token": csrf_of(editor)}
    url = f"{API}/{mention}/labels"
    answer = editor.put(
        url, json={"aspects": "Pünktlichkeit:negative; Preis:positive"}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "mention_id": mention,
        "sentiment": None,
        "relevant": None,
        "aspects": "Preis:positive;Pünktlichkeit:negative",
    }
    assert _examples(world, "aspects") == {mention: "Preis:positive;Pünktlichkeit:negative"}
    (example,) = world.store.training.list_examples(world.ids["acme.workspace"], "aspects")
    assert example.source == "api"
    changed = editor.put(url, json={"sentiment": "negative", "aspects": "-"}, headers=headers)
    assert changed.json()["aspects"] == "none" and _examples(world, "aspects") == {mention: "none"}
    bad = editor.put(url, json={"sentiment": "positive", "aspects": "Preis"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["message"].startswith("bad aspects label 'Preis': cannot read")
    too_long = editor.put(url, json={"aspects": "A:neutral;" * 300}, headers=headers)
    assert too_long.status_code == 422
    assert _examples(world, "aspects") == {mention: "none"}
    assert _examples(world, "sentiment") == {mention: "negative"}
    for empty in ("", None):
        editor.put(url, json={"aspects": "Preis:neutral"}, headers=headers)
        cleared = editor.put(url, json={"aspects": empty}, headers=headers)
        assert cleared.status_code == 200 and cleared.json()["aspects"] is None
        assert _examples(world, "aspects") == {}


def test_aspect_label_field_in_german(login: Login) -> None:
    page = login("editor").get(BASE, params={"lang": "de"}).text
    assert 'placeholder="z. B. Pünktlichkeit:negative; Preis:positive"' in page
    assert "Aspekt-Label" in page and "keine Kategorie" in page


def test_api_patch_changes_only_the_labels_given(login: Login, world: World) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    headers = {"X-CSRF-Token": csrf_of(editor)}
    url = f"{API}/{mention}/labels"
    editor.put(url, json={"sentiment": "negative", "relevant": True}, headers=headers)
    # Only the aspect label: sentiment and relevance stay as stored.
    answer = editor.patch(
        url, json={"aspects": "Preis:positive Zugfahrt:negative"}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "mention_id": mention,
        "sentiment": "negative",
        "relevant": True,
        "aspects": "Preis:positive;Zugfahrt:negative",
    }
    assert _examples(world, "sentiment") == {mention: "negative"}
    assert _examples(world, "relevance") == {mention: "true"}
    assert _examples(world, "aspects") == {mention: "Preis:positive;Zugfahrt:negative"}
    (entry, *_) = world.store.accounts.audit_entries(world.ids["acme.workspace"])
    assert entry.action == "mentions.label" and entry.target == str(mention)
    assert entry.detail == {"aspects": "Preis:positive;Zugfahrt:negative", "source": "api"}
    # A null removes that label alone.
    removed = editor.patch(url, json={"sentiment": None}, headers=headers)
    assert removed.json() == {
        "mention_id": mention,
        "sentiment": None,
        "relevant": True,
        "aspects": "Preis:positive;Zugfahrt:negative",
    }
    assert _examples(world, "sentiment") == {}
    assert _examples(world, "relevance") == {mention: "true"}
    (entry, *_) = world.store.accounts.audit_entries(world.ids["acme.workspace"])
    assert entry.detail == {"sentiment": None, "source": "api"}
    # PUT still replaces all three.
    replaced = editor.put(url, json={"sentiment": "neutral"}, headers=headers)
    assert replaced.json()["relevant"] is None and _examples(world, "aspects") == {}


def test_api_patch_refuses_bad_labels_roles_and_other_workspaces(
    login: Login, world: World
) -> None:
    mention = world.ids["acme.mention"]
    editor = login("editor")
    headers = {"X-CSRF-Token": csrf_of(editor)}
    url = f"{API}/{mention}/labels"
    editor.put(url, json={"sentiment": "negative", "aspects": "Preis:neutral"}, headers=headers)
    entries = len(world.store.accounts.audit_entries(world.ids["acme.workspace"]))
    bad = editor.patch(url, json={"sentiment": "positive", "aspects": "Preis"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["message"].startswith("bad aspects label 'Preis': cannot read")
    unknown = editor.patch(url, json={"sentiment": "furious"}, headers=headers)
    assert unknown.status_code == 422
    viewer = login("viewer")
    refused = viewer.patch(
        url, json={"sentiment": "positive"}, headers={"X-CSRF-Token": csrf_of(viewer)}
    )
    assert refused.status_code == 403
    foreign = editor.patch(
        f"{API}/{world.ids['other.mention']}/labels",
        json={"sentiment": "positive", "relevant": True},
        headers=headers,
    )
    assert foreign.status_code == 404
    # Nothing of it is stored or logged, in either workspace.
    assert _examples(world, "sentiment") == {mention: "negative"}
    assert _examples(world, "aspects") == {mention: "Preis:neutral"}
    assert _examples(world, "relevance") == {}
    other = world.ids["other.workspace"]
    assert world.store.training.list_examples(other, "sentiment") == []
    assert len(world.store.accounts.audit_entries(world.ids["acme.workspace"])) == entries
