"""Connecting Mastodon with OAuth against mastodon-mock (the real peer): Resonanz
registered as an app on the instance, the authorize page driven as a browser would (the
mock's account picker), the code exchanged, the channel stored and then published from
with the stored token; the app reused by the next connect; a refused code stores nothing.
The CLI with the out-of-band redirect. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from resonanz import secrets as secret_box
from resonanz.cli import app as cli_app
from resonanz.cli import mastodon_connect as cli_connect
from resonanz.errors import ConfigError
from resonanz.publishing import compose
from resonanz.publishing.mastodon_connect import OOB, SCOPES, app_for, begin, finish
from resonanz.publishing.oauth import Authorization, code_from
from resonanz.publishing.scheduler import Scheduler, SchedulerOptions

from .conftest import SETTINGS, Clock, Mastodon, World

REDIRECT = "https://resonanz.example/w/acme/channels/callback/mastodon"


def authorize(url: str, user: str = "alice") -> httpx.Response:
    """What a browser does on the instance: open the authorize page and pick the account
    (the mock's picker stands in for the login); the instance's answer (a redirect back,
    or the page that shows the code for the out-of-band redirect)."""
    page = httpx.get(url)
    page.raise_for_status()
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action and f'value="{user}"' in page.text, page.text
    return httpx.post(urljoin(url, action.group(1)), data={**fields, "username": user})


def _connect(world: World, classes: dict[str, type], mastodon: Mastodon, user: str) -> str:
    """One connect of channel 'masto' as ``user``; the client id it used."""
    app = app_for(world.pub, SETTINGS, world.workspace.id, mastodon.url, REDIRECT)
    started = begin(mastodon.url, app)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(started.url).query).items()}
    assert started.url.startswith(f"{mastodon.url}/oauth/authorize?")
    assert query["scope"] == " ".join(SCOPES) and query["redirect_uri"] == REDIRECT
    assert query["client_id"] == app.client_id and query["code_challenge_method"] == "S256"
    back = authorize(started.url, user)
    assert back.status_code == 302 and back.headers["location"].startswith(REDIRECT + "?")
    code = code_from(back.headers["location"], started.state)  # the state checked
    with pytest.raises(ConfigError, match="state does not match"):
        code_from(back.headers["location"], "another-flow")
    channel = finish(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "masto",
        {"instance": mastodon.url},
        app,
        code,
        started.verifier,
    )
    assert channel.status == "connected" and channel.config["account"] == f"@{user}"
    return app.client_id


def test_connect_publish_reconnect_and_a_refused_code(
    world: World, classes: dict[str, type], mastodon: Mastodon, clock: Clock
) -> None:
    first_app = _connect(world, classes, mastodon, "alice")
    channel = world.pub.get_channel(world.workspace.id, "masto")
    assert channel.config["oauth_redirect_uri"] == REDIRECT
    stored = world.pub.channel_secrets(channel.id) or ""
    secrets = json.loads(secret_box.decrypt(SETTINGS, stored))
    assert set(secrets) == {"token", "client_id", "client_secret"}
    assert secrets["token"] not in stored and secrets["token"] not in str(channel.config)

    # The stored token publishes.
    post = compose.new_post(world.pub, classes, world.workspace.id, "Hallo OAuth", ["masto"])
    compose.publish_now(world.pub, classes, world.workspace.id, post.post.id)
    scheduler = Scheduler(
        world.pub, SETTINGS, classes, runner="test", clock=clock, options=SchedulerOptions()
    )
    try:
        assert len(scheduler.tick().sent) == 1
    finally:
        scheduler.close()
    [status] = mastodon.statuses("alice")
    assert "Hallo OAuth" in status["content"]

    # Connecting again (as bob) reuses the registered app and replaces the token.
    assert _connect(world, classes, mastodon, "bob") == first_app
    again = world.pub.get_channel(world.workspace.id, "masto")
    assert again.id == channel.id and again.config["account"] == "@bob"

    # A code the instance refuses: nothing stored.
    app = app_for(world.pub, SETTINGS, world.workspace.id, mastodon.url, REDIRECT)
    started = begin(mastodon.url, app)
    with pytest.raises(ConfigError, match=r"'other': the code was not accepted: .*400"):
        finish(
            world.pub,
            SETTINGS,
            classes,
            world.workspace.id,
            "other",
            {"instance": mastodon.url},
            app,
            "mockcode_nobody",
            started.verifier,
        )
    assert [c.name for c in world.pub.list_channels(world.workspace.id)] == ["masto"]
    with pytest.raises(ConfigError, match="refused the authorization: The user denied"):
        code_from(f"{REDIRECT}?error=access_denied&error_description=The user denied", "s")


def test_cli_connects_out_of_band(
    cli: CliRunner,
    mastodon: Mastodon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The user (standing in: the CLI's prompt) opens the printed URL in a browser
    (driven against the mock) and types the code the instance shows."""
    started: list[Authorization] = []

    def recorded(instance: str, app: object) -> Authorization:
        got = begin(instance, app)  # type: ignore[arg-type]
        started.append(got)
        return got

    def user_types(text: str) -> str:
        shown = authorize(started[-1].url, "carol")
        found = re.search(r"Authorization code: (\S+)</p>", shown.text)
        assert found, shown.text
        return found.group(1)

    monkeypatch.setattr(cli_connect, "begin", recorded)
    monkeypatch.setattr(cli_connect.typer, "prompt", user_types)
    result = cli.invoke(
        cli_app, ["channels", "connect", "mastodon", "masto", "--instance", mastodon.url]
    )
    assert result.exit_code == 0, result.output
    assert started[-1].url in result.output.replace("\n", "")
    assert f"redirect_uri={OOB.replace(':', '%3A')}" in started[-1].url
    assert "connected as @carol" in result.output
    users = httpx.get(f"{mastodon.url}/api/v1/_mock/dev_users").json()
    [token] = [u["access_token"] for u in users if u["username"] == "carol"]
    assert token not in result.output  # the token the exchange got is never printed
    listing = cli.invoke(cli_app, ["channels", "list"]).output
    assert "masto" in listing and "@carol" in listing

    missing = cli.invoke(cli_app, ["channels", "connect", "mastodon", "m2"])
    assert missing.exit_code != 0 and "--instance is needed" in missing.output
