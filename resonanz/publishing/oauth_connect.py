"""The OAuth connect flow for a channel: the authorize URL to open, then the code the
platform gave back exchanged for tokens, checked, and stored (a new channel, or the
tokens of an existing one replaced). See publishing.oauth."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from resonanz import secrets as secret_box
from resonanz.config import Settings
from resonanz.errors import ConfigError, NotFoundError, PublishError
from resonanz.publishing.channels import channel_class
from resonanz.publishing.connect import CONNECTED, add_channel
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.oauth import (
    Authorization,
    OAuthApp,
    OAuthProvider,
    grant_config,
    grant_secrets,
    start,
)
from resonanz.store.publishing import PublishingStore


def provider_for(cls: Any, config: Mapping[str, Any]) -> OAuthProvider:
    """The channel kind's authorization server, or ConfigError when it has no flow."""
    provider = (
        cls.oauth_provider(config)
        if hasattr(cls, "oauth_provider")
        else getattr(cls, "oauth", None)
    )
    if not isinstance(provider, OAuthProvider) or not hasattr(cls, "connect_grant"):
        raise ConfigError(
            f"{cls.kind} has no OAuth connect flow in Resonanz; add it with "
            f"'resonanz channels add {cls.kind} NAME --token …'"
        )
    return provider


def begin(
    classes: Mapping[str, type], kind: str, config: Mapping[str, Any], app: OAuthApp
) -> Authorization:
    """Start the flow: the URL the user opens (state and PKCE verifier kept in memory)."""
    if not app.client_id:
        raise ConfigError("--client-id is needed: the app's client id from the platform")
    return start(provider_for(channel_class(classes, kind), config), app)


def finish(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    workspace_id: int,
    kind: str,
    name: str,
    config: Mapping[str, Any],
    app: OAuthApp,
    code: str,
    authorization: Authorization,
    **options: Any,
) -> PublishChannel:
    """Exchange the code, check the account, store the tokens encrypted. An existing
    channel of that name (same kind) gets the new tokens and is connected again."""
    cls = channel_class(classes, kind)
    try:
        grant = cls.connect_grant(config, app, code, authorization.verifier, settings, **options)
    except PublishError as exc:
        raise ConfigError(f"channel {name!r}: the code was not accepted: {exc}") from exc
    # Refreshable: a refresh token came with it, or the platform renews the access
    # token itself (Threads' th_refresh_token).
    auto = grant.refresh_token is not None or bool(getattr(cls, "refreshes_access_token", False))
    stored_config = {**dict(config), **grant_config(grant, auto_refresh=auto)}
    secrets = grant_secrets(grant, app, {})
    return store_connected(
        pub, settings, classes, workspace_id, kind, name, stored_config, secrets, **options
    )


def store_connected(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    workspace_id: int,
    kind: str,
    name: str,
    stored_config: Mapping[str, Any],
    secrets: Mapping[str, str],
    **options: Any,
) -> PublishChannel:
    """Check and store what a connect flow got: a new channel, or an existing one of
    that name (same kind) with the new credentials, connected again."""
    cls = channel_class(classes, kind)
    try:
        existing = pub.get_channel(workspace_id, name)
    except NotFoundError:
        return add_channel(
            pub, settings, classes, workspace_id, kind, name, stored_config, secrets, **options
        )
    if existing.kind != kind:
        raise ConfigError(f"channel {name!r} is a {existing.kind} channel, not {kind}")
    merged = {**existing.config, **stored_config}
    checked_config, checked_secrets = cls.validate(merged, secrets, settings)
    client = cls(checked_config, checked_secrets, settings, **options)
    try:
        result = client.check()
    except PublishError as exc:
        raise ConfigError(f"channel {name!r} was not reconnected: {exc}") from exc
    finally:
        client.close()
    return pub.update_channel(
        existing.id,
        at=datetime.now(UTC),
        config={**checked_config, **result.config},
        secrets=secret_box.encrypt(settings, json.dumps(checked_secrets)),
        status=CONNECTED,
    )
