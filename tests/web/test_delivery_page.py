"""Delivery status and channels pages and their REST endpoints: failures first with the
likely reason, retry (publish now), overdue deliveries with the sweeper's reason, the
pause switch (the scheduler's claim returns nothing while paused; on SQLite and
PostgreSQL), channels added against mastodon-mock (secrets never shown back), tested and
removed; roles and escaping."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from mastodon_mock.testing import MockServer

from resonanz.config import Settings
from resonanz.publishing import states as st
from resonanz.web import create_app
from tests.web.conftest import World, csrf_of, log_in
from tests.web.publishing_world import channel, pub_of, scheduled

API = "/api/v1/workspaces/acme"


def _soon(minutes: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def _attention(world: World, error: str) -> int:
    """A post whose delivery needs attention after ``error``; its id."""
    pub = pub_of(world)
    post = scheduled(world, "Abgelehnt", _soon(), tz="UTC")
    later = datetime.now(UTC) + timedelta(minutes=5)
    [claimed] = pub.claim_due("runner", now=later, lease_s=60)
    attempt = pub.begin_send(claimed.id, "runner", now=later, lease_s=60)
    assert not isinstance(attempt, str)
    pub.finish_failed(attempt, error, now=later, state=st.NEEDS_ATTENTION, in_doubt=False)
    return post.id


def test_failures_first_with_reason_and_retry(
    world: World, login: Callable[[str], TestClient]
) -> None:
    channel(world)
    waiting = scheduled(world, "Wartet", _soon(30), tz="UTC")
    failed = _attention(world, 'HTTP 422: text too long <img src=x onerror="alert(1)">')
    client = login("editor")
    page = client.get("/w/acme/delivery")
    assert page.status_code == 200
    text = page.text
    assert text.index("Needs attention and failed") < text.index(f"/posts/{failed}/retry")
    assert text.index(f"/posts/{failed}/retry") < text.index(">Waiting<")
    assert "&lt;img src=x" in text and "<img src=x" not in text
    assert "The platform refused the content: edit the post, then retry." in text
    assert f'href="/w/acme/posts/{waiting.id}"' in text.split(">Waiting<", 1)[1]
    german = client.get("/w/acme/delivery?lang=de").text
    assert "Die Plattform hat den Inhalt abgelehnt" in german
    retried = client.post(
        f"/w/acme/delivery/posts/{failed}/retry",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    ws = world.ids["acme.workspace"]
    [delivery] = pub_of(world).deliveries(ws, post_id=failed)
    assert (delivery.state, delivery.attempts) == ("scheduled", 0)
    viewer = login("viewer")
    assert "/retry" not in viewer.get("/w/acme/delivery").text
    refused = viewer.post(
        f"/w/acme/delivery/posts/{failed}/retry", data={"csrf_token": csrf_of(viewer)}
    )
    assert refused.status_code == 403


def test_pause_holds_the_scheduler_and_overdue_says_why(
    world: World, login: Callable[[str], TestClient]
) -> None:
    channel(world)
    post = scheduled(world, "Angehalten", _soon(), tz="UTC")
    pub = pub_of(world)
    client = login("editor")
    token = csrf_of(client)
    paused = client.post(
        "/w/acme/delivery/pause",
        data={"reason": "Krisenfall <b>", "csrf_token": token},
        follow_redirects=False,
    )
    assert paused.status_code == 303
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert pub.claim_due("runner", now=later, lease_s=60) == []  # the next tick
    page = client.get("/w/acme/delivery").text
    assert "Publishing is paused since" in page and "Krisenfall &lt;b&gt;" in page
    # overdue (the page asks now; the post was due 2 minutes from now): nothing yet
    assert "Nothing is overdue" in page
    api = client.get(f"{API}/deliveries").json()
    assert [d["post_id"] for d in api] == [post.id] and api[0]["reason"] is None
    client.post("/w/acme/delivery/resume", data={"csrf_token": token})
    [claimed] = pub.claim_due("runner", now=later, lease_s=60)
    assert claimed.post_id == post.id
    actions = [e.action for e in world.store.accounts.audit_entries(world.ids["acme.workspace"])]
    assert "publishing.pause" in actions and "publishing.resume" in actions


def test_overdue_deliveries_show_the_sweepers_reason(
    world: World, login: Callable[[str], TestClient]
) -> None:
    channel(world)
    post = scheduled(world, "Zu spät", _soon(), tz="UTC")
    ws = world.ids["acme.workspace"]
    past = datetime.now(UTC) - timedelta(minutes=20)
    pub = pub_of(world)
    pub.schedule_post(ws, post.id, scheduled_at=past, timezone="UTC", local_time=None, at=past)
    pub.pause(ws, reason="Wartung", at=past)
    # other's overdue delivery stays out of acme's page and API
    theirs = channel(world, "fremd", slug="other")
    other = world.ids["other.workspace"]
    foreign = pub.create_post(
        other,
        text="Geheim: nur other",
        variants={},
        channels=[theirs],
        author_id=None,
        timezone="UTC",
        at=past,
    )
    pub.schedule_post(
        other, foreign.id, scheduled_at=past, timezone="UTC", local_time=None, at=past
    )
    client = login("viewer")
    page = client.get("/w/acme/delivery").text
    overdue = page.split(">Overdue<", 1)[1].split(">Waiting<", 1)[0]
    assert f"/posts/{post.id}" in overdue and "publishing is paused (Wartung)" in overdue
    assert "20 min" in overdue
    assert "Geheim" not in page and "fremd" not in page
    [row] = client.get(f"{API}/deliveries").json()
    assert row["reason"] == "overdue" and row["late_s"] >= 1200
    assert "paused" in row["advice"]


def test_pause_api_on_both_backends(bworld: World, web_settings: Settings) -> None:
    channel(bworld)
    post = scheduled(bworld, "Beide Datenbanken", _soon(), tz="UTC")
    acme = bworld.ids["acme.workspace"]
    _, editor = bworld.store.accounts.create_token(bworld.users["editor"].id, acme, "e")
    _, viewer = bworld.store.accounts.create_token(bworld.users["viewer"].id, acme, "v")
    pub = pub_of(bworld)
    later = datetime.now(UTC) + timedelta(minutes=10)
    with TestClient(create_app(web_settings, bworld.store)) as client:
        auth = {"Authorization": f"Bearer {editor}"}
        denied = client.put(
            f"{API}/publishing/pause",
            json={"reason": "x"},
            headers={"Authorization": f"Bearer {viewer}"},
        )
        assert denied.status_code == 403
        put = client.put(
            f"{API}/publishing/pause", json={"reason": "Kampagne gestoppt"}, headers=auth
        )
        assert put.status_code == 200 and put.json()["paused"] is True
        assert client.get(f"{API}/publishing/pause", headers=auth).json()["reason"] == (
            "Kampagne gestoppt"
        )
        assert pub.claim_due("runner", now=later, lease_s=60) == []
        gone = client.delete(f"{API}/publishing/pause", headers=auth)
        assert gone.status_code == 200 and gone.json()["paused"] is False
        [claimed] = pub.claim_due("runner", now=later, lease_s=60)
        assert claimed.post_id == post.id
        rows = client.get(f"{API}/deliveries?state=claimed", headers=auth).json()
        assert [r["post_id"] for r in rows] == [post.id]


# -- channels, against mastodon-mock

KEY = base64.b64encode(b"resonanz-web-channel-tests-key32").decode()


@pytest.fixture(scope="module")
def mastodon_url() -> Iterator[str]:
    with MockServer() as server:
        yield server.base_url


@pytest.fixture
def peer_client(world: World, tmp_path: Path, mastodon_url: str) -> Iterator[TestClient]:
    """An admin's session on an app that may reach the loopback peer."""
    httpx.post(f"{mastodon_url}/api/v1/_mock/reset").raise_for_status()
    settings = Settings(
        data_dir=str(tmp_path / "data"),
        secret_key="k" * 40,
        cookie_secure=False,
        default_locale="en",
        encryption_key=KEY,
        allow_private_targets=True,
        http_timeout=2.0,
    )
    with TestClient(create_app(settings, world.store)) as client:
        yield log_in(client, world.users["admin"].email)


