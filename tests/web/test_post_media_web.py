"""``/m/<token>``: a post's image served publicly under its unguessable token (Instagram
fetches it from there), on SQLite and PostgreSQL; unknown and malformed tokens are 404."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.publishing.compose import NewImage, checked_images
from resonanz.store.publishing import publishing_store
from resonanz.web import create_app
from tests.publishing.images import image_bytes
from tests.web.conftest import World


def test_images_are_served_by_token(bworld: World, web_settings: Settings) -> None:
    pub = publishing_store(bworld.store)
    acme = bworld.ids["acme.workspace"]
    now = datetime.now(UTC)
    channel = pub.add_channel(acme, "instagram", "ig", {"ig_user": "1"}, None, at=now)
    jpeg = image_bytes("JPEG")
    post = pub.create_post(
        acme,
        text="Herbst",
        variants={},
        channels=[channel],
        author_id=None,
        timezone="UTC",
        at=now,
        media=checked_images([NewImage(jpeg, "Laub")]),
    )
    [media] = post.media
    with TestClient(create_app(web_settings, bworld.store)) as client:
        got = client.get(f"/m/{media.token}")  # no login
        assert got.status_code == 200 and got.content == jpeg
        assert got.headers["content-type"] == "image/jpeg"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert client.head(f"/m/{media.token}").status_code == 200
        unknown = client.get(f"/m/{'x' * 32}")
        assert unknown.status_code == 404 and "This image does not exist." in unknown.text
        for wrong in ("../etc/passwd", media.token[:-1] + "!", "short"):
            assert client.get(f"/m/{wrong}").status_code == 404
