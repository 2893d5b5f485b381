"""The short-link redirect ``/r/<code>`` (public: no login) with click counting, and the
REST API of tracked links and post approvals, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.plugins import create_plugin_manager
from resonanz.publishing import compose
from resonanz.publishing.channels import channel_classes
from resonanz.store.publishing import publishing_store
from resonanz.web import create_app
from tests.web.conftest import World

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def client(bworld: World, web_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings, bworld.store)) as test_client:
        yield test_client


def _auth(world: World, role: str) -> dict[str, str]:
    """An API token of acme's member with this role."""
    acme = world.ids["acme.workspace"]
    _, secret = world.store.accounts.create_token(world.users[role].id, acme, f"{role} t")
    return {"Authorization": f"Bearer {secret}"}


API = "/api/v1/workspaces/acme"


def test_redirect_counts_clicks_and_filters_bots(bworld: World, client: TestClient) -> None:
    made = client.post(
        f"{API}/links",
        json={
            "url": "https://shop.example/p?id=7#top",
            "utm_campaign": "advent",
            "utm_source": "newsletter",
        },
        headers=_auth(bworld, "editor"),
    )
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["destination"] == (
        "https://shop.example/p?id=7&utm_source=newsletter&utm_campaign=advent#top"
    )
    assert link["short_url"] == f"http://127.0.0.1:8000/r/{link['code']}"
    path = f"/r/{link['code']}"

    first = client.get(path, headers={"User-Agent": FIREFOX}, follow_redirects=False)
    assert first.status_code == 302
    assert first.headers["location"] == link["destination"]
    assert first.headers["cache-control"] == "no-store"
    assert "set-cookie" not in first.headers
    again = client.get(path, headers={"User-Agent": FIREFOX}, follow_redirects=False)
    assert again.status_code == 302  # a repeat: redirected, not counted
    for agent in (
        "Mastodon/4.3.2 (http.rb/5.2.0; +https://mastodon.social/)",
        "Bluesky Cardyb/1.1",
    ):
        bot = client.get(path, headers={"User-Agent": agent}, follow_redirects=False)
        assert bot.status_code == 302
    head = client.head(path, headers={"User-Agent": FIREFOX}, follow_redirects=False)
    assert head.status_code == 302

    viewer = _auth(bworld, "viewer")
    clicks = client.get(f"{API}/links/{link['id']}/clicks", headers=viewer).json()
    today = datetime.now(UTC).date().isoformat()
    assert clicks == [{"day": today, "clicks": 1, "bots": 3, "repeats": 1}]
    listed = client.get(f"{API}/links", headers=viewer).json()
    assert [(x["code"], x["clicks"]) for x in listed] == [(link["code"], 1)]
    sources = client.get(f"{API}/links/sources", headers=viewer).json()
    assert sources == [{"source": "newsletter", "clicks": 1}]
    with bworld.store.engine.connect() as conn:
        stored = repr(conn.execute(sa.text("SELECT * FROM link_visitors")).all())
    assert "testclient" not in stored and "Firefox" not in stored


def test_unknown_codes_and_bad_targets(bworld: World, client: TestClient) -> None:
    for code in ("zzzzzzz", "no-such-code!", "x"):
        missing = client.get(f"/r/{code}", follow_redirects=False)
        assert missing.status_code == 404
        assert "This short link does not exist." in missing.text
    german = client.get("/r/zzzzzzz", headers={"Accept-Language": "de"})
    assert german.status_code == 404
    assert "Diesen Kurzlink gibt es nicht." in german.text
    editor = _auth(bworld, "editor")
    for url, problem in (
        ("javascript:alert(1)", "http or https URL"),
        ("https://user:pw@example.org/", "user name or password"),
        ("not a url", "spaces"),
    ):
        refused = client.post(f"{API}/links", json={"url": url}, headers=editor)
        assert refused.status_code == 422, refused.text
        assert problem in refused.json()["error"]["message"]
    analyst = client.post(
        f"{API}/links", json={"url": "https://example.org/"}, headers=_auth(bworld, "analyst")
    )
    assert analyst.status_code == 403
    assert client.get(f"{API}/links", headers=editor).json() == []


def test_approval_api(bworld: World, client: TestClient) -> None:
    pub = publishing_store(bworld.store)
    acme = bworld.ids["acme.workspace"]
    pub.add_channel(
        acme,
        "mastodon",
        "masto",
        {"instance": "https://m.example", "max_characters": 500},
        None,
        at=datetime.now(UTC),
    )
    classes = channel_classes(create_plugin_manager(load_entry_points=False))
    post = compose.new_post(pub, classes, acme, "Zur Freigabe", ["masto"]).post
    editor, admin = _auth(bworld, "editor"), _auth(bworld, "admin")
    base = f"{API}/posts/{post.id}"

    rule = client.put(
        f"{API}/publishing/approval", json={"required": True, "steps": 1}, headers=editor
    )
    assert rule.status_code == 403
    rule = client.put(
        f"{API}/publishing/approval", json={"required": True, "steps": 1}, headers=admin
    )
    assert rule.json() == {"required": True, "steps": 1}
    assert client.get(f"{API}/publishing/approval", headers=_auth(bworld, "viewer")).json()[
        "required"
    ]

    submitted = client.post(f"{base}/submit", headers=editor)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["approval"] == "pending_approval"
    # A plain editor may not approve; the same editor with the approver flag may.
    assert client.post(f"{base}/approve", json={}, headers=editor).status_code == 403
    assert (
        client.post(f"{base}/reject", json={"comment": "nein"}, headers=editor).status_code == 403
    )
    assert client.post(f"{base}/reject", json={"comment": ""}, headers=admin).status_code == 422
    rejected = client.post(f"{base}/reject", json={"comment": "Bitte kürzer"}, headers=admin)
    assert (
        rejected.json()["approval"] == "rejected" and rejected.json()["comment"] == "Bitte kürzer"
    )
    assert rejected.json()["status"] == "draft"
    assert client.post(f"{base}/submit", headers=editor).status_code == 200
    bworld.store.accounts.add_member(acme, bworld.users["editor"].id, "editor", approver=True)
    approved = client.post(f"{base}/approve", json={"comment": "ok"}, headers=editor)
    assert approved.status_code == 200 and approved.json()["approval"] == "approved"
    again = client.post(f"{base}/approve", json={}, headers=editor)
    assert again.status_code == 409
    assert client.post(f"{API}/posts/99999/submit", headers=editor).status_code == 404
    actions = [e.action for e in bworld.store.accounts.audit_entries(acme)]
    assert actions[:4] == ["post.approve", "post.submit", "post.reject", "post.submit"]
