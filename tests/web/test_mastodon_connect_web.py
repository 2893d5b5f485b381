"""Connecting Mastodon from the channels page against mastodon-mock (the real peer):
no client id typed (Resonanz registers itself on the instance), the authorize page driven
as a browser would, the callback's checks (forged and reused state, "denied", a refused
code, a missing instance, in German too), the stored token used by the channel test, and
the registered app reused by the next connect. No token or client secret is rendered or
kept in the session cookie in the clear. SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from mastodon_mock.testing import MockServer

from resonanz import secrets as secret_box
from resonanz.config import Settings
from tests.publishing.test_mastodon_connect import authorize
from tests.web.conftest import World, csrf_of
from tests.web.publishing_world import pub_of
from tests.web.test_channel_connect_web import (  # noqa: F401  (fixtures admin, settings)
    BASE,
    CHANNELS,
    _back,
    _cookie,
    _start,
    admin,
    settings,
)

CALLBACK = f"{BASE}/w/acme/channels/callback/mastodon"


@pytest.fixture(scope="module")
def instance() -> Iterator[str]:
    with MockServer() as server:
        httpx.post(f"{server.base_url}/api/v1/_mock/reset").raise_for_status()
        yield server.base_url


def _returned(admin_client: TestClient, url: str, user: str) -> str:
    """The account picked on the instance, then the callback it redirects to: the
    channels page's text."""
    back = authorize(url, user)
    assert back.status_code == 302 and back.headers["location"].startswith(CALLBACK + "?")
    query = {k: v[-1] for k, v in parse_qs(urlsplit(back.headers["location"]).query).items()}
    return _back(admin_client, "mastodon", **query)


def test_mastodon_connects_without_a_client_id(
    admin: TestClient,  # noqa: F811  (the fixture imported above)
    instance: str,
    world: World,
    settings: Settings,  # noqa: F811
) -> None:
    page = admin.get(CHANNELS).text
    assert '<option value="mastodon" ' in page and 'id="o-instance"' in page
    assert "callback/mastodon" not in page  # nothing to register by hand

    url, query = _start(admin, kind="mastodon", name="masto", instance=instance)
    assert url.startswith(f"{instance}/oauth/authorize?")
    assert query["redirect_uri"] == CALLBACK and query["code_challenge_method"] == "S256"
    assert query["scope"] == "read:accounts write:statuses write:media"
    client_id = query["client_id"]
    assert client_id not in _cookie(admin)  # the registered app is sealed

    forged = _back(admin, "mastodon", code="mockcode_alice", state="forged")
    assert "does not belong to the connect flow started in this browser" in forged
    done = _returned(admin, url, "alice")
    assert "Channel masto (mastodon) connected as @alice." in done
    channel = pub_of(world).get_channel(world.ids["acme.workspace"], "masto")
    stored = json.loads(secret_box.decrypt(settings, pub_of(world).channel_secrets(channel.id)))
    assert stored["client_id"] == client_id
    assert stored["token"] not in done and stored["client_secret"] not in done
    assert "No connect flow is waiting" in _back(
        admin, "mastodon", code="mockcode_alice", state=query["state"]
    )

    # The stored token works through Resonanz (the channel's test).
    tested = admin.post(
        f"{CHANNELS}/{channel.id}/test", data={"csrf_token": csrf_of(admin, CHANNELS)}
    )
    assert "The channel works." in tested.text and stored["token"] not in tested.text

    # Reconnect: the form keeps the instance, the registered app is reused.
    again = admin.get(CHANNELS, params={"reconnect": channel.id}).text
    assert f'value="{instance}"' in again
    url, query = _start(admin, kind="mastodon", name="masto")
    assert query["client_id"] == client_id
    assert "connected as @bob." in _returned(admin, url, "bob")


def test_denied_refused_and_missing_in_german(
    admin: TestClient,  # noqa: F811  (the fixture imported above)
    instance: str,
    world: World,
) -> None:
    admin.get(CHANNELS, params={"lang": "de"})
    missing = admin.post(
        f"{CHANNELS}/connect",
        data={"kind": "mastodon", "name": "m", "csrf_token": csrf_of(admin, CHANNELS)},
    )
    assert missing.status_code == 422
    assert "Geben Sie den Namen und die Mastodon-Instanz an." in missing.text

    _, query = _start(admin, kind="mastodon", name="m", instance=instance)
    denied = _back(
        admin,
        "mastodon",
        error="access_denied",
        error_description="The resource owner or authorization server denied the request.",
        state=query["state"],
    )
    assert "Die Plattform hat den Zugriff verweigert: The resource owner" in denied
    assert f'value="{instance}"' in denied  # the form again, to try once more

    _, query = _start(admin, kind="mastodon", name="m", instance=instance)
    refused = _back(admin, "mastodon", code="mockcode_nobody", state=query["state"])
    assert "Der Kanal wurde nicht verbunden:" in refused and "400" in refused
    assert pub_of(world).list_channels(world.ids["acme.workspace"]) == []
