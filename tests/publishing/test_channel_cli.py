"""`resonanz channels add` for the token channels and `resonanz channels connect` (OAuth
with PKCE for X) end to end, against the loopback platform server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.errors import ConfigError
from resonanz.publishing.oauth import code_from
from tests.sources.apiserver import ApiServer, JsonReply

TG = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


def _ok(cli: CliRunner, *args: str, input: str | None = None) -> str:
    result = cli.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_add_telegram_with_a_bot_token(cli: CliRunner, platform: ApiServer) -> None:
    me = {"id": 1, "is_bot": True, "username": "resonanz_bot"}
    platform.script("POST", f"/bot{TG}/getMe", JsonReply({"ok": True, "result": me}))
    chat = {"id": -1001, "title": "ACME News", "username": "acme_news", "type": "channel"}
    platform.script("POST", f"/bot{TG}/getChat", JsonReply({"ok": True, "result": chat}))
    member = {"status": "administrator", "can_post_messages": True}
    platform.script("POST", f"/bot{TG}/getChatMember", JsonReply({"ok": True, "result": member}))
    out = _ok(
        cli,
        "channels",
        "add",
        "telegram",
        "tg",
        "--chat",
        "@acme_news",
        "--api",
        platform.base_url,
        input=f"{TG}\n",
    )
    assert "Channel 'tg' (telegram) added, posting as ACME News (via @resonanz_bot)." in out
    assert TG not in out
    listed = _ok(cli, "channels", "list")
    assert "credentials end" in listed and "ACME News" in listed and TG not in listed
    refused = cli.invoke(
        app, ["channels", "add", "telegram", "bad", "--chat", "acme", "--token", TG]
    )
    assert refused.exit_code != 0 and "--chat" in refused.output


def test_connect_x_with_pkce(cli: CliRunner, platform: ApiServer) -> None:
    grant = {
        "token_type": "bearer",
        "expires_in": 7200,
        "access_token": "x-access",
        "scope": "tweet.read tweet.write users.read offline.access",
        "refresh_token": "x-refresh",
    }
    platform.script("POST", "/2/oauth2/token", JsonReply(grant))
    me = {"data": {"id": "2244994945", "name": "X Dev", "username": "TwitterDev"}}
    platform.script("GET", "/2/users/me", JsonReply(me))
    out = _ok(
        cli,
        "channels",
        "connect",
        "x",
        "xdev",
        "--client-id",
        "cid",
        "--redirect-uri",
        "http://127.0.0.1:8765/callback",
        "--api",
        platform.base_url,
        input="the-code\n",
    )
    url = next(
        line for line in out.splitlines() if line.startswith("https://x.com/i/oauth2/authorize?")
    )
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == ["cid"]
    assert query["scope"] == ["tweet.read tweet.write users.read offline.access media.write"]
    [call] = platform.calls("/2/oauth2/token")
    form = parse_qs(call.body.decode())
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["the-code"]
    assert len(form["code_verifier"][0]) >= 43  # the verifier whose S256 was sent
    assert "Channel 'xdev' (x) connected as @TwitterDev." in out
    assert "auto-refreshed" in _ok(cli, "channels", "list")
    assert "x-access" not in _ok(cli, "channels", "list")
    refused = cli.invoke(
        app,
        ["channels", "connect", "telegram", "tg", "--client-id", "c", "--redirect-uri", "http://x"],
    )
    assert refused.exit_code != 0 and "no OAuth connect flow" in refused.output


def test_the_pasted_redirect_is_checked() -> None:
    assert code_from("http://127.0.0.1/cb?code=abc&state=s1", "s1") == "abc"
    assert code_from("  abc  ", "s1") == "abc"
    with pytest.raises(ConfigError, match="state does not match"):
        code_from("http://127.0.0.1/cb?code=abc&state=evil", "s1")
    with pytest.raises(ConfigError, match="refused the authorization: user_cancelled_login"):
        code_from("http://127.0.0.1/cb?error=user_cancelled_login&state=s1", "s1")
