"""Connecting OAuth channels from the channels page: the authorize URL with state (and
PKCE for X), the callback's checks (a forged, a reused and another workspace's state are
refused, as is a platform's "denied"), the code exchanged against a loopback server that
replays the platforms' documented token bodies, the channel stored encrypted and
reconnected the same way. No token, secret or code is ever rendered or kept in the
session cookie in the clear. SQLite."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from resonanz import secrets as secret_box
from resonanz.config import Settings
from resonanz.web import create_app
from resonanz.web.app import SESSION_COOKIE
from tests.publishing.test_meta_connect import ACCOUNTS
from tests.sources.apiserver import ApiServer, JsonReply, serve
from tests.web.conftest import World, csrf_of, log_in
from tests.web.publishing_world import pub_of

KEY = base64.b64encode(b"resonanz-connect-web-tests-key-3").decode()
BASE = "https://resonanz.example"
CHANNELS = "/w/acme/channels"
X_GRANT = {
    "token_type": "bearer",
    "expires_in": 7200,
    "access_token": "x-access-1",
    "scope": "tweet.read tweet.write users.read offline.access media.write",
    "refresh_token": "x-refresh-1",
}
X_ME = {"data": {"id": "2244994945", "name": "X Dev", "username": "TwitterDev"}}


@pytest.fixture
def platform() -> Iterator[ApiServer]:
    yield from serve()


@pytest.fixture
def settings(web_settings: Settings) -> Settings:
    """The web test settings with a public base_url, an encryption key and loopback
    platforms allowed."""
    return replace(web_settings, allow_private_targets=True, encryption_key=KEY, base_url=BASE)


@pytest.fixture
def admin(world: World, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, world.store)) as client:
        yield log_in(client, world.users["admin"].email)


def _start(client: TestClient, **form: str) -> tuple[str, dict[str, str]]:
    """Send the connect form; the authorize URL and its query."""
    token = csrf_of(client, CHANNELS)
    page = client.post(f"{CHANNELS}/connect", data={**form, "csrf_token": token})
    assert page.status_code == 200, page.text
    found = re.search(r'<a id="authorize" href="([^"]+)"', page.text)
    assert found, page.text
    url = html.unescape(found.group(1))
    return url, {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def _back(client: TestClient, kind: str, slug: str = "acme", **params: str) -> str:
    """Call the callback; it always redirects to the channels page (code and state out of
    the address bar): that page's text."""
    answer = client.get(f"/w/{slug}/channels/callback/{kind}", params=params)
    assert [r.status_code for r in answer.history] == [303], answer.text
    assert answer.status_code == 200 and answer.url.path == f"/w/{slug}/channels"
    assert not answer.url.query or answer.url.query.startswith(b"connected=")
    return answer.text


def _cookie(client: TestClient) -> str:
    value = client.cookies.get(SESSION_COOKIE) or ""
    payload = value.split(".", 1)[0]
    return base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()


