"""Facebook Login for a Facebook Page and an Instagram professional account, against a
loopback server replaying the Graph API's documented bodies: the code and token
exchanges at /oauth/access_token, /me/accounts with Page tokens and linked Instagram
accounts, and the error bodies (190 invalid token, 10 permission, 100 used code, no
Pages). No token is printed or sent in a URL."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from resonanz import secrets as secret_box
from resonanz.cli import app
from resonanz.errors import ConfigError
from resonanz.publishing.meta_connect import begin, choose, connect_page, pages, user_token
from resonanz.publishing.oauth import OAuthApp
from tests.sources.apiserver import ApiServer, JsonReply, Recorded

from .conftest import SETTINGS, World

V = "/v21.0"
TOKEN_PATH = f"{V}/oauth/access_token"
APP = OAuthApp("1234567890", "app-secret-abcdef", "https://resonanz.example/oauth/meta")
SHORT, LONG = "EAAshort-user-token-1", "EAAlong-user-token-2"
PAGE_TOKEN, OTHER_TOKEN = "EAApage-token-acme-3", "EAApage-token-other-4"
ACCOUNTS = {
    "data": [
        {
            "access_token": OTHER_TOKEN,
            "category": "Community",
            "name": "Vereinsheim",
            "id": "111111111111111",
            "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
        },
        {
            "access_token": PAGE_TOKEN,
            "category": "Coffee Shop",
            "name": "ACME Kaffee",
            "id": "222222222222222",
            "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
            "instagram_business_account": {"id": "17841400000000001", "username": "acme.kaffee"},
        },
    ],
    "paging": {"cursors": {"before": "QVFIUmx", "after": "QVFIUnB"}},
}


def _graph_error(message: str, code: int, subcode: int | None = None) -> dict[str, object]:
    error: dict[str, object] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGh123",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def _token_endpoint(recorded: Recorded) -> JsonReply:
    """Meta's /oauth/access_token: the code for a short-lived token (expires_in ~1-2 h),
    that one for a long-lived token (~60 days)."""
    form = {k: v[-1] for k, v in parse_qs(recorded.body.decode()).items()}
    if form.get("client_id") != APP.client_id or form.get("client_secret") != APP.client_secret:
        return JsonReply(_graph_error("Error validating client secret.", 1), status=400)
    if form.get("grant_type") == "fb_exchange_token":
        if form.get("fb_exchange_token") != SHORT:
            return JsonReply(
                _graph_error("Error validating access token: Invalid OAuth access token.", 190),
                status=400,
            )
        return JsonReply({"access_token": LONG, "token_type": "bearer", "expires_in": 5183944})
    if form.get("code") != "good-code" or form.get("redirect_uri") != APP.redirect_uri:
        return JsonReply(
            _graph_error("This authorization code has been used.", 100, 36009), status=400
        )
    return JsonReply({"access_token": SHORT, "token_type": "bearer", "expires_in": 5400})


def _meta(platform: ApiServer, accounts: JsonReply | None = None) -> None:
    platform.script("POST", TOKEN_PATH, _token_endpoint)
    platform.script("GET", f"{V}/me/accounts", accounts or JsonReply(ACCOUNTS))
    platform.script(
        "GET", f"{V}/222222222222222", JsonReply({"id": "222222222222222", "name": "ACME Kaffee"})
    )
    platform.script(
        "GET",
        f"{V}/17841400000000001",
        JsonReply({"id": "17841400000000001", "username": "acme.kaffee"}),
    )


def _no_secret_in_urls(platform: ApiServer) -> None:
    for request in platform.requests:
        query = json.dumps(request.query)
        for secret in (SHORT, LONG, PAGE_TOKEN, APP.client_secret or "", "good-code"):
            assert secret not in query, request.path


def test_the_login_dialog_asks_for_the_page_scopes() -> None:
    started = begin("facebook", APP)
    url = urlsplit(started.url)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    assert url.netloc == "www.facebook.com" and url.path == "/v21.0/dialog/oauth"
    assert query["scope"] == "pages_manage_posts,pages_read_engagement,pages_show_list"
    assert query["state"] == started.state and query["response_type"] == "code"
    assert query["client_id"] == APP.client_id and query["redirect_uri"] == APP.redirect_uri
    assert APP.client_secret not in started.url
    ig = {k: v[-1] for k, v in parse_qs(urlsplit(begin("instagram", APP).url).query).items()}
    assert ig["scope"].split(",")[:2] == ["instagram_basic", "instagram_content_publish"]
    with pytest.raises(ConfigError, match="--client-secret is needed"):
        begin("facebook", OAuthApp("1234567890", None, APP.redirect_uri))


def test_a_page_is_connected_with_its_page_token(
    world: World, classes: dict[str, type], platform: ApiServer
) -> None:
    _meta(platform)
    long = user_token(SETTINGS, APP, "good-code", api=platform.base_url)
    assert long == LONG
    [_, exchange] = platform.calls(TOKEN_PATH)
    form = parse_qs(exchange.body.decode())
    assert form["grant_type"] == ["fb_exchange_token"] and form["fb_exchange_token"] == [SHORT]
    granted = pages(SETTINGS, long, api=platform.base_url)
    [listing] = platform.calls(f"{V}/me/accounts")
    assert listing.headers["authorization"] == f"Bearer {LONG}"
    assert "instagram_business_account{id,username}" in (listing.param("fields") or "")
    assert PAGE_TOKEN not in repr(granted)
    with pytest.raises(ConfigError, match="several Pages were granted; choose one with --page"):
        choose(granted, "facebook", None)
    page = choose(granted, "facebook", "acme kaffee")
    ws = world.workspace.id
    channel = connect_page(
        world.pub, SETTINGS, classes, ws, "facebook", "fb", page, api=platform.base_url
    )
    assert channel.config["page"] == "222222222222222" and channel.status == "connected"
    assert channel.config["account"] == "ACME Kaffee" and channel.config["token_expires_at"] is None
    [check] = platform.calls(f"{V}/222222222222222")
    assert check.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    # Connected again (a new Page token): the same channel, the new token.
    world.pub.update_channel(channel.id, at=channel.created_at, error="revoked", status="x")
    again = connect_page(
        world.pub,
        SETTINGS,
        classes,
        ws,
        "facebook",
        "fb",
        choose(pages(SETTINGS, long, api=platform.base_url), "facebook", "222222222222222"),
        api=platform.base_url,
    )
    assert again.id == channel.id and again.status == "connected"
    sealed = world.pub.channel_secrets(channel.id)
    assert sealed and json.loads(secret_box.decrypt(SETTINGS, sealed)) == {
        "access_token": PAGE_TOKEN
    }
    _no_secret_in_urls(platform)


def test_errors_are_meta_messages(platform: ApiServer) -> None:
    _meta(platform)
    with pytest.raises(ConfigError, match="This authorization code has been used"):
        user_token(SETTINGS, APP, "spent-code", api=platform.base_url)
    invalid = _graph_error(
        "Error validating access token: The user has not authorized application 1234567890.",
        190,
        458,
    )
    platform.script("GET", f"{V}/me/accounts", JsonReply(invalid, status=400))
    with pytest.raises(ConfigError, match=r"has not authorized application.*code 190"):
        pages(SETTINGS, LONG, api=platform.base_url)
    denied = _graph_error("(#10) Application does not have permission for this action", 10)
    platform.script("GET", f"{V}/me/accounts", JsonReply(denied, status=403))
    with pytest.raises(ConfigError, match=r"does not have permission.*code 10"):
        pages(SETTINGS, LONG, api=platform.base_url)
    platform.script("GET", f"{V}/me/accounts", JsonReply({"data": []}))
    with pytest.raises(ConfigError, match="granted no Pages to the app"):
        choose(pages(SETTINGS, LONG, api=platform.base_url), "facebook", None)
    without_ig = {"data": [ACCOUNTS["data"][0]]}  # type: ignore[index]
    platform.script("GET", f"{V}/me/accounts", JsonReply(without_ig))
    with pytest.raises(ConfigError, match="none of the granted Pages has an Instagram"):
        choose(pages(SETTINGS, LONG, api=platform.base_url), "instagram", None)
    _no_secret_in_urls(platform)


def _connect(cli: CliRunner, platform: ApiServer, kind: str, *extra: str) -> str:
    result = cli.invoke(
        app,
        [
            "channels",
            "connect",
            kind,
            f"{kind}-acme",
            "--client-id",
            APP.client_id,
            "--client-secret",
            APP.client_secret or "",
            "--redirect-uri",
            APP.redirect_uri,
            "--api",
            platform.base_url,
            *extra,
        ],
        input="good-code\n",
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_connects_a_page_and_an_instagram_account(
    cli: CliRunner, platform: ApiServer, tmp_path: Path
) -> None:
    _meta(platform)
    out = _connect(cli, platform, "facebook", "--page", "222222222222222")
    assert "https://www.facebook.com/v21.0/dialog/oauth?" in out
    assert "Channel 'facebook-acme' (facebook) connected as ACME Kaffee" in out
    out += _connect(cli, platform, "instagram")  # the only Page with an Instagram account
    assert "Channel 'instagram-acme' (instagram) connected as @acme.kaffee" in out
    out += _connect(cli, platform, "facebook", "--page", "ACME Kaffee")  # connected again
    listing = cli.invoke(app, ["channels", "list"]).output
    assert "facebook-acme" in listing and "instagram-acme" in listing
    for secret in (SHORT, LONG, PAGE_TOKEN, OTHER_TOKEN, APP.client_secret or ""):
        assert secret not in out and secret not in listing
    _no_secret_in_urls(platform)
    from resonanz.store import open_store
    from resonanz.store.publishing import publishing_store

    store = open_store(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        pub = publishing_store(store)
        ws = store.get_workspace("acme").id
        fb, ig = pub.get_channel(ws, "facebook-acme"), pub.get_channel(ws, "instagram-acme")
        assert fb.config["page"] == "222222222222222" and fb.status == "connected"
        assert ig.config["ig_user"] == "17841400000000001"
        assert ig.config["account"] == "@acme.kaffee"
        for channel in (fb, ig):
            sealed = pub.channel_secrets(channel.id)
            assert sealed is not None and PAGE_TOKEN not in sealed
            assert json.loads(secret_box.decrypt(SETTINGS, sealed)) == {"access_token": PAGE_TOKEN}
        assert len(pub.list_channels(ws)) == 2
    finally:
        store.close()
