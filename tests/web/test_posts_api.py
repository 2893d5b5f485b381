"""REST API of posts and channels: create, read, change, schedule, publish now, delete;
roles as in the CLI; kept-as-draft answers; on SQLite and (the main flow) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.store.publishing import publishing_store
from resonanz.web import create_app
from tests.publishing.images import image_bytes
from tests.web.conftest import World, api_headers

API = "/api/v1/workspaces/acme"


def _client(world: World, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, world.store))


def _channels(world: World) -> None:
    pub = publishing_store(world.store)
    now = datetime.now(UTC)
    acme = world.ids["acme.workspace"]
    pub.add_channel(
        acme,
        "mastodon",
        "masto",
        {"instance": "https://m.example", "max_characters": 500, "account": "@a@m.example"},
        "encrypted-secret-blob",
        at=now,
    )
    pub.add_channel(acme, "bluesky", "sky", {"handle": "a.test"}, None, at=now)


def test_post_lifecycle(bworld: World, web_settings: Settings) -> None:
    _channels(bworld)
    editor, viewer = api_headers(bworld, "editor"), api_headers(bworld, "viewer")
    with _client(bworld, web_settings) as client:
        made = client.post(
            f"{API}/posts",
            json={
                "text": "Frohe Weihnachten",
                "channels": ["masto", "sky"],
                "variants": {"sky": "Frohe Weihnachten 🎄"},
                "at": "2099-12-24 09:00",
                "timezone": "Europe/Berlin",
            },
            headers=editor,
        )
        assert made.status_code == 201, made.text
        post = made.json()
        assert post["status"] == "scheduled" and post["local_time"] == "2099-12-24 09:00"
        assert post["scheduled_at"].startswith("2099-12-24T08:00:00")
        assert post["variants"] == {"sky": "Frohe Weihnachten 🎄"}
        assert sorted((d["channel"], d["state"]) for d in post["deliveries"]) == [
            ("masto", "scheduled"),
            ("sky", "scheduled"),
        ]
        base = f"{API}/posts/{post['id']}"
        assert client.get(base, headers=viewer).json()["text"] == "Frohe Weihnachten"
        listed = client.get(f"{API}/posts?status=scheduled", headers=viewer).json()
        assert [p["id"] for p in listed] == [post["id"]]
        assert client.get(f"{API}/posts?status=draft", headers=viewer).json() == []

        changed = client.patch(base, json={"text": "Schöne Feiertage"}, headers=editor)
        assert changed.status_code == 200, changed.text
        assert changed.json()["text"] == "Schöne Feiertage"
        assert changed.json()["version"] == post["version"] + 1
        assert changed.json()["variants"] == {"sky": "Frohe Weihnachten 🎄"}

        too_long = client.patch(base, json={"variants": {"sky": "x" * 301}}, headers=editor)
        assert too_long.status_code == 422
        error = too_long.json()["error"]
        assert error["code"] == "kept_as_draft" and error["post_id"] == post["id"]
        assert "301 graphemes" in error["message"]
        assert client.get(base, headers=viewer).json()["status"] == "draft"

        stranger = client.patch(base, json={"variants": {"nope": "x"}}, headers=editor)
        assert stranger.status_code == 422 and stranger.json()["error"]["code"] == "invalid"
        fixed = client.patch(base, json={"variants": {}}, headers=editor)
        assert fixed.status_code == 200
        again = client.post(
            f"{base}/schedule",
            json={"at": "2099-12-31 23:30", "timezone": "Europe/Berlin"},
            headers=editor,
        )
        assert again.status_code == 200 and again.json()["local_time"] == "2099-12-31 23:30"
        now = client.post(f"{base}/publish-now", headers=editor)
        assert now.status_code == 200
        due = datetime.fromisoformat(now.json()["deliveries"][0]["due_at"])
        assert abs(due.replace(tzinfo=due.tzinfo or UTC) - datetime.now(UTC)) < timedelta(minutes=1)
        deleted = client.delete(base, headers=editor)
        assert deleted.json() == {"id": post["id"], "canceled": 2}
        assert client.get(f"{API}/posts", headers=viewer).json() == []
        assert len(client.get(f"{API}/posts?status=deleted", headers=viewer).json()) == 1


def test_roles_errors_and_channels(world: World, web_settings: Settings) -> None:
    _channels(world)
    editor, viewer = api_headers(world, "editor"), api_headers(world, "viewer")
    with _client(world, web_settings) as client:
        body = {"text": "Hallo", "channels": ["masto"]}
        refused = client.post(f"{API}/posts", json=body, headers=viewer)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        analyst = api_headers(world, "analyst")
        assert client.post(f"{API}/posts", json=body, headers=analyst).status_code == 403
        assert publishing_store(world.store).list_posts(world.ids["acme.workspace"]) == []

        unknown = client.post(
            f"{API}/posts", json={"text": "Hallo", "channels": ["nope"]}, headers=editor
        )
        assert unknown.status_code == 404 and "nope" in unknown.json()["error"]["message"]
        bad_zone = client.post(
            f"{API}/posts",
            json={**body, "at": "2099-01-01 10:00", "timezone": "Mars/Olympus"},
            headers=editor,
        )
        assert bad_zone.status_code == 422 and "Mars/Olympus" in bad_zone.text
        assert publishing_store(world.store).list_posts(world.ids["acme.workspace"]) == []

        past = client.post(f"{API}/posts", json={**body, "at": "2020-01-01 10:00"}, headers=editor)
        assert past.status_code == 422
        assert past.json()["error"]["code"] == "kept_as_draft"
        kept = publishing_store(world.store).get_post(
            world.ids["acme.workspace"], past.json()["error"]["post_id"]
        )
        assert kept.status == "draft" and kept.text == "Hallo"
        assert client.get(f"{API}/posts/99999", headers=viewer).status_code == 404

        channels = client.get(f"{API}/channels", headers=viewer)
        assert channels.status_code == 200
        listed = {c["name"]: c for c in channels.json()}
        assert listed["masto"]["max_units"] == 500 and listed["masto"]["account"] == "@a@m.example"
        assert listed["sky"]["unit"] == "graphemes" and listed["sky"]["max_units"] == 300
        assert "encrypted-secret-blob" not in channels.text and "secret" not in channels.text


def test_thread_poll_and_images(world: World, web_settings: Settings) -> None:
    _channels(world)
    pub = publishing_store(world.store)
    acme = world.ids["acme.workspace"]
    editor, viewer = api_headers(world, "editor"), api_headers(world, "viewer")
    with _client(world, web_settings) as client:
        made = client.post(
            f"{API}/posts",
            json={
                "text": "Was meint ihr?",
                "channels": ["masto"],
                "thread": ["Teil zwei"],
                "poll": {"options": ["Ja", "Nein"], "minutes": 60},
            },
            headers=editor,
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["thread"] == ["Teil zwei"] and body["media"] == []
        assert body["poll"] == {"options": ["Ja", "Nein"], "minutes": 60, "multiple": False}
        post_id = body["id"]
        media = f"{API}/posts/{post_id}/media"
        png = image_bytes("PNG")
        # A draft takes the image; a poll and an image cannot go together to Mastodon.
        upload = client.post(
            media, files={"file": ("a.png", png, "image/png")}, data={"alt": "Rot"}, headers=editor
        )
        assert upload.status_code == 201, upload.text
        [image] = upload.json()["media"]
        assert image["alt"] == "Rot" and image["mime"] == "image/png"
        assert client.get(image["url"]).content == png
        at = {"at": "2099-01-05 10:00", "timezone": "Europe/Berlin"}
        kept = client.post(f"{API}/posts/{post_id}/schedule", json=at, headers=editor)
        assert kept.status_code == 422 and kept.json()["error"]["code"] == "kept_as_draft"
        assert "cannot have both images and a poll" in kept.text
        dropped = client.patch(f"{API}/posts/{post_id}", json={"poll": None}, headers=editor)
        assert dropped.status_code == 200, dropped.text
        assert dropped.json()["poll"] is None and dropped.json()["thread"] == ["Teil zwei"]
        scheduled = client.post(f"{API}/posts/{post_id}/schedule", json=at, headers=editor)
        assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
        bad = client.post(
            media, files={"file": ("x.png", b"no image", "image/png")}, headers=editor
        )
        assert bad.status_code == 422 and "not a JPEG, PNG, GIF or WebP" in bad.text
        pub.set_require_alt(acme, True)
        no_alt = client.post(media, files={"file": ("b.png", png, "image/png")}, headers=editor)
        assert no_alt.status_code == 422 and "requires alt text" in no_alt.text
        refused = client.post(
            media, files={"file": ("b.png", png, "image/png")}, data={"alt": "x"}, headers=viewer
        )
        assert refused.status_code == 403
        assert len(pub.get_post(acme, post_id).media) == 1
        gone = client.delete(f"{media}/{image['id']}", headers=editor)
        assert gone.status_code == 200 and gone.json()["media"] == []
        assert client.delete(f"{media}/{image['id']}", headers=editor).status_code == 404