def test_channels_add_test_remove(
    world: World, peer_client: TestClient, mastodon_url: str, login: Callable[[str], TestClient]
) -> None:
    ws = world.ids["acme.workspace"]
    token = csrf_of(peer_client)
    form = {"kind": "mastodon", "name": "masto-de", "instance": mastodon_url, "csrf_token": token}
    wrong = peer_client.post("/w/acme/channels", data={**form, "token": "wrong-secret-token"})
    assert wrong.status_code == 422 and "was not added" in wrong.text
    assert "wrong-secret-token" not in wrong.text and mastodon_url in wrong.text
    assert pub_of(world).list_channels(ws) == []
    added = peer_client.post(
        "/w/acme/channels", data={**form, "token": "alice_token"}, follow_redirects=False
    )
    assert added.status_code == 303, added.text
    [stored] = pub_of(world).list_channels(ws)
    assert stored.status == "connected" and stored.has_secrets
    page = peer_client.get("/w/acme/channels").text
    assert "masto-de" in page and "alice_token" not in page and "connected" in page
    tested = peer_client.post(f"/w/acme/channels/{stored.id}/test", data={"csrf_token": token})
    assert tested.status_code == 200 and "The channel works." in tested.text
    api = peer_client.post(f"{API}/channels/{stored.id}/test", headers={"X-CSRF-Token": token})
    assert api.json() == {"ok": True, "status": "connected", "message": None}
    editor = login("editor")
    assert "/test" not in editor.get("/w/acme/channels").text
    refused = editor.post(
        f"/w/acme/channels/{stored.id}/remove", data={"csrf_token": csrf_of(editor)}
    )
    assert refused.status_code == 403
    post = scheduled(world, "Geht an masto-de", _soon(30), tz="UTC", channels=("masto-de",))
    removed = peer_client.post(
        f"/w/acme/channels/{stored.id}/remove", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert pub_of(world).list_channels(ws) == []
    [delivery] = pub_of(world).deliveries(ws, post_id=post.id)
    assert delivery.state == "canceled" and "removed" in (delivery.last_error or "")