def test_x_connects_with_pkce_and_reconnects(
    admin: TestClient, platform: ApiServer, world: World, settings: Settings
) -> None:
    page = admin.get(CHANNELS).text
    assert f"{BASE}/w/acme/channels/callback/x" in page  # the redirect URI to register
    platform.script("POST", "/2/oauth2/token", JsonReply(X_GRANT))
    platform.script("GET", "/2/users/me", JsonReply(X_ME))
    form = {"kind": "x", "name": "xdev", "client_id": "cid", "api": platform.base_url}
    url, query = _start(admin, **form)
    assert url.startswith("https://x.com/i/oauth2/authorize?")
    assert query["client_id"] == "cid" and query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == f"{BASE}/w/acme/channels/callback/x"
    state = query["state"]
    cookie = _cookie(admin)  # the PKCE verifier is sealed in it, not readable

    forged = _back(admin, "x", code="c", state="forged")
    assert "does not belong to the connect flow started in this browser" in forged
    assert platform.calls("/2/oauth2/token") == []

    done = admin.get(
        f"{CHANNELS}/callback/x",
        params={"code": "the-code", "state": state},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    shown = admin.get(done.headers["location"]).text
    assert "Channel xdev (x) connected as @TwitterDev." in shown
    assert "x-access-1" not in shown and "x-refresh-1" not in shown
    [call] = platform.calls("/2/oauth2/token")
    sent = {k: v[-1] for k, v in parse_qs(call.body.decode()).items()}
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == query["code_challenge"]
    assert sent["code_verifier"] not in cookie
    assert sent["code"] == "the-code" and sent["redirect_uri"] == query["redirect_uri"]
    channel = pub_of(world).get_channel(world.ids["acme.workspace"], "xdev")
    stored = pub_of(world).channel_secrets(channel.id) or ""
    assert "x-access-1" not in stored
    assert json.loads(secret_box.decrypt(settings, stored))["access_token"] == "x-access-1"

    assert "No connect flow is waiting" in _back(admin, "x", code="the-code", state=state)
    assert len(platform.calls("/2/oauth2/token")) == 1

    # Reconnect: the form filled in for the channel, a new grant replaces the tokens.
    again = admin.get(CHANNELS, params={"reconnect": channel.id}).text
    assert 'value="xdev"' in again and '<option value="x" selected>' in again
    platform.script("POST", "/2/oauth2/token", JsonReply({**X_GRANT, "access_token": "x-2"}))
    _, query = _start(admin, **form)
    back = admin.get(
        f"{CHANNELS}/callback/x",
        params={"code": "code-2", "state": query["state"]},
        follow_redirects=False,
    )
    assert back.status_code == 303
    assert back.headers["location"].endswith(f"connected={channel.id}")
    stored = pub_of(world).channel_secrets(channel.id) or ""
    assert json.loads(secret_box.decrypt(settings, stored))["access_token"] == "x-2"


def test_denied_refused_and_other_workspace(
    admin: TestClient, platform: ApiServer, world: World
) -> None:
    form = {
        "kind": "linkedin",
        "name": "li",
        "client_id": "78abcdef",
        "client_secret": "li-app-secret-123",
        "api": platform.base_url,
    }
    missing = admin.post(
        f"{CHANNELS}/connect",
        data={**form, "client_secret": "", "csrf_token": csrf_of(admin, CHANNELS)},
    )
    assert missing.status_code == 422 and "This platform needs the app" in missing.text
    _, query = _start(admin, **form)
    assert "li-app-secret-123" not in _cookie(admin)  # sealed, not only signed
    assert query["redirect_uri"] == f"{BASE}/w/acme/channels/callback/linkedin"
    admin.get(CHANNELS, params={"lang": "de"})
    denied = _back(
        admin,
        "linkedin",
        error="user_cancelled_login",
        error_description="The user cancelled LinkedIn login",
        state=query["state"],
    )
    assert "Die Plattform hat den Zugriff verweigert: The user cancelled LinkedIn login" in denied
    assert 'value="li"' in denied and 'value="78abcdef"' in denied  # the form, to try again
    assert "No connect flow" not in admin.get(CHANNELS, params={"lang": "en"}).text  # once

    # LinkedIn's documented answer to a bad or expired code.
    refused = {
        "error": "invalid_request",
        "error_description": "Unable to retrieve access token: appid/redirect uri/code "
        "verifier does not match authorization code. Or authorization code expired.",
    }
    platform.script("POST", "/oauth/v2/accessToken", JsonReply(refused, status=400))
    _, query = _start(admin, **form)
    failed = _back(admin, "linkedin", code="expired-code-77", state=query["state"])
    assert "The channel was not connected:" in failed and "authorization code expired" in failed
    assert "li-app-secret-123" not in failed and "expired-code-77" not in failed
    [call] = platform.calls("/oauth/v2/accessToken")
    assert parse_qs(call.body.decode())["client_secret"] == ["li-app-secret-123"]

    # A flow started in acme is refused by the callback of another workspace (where the
    # same user is admin too), and it is spent.
    world.store.accounts.add_member(world.ids["other.workspace"], world.users["admin"].id, "admin")
    _, query = _start(admin, **form)
    elsewhere = _back(admin, "linkedin", "other", code="c", state=query["state"])
    assert "started in another workspace" in elsewhere
    after = _back(admin, "linkedin", code="c", state=query["state"])
    assert "No connect flow is waiting" in after
    assert len(platform.calls("/oauth/v2/accessToken")) == 1
    assert pub_of(world).list_channels(world.ids["other.workspace"]) == []
    assert pub_of(world).list_channels(world.ids["acme.workspace"]) == []


def test_a_facebook_page_picked_and_an_instagram_account_named(
    admin: TestClient, platform: ApiServer, world: World
) -> None:
    v = "/v21.0"
    short = {"access_token": "EAAshort-1", "token_type": "bearer", "expires_in": 5400}
    long = {"access_token": "EAAlong-2", "token_type": "bearer", "expires_in": 5183944}
    platform.script("POST", f"{v}/oauth/access_token", [JsonReply(short), JsonReply(long)])
    platform.script("GET", f"{v}/me/accounts", JsonReply(ACCOUNTS))
    page = {"id": "222222222222222", "name": "ACME Kaffee"}
    platform.script("GET", f"{v}/222222222222222", JsonReply(page))
    ig = {"id": "17841400000000001", "username": "acme.kaffee"}
    platform.script("GET", f"{v}/17841400000000001", JsonReply(ig))
    form = {
        "kind": "facebook",
        "name": "fb",
        "client_id": "1234567890",
        "client_secret": "meta-secret-9",
        "api": platform.base_url,
    }
    url, query = _start(admin, **form)
    assert urlsplit(url).netloc == "www.facebook.com" and "pages_manage_posts" in query["scope"]
    # Two Pages granted, none named: the admin picks one (labels only, no token).
    choice = admin.get(
        f"{CHANNELS}/callback/facebook", params={"code": "good", "state": query["state"]}
    )
    assert choice.url.path == f"{CHANNELS}/connect/page", choice.text
    assert "Vereinsheim" in choice.text and "ACME Kaffee" in choice.text
    assert "EAA" not in choice.text and "EAAlong-2" not in _cookie(admin)
    token = csrf_of(admin, CHANNELS)
    picked = admin.post(
        f"{CHANNELS}/connect/page",
        data={"page": "222222222222222", "csrf_token": token},
        follow_redirects=False,
    )
    assert picked.status_code == 303, picked.text
    channel = pub_of(world).get_channel(world.ids["acme.workspace"], "fb")
    assert channel.config["page"] == "222222222222222" and channel.status == "connected"
    assert "EAApage-token-acme-3" not in admin.get(picked.headers["location"]).text
    again = admin.post(
        f"{CHANNELS}/connect/page",
        data={"page": "111111111111111", "csrf_token": token},
    )
    assert "No connect flow is waiting" in again.text  # the pick is used once
    assert len(pub_of(world).list_channels(world.ids["acme.workspace"])) == 1

    # Instagram with the account named up front: no choice needed.
    _, query = _start(admin, **{**form, "kind": "instagram", "name": "ig"}, page="@acme.kaffee")
    assert "instagram_content_publish" in query["scope"]
    done = _back(admin, "instagram", code="good", state=query["state"])
    assert "Channel ig (instagram) connected as @acme.kaffee." in done


def test_threads_short_then_long_lived_token(
    admin: TestClient, platform: ApiServer, world: World, settings: Settings
) -> None:
    short = {"access_token": "THQVshort-1", "user_id": 17841400000000001}
    long = {"access_token": "THQVlong-2", "token_type": "bearer", "expires_in": 5183944}
    platform.script("POST", "/oauth/access_token", JsonReply(short))
    platform.script("GET", "/access_token", JsonReply(long))
    platform.script("GET", "/v1.0/me", JsonReply({"id": "17841400000000001", "username": "acme"}))
    form = {
        "kind": "threads",
        "name": "th",
        "client_id": "990011",
        "client_secret": "threads-secret-5",
        "api": platform.base_url,
    }
    url, query = _start(admin, **form)
    assert url.startswith("https://threads.net/oauth/authorize?")
    assert query["scope"] == "threads_basic,threads_content_publish"
    page = _back(admin, "threads", code="th-code", state=query["state"])
    assert "Channel th (threads) connected as" in page
    assert "THQV" not in page and "threads-secret-5" not in page
    [exchange] = platform.calls("/access_token")
    assert exchange.param("grant_type") == "th_exchange_token"
    assert exchange.param("access_token") == "THQVshort-1"
    channel = pub_of(world).get_channel(world.ids["acme.workspace"], "th")
    assert channel.status == "connected" and channel.config["auto_refresh"] is True
    sealed = pub_of(world).channel_secrets(channel.id) or ""
    assert json.loads(secret_box.decrypt(settings, sealed))["access_token"] == "THQVlong-2"
