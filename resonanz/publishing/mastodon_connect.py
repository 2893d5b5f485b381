"""Connecting a Mastodon account with OAuth 2: the app registered on the instance itself
(``POST /api/v1/apps``, so no client id is typed), the authorize URL (with PKCE S256:
Mastodon 4.3 and later check it, older ones ignore it), the code exchanged at
``/oauth/token``, then the account checked and stored like a pasted token.

The registered app (client id and secret) is kept encrypted in the secrets of the
channels connected through it, with ``oauth_redirect_uri`` in their config: a later
connect to the same instance with the same redirect URI in the workspace reuses it, so
the instance does not collect one app per connect. An app registered for a flow that was
never finished is not kept (the next connect registers another). Mastodon's tokens do
not expire.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from resonanz import secrets as secret_box
from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError, ResonanzError
from resonanz.publishing.channels.mastodon import MastodonChannel
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.oauth import Authorization, OAuthApp, OAuthProvider, start, token_request
from resonanz.publishing.oauth_connect import store_connected
from resonanz.sources.api import ApiClient
from resonanz.sources.retry import RetryPolicy
from resonanz.store.publishing import PublishingStore

OOB = "urn:ietf:wg:oauth:2.0:oob"  # Mastodon shows the code instead of redirecting
# verify_credentials (read:accounts), statuses with polls and threads (write:statuses),
# images (write:media); /api/v1/instance needs no token.
SCOPES = ("read:accounts", "write:statuses", "write:media")
CLIENT_NAME = "Resonanz"


def instance_url(instance: str, settings: Settings) -> str:
    """The instance URL as the channel keeps it (https:// added, checked)."""
    config, _ = MastodonChannel.validate({"instance": instance}, {"token": "-"}, settings)
    return str(config["instance"])


def _kept_app(
    pub: PublishingStore, settings: Settings, workspace_id: int, instance: str, redirect: str
) -> OAuthApp | None:
    """The app a channel of this workspace was connected through (same instance and
    redirect URI), or None."""
    for channel in pub.list_channels(workspace_id):
        config = channel.config
        if channel.kind != "mastodon" or config.get("instance") != instance:
            continue
        if config.get("oauth_redirect_uri") != redirect:
            continue
        stored = pub.channel_secrets(channel.id)
        values: dict[str, str] = json.loads(secret_box.decrypt(settings, stored)) if stored else {}
        if values.get("client_id") and values.get("client_secret"):
            return OAuthApp(values["client_id"], values["client_secret"], redirect)
    return None


def register_app(settings: Settings, instance: str, redirect: str, **options: Any) -> OAuthApp:
    """Register Resonanz as an app on the instance (``POST /api/v1/apps``)."""
    body = {
        "client_name": CLIENT_NAME,
        "redirect_uris": redirect,
        "scopes": " ".join(SCOPES),
    }
    if settings.base_url:  # the app's website as the instance shows it: this Resonanz
        body["website"] = settings.base_url.rstrip("/")
    api = ApiClient(
        settings,
        service=f"Mastodon {instance}",
        base_url=instance,
        transport=options.get("transport"),
        policy=RetryPolicy(attempts=1, max_delay=0.0),
    )
    try:
        data = api.request("POST", "/api/v1/apps", json_body=body).data
    except ResonanzError as exc:
        raise ConfigError(f"the instance did not register Resonanz as an app: {exc}") from exc
    finally:
        api.close()
    client_id = data.get("client_id") if isinstance(data, Mapping) else None
    client_secret = data.get("client_secret") if isinstance(data, Mapping) else None
    if not isinstance(client_id, str) or not isinstance(client_secret, str):
        raise ConfigError("the instance answered the app registration without a client id")
    return OAuthApp(client_id, client_secret, redirect)


def app_for(
    pub: PublishingStore,
    settings: Settings,
    workspace_id: int,
    instance: str,
    redirect: str,
    **options: Any,
) -> OAuthApp:
    """The kept app for this instance and redirect URI, or a newly registered one."""
    kept = _kept_app(pub, settings, workspace_id, instance, redirect)
    return kept or register_app(settings, instance, redirect, **options)


def begin(instance: str, app: OAuthApp) -> Authorization:
    """The instance's authorize URL (state and PKCE verifier kept by the caller)."""
    return start(OAuthProvider(f"{instance}/oauth/authorize", SCOPES, pkce=True), app)


def finish(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    workspace_id: int,
    name: str,
    config: Mapping[str, Any],
    app: OAuthApp,
    code: str,
    verifier: str | None,
    **options: Any,
) -> PublishChannel:
    """Exchange the code at ``/oauth/token``, then check and store the channel (an
    existing Mastodon channel of that name gets the new token)."""
    instance = str(config["instance"])
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret or "",
        "redirect_uri": app.redirect_uri,
        "scope": " ".join(SCOPES),
    }
    if verifier:
        form["code_verifier"] = verifier
    try:
        data = token_request(
            settings,
            f"{instance}/oauth/token",
            form,
            service=f"Mastodon {instance}",
            transport=options.get("transport"),
        )
    except PublishError as exc:
        raise ConfigError(f"channel {name!r}: the code was not accepted: {exc}") from exc
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise ConfigError(f"channel {name!r}: the instance answered without an access token")
    stored_config = {**dict(config), "oauth_redirect_uri": app.redirect_uri}
    secrets = {"token": token, "client_id": app.client_id, "client_secret": app.client_secret or ""}
    return store_connected(
        pub, settings, classes, workspace_id, "mastodon", name, stored_config, secrets, **options
    )
