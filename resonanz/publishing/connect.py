"""Channels: add (credentials checked, then stored encrypted), test, reconnect, remove.

Secrets are one JSON object encrypted with resonanz.secrets (AES-GCM); the config holds
what may be shown (instance, handle) and what a check learned (limits, DID, account).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from resonanz import secrets as secret_box
from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError, ValidationError
from resonanz.publishing.channels import ChannelClient, channel_class
from resonanz.publishing.models import PublishChannel
from resonanz.store.publishing import PublishingStore

CONNECTED = "connected"
DISCONNECTED = "disconnected"


def _now() -> datetime:
    return datetime.now(UTC)


def open_client(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    channel: PublishChannel,
    **options: Any,
) -> ChannelClient:
    """A client for a stored channel, its credentials decrypted (ConfigError when the key
    that encrypted them is gone)."""
    cls = channel_class(classes, channel.kind)
    stored = pub.channel_secrets(channel.id)
    values: dict[str, str] = json.loads(secret_box.decrypt(settings, stored)) if stored else {}
    client: ChannelClient = cls(channel.config, values, settings, **options)
    return client


def add_channel(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    workspace_id: int,
    kind: str,
    name: str,
    config: Mapping[str, Any],
    secrets: Mapping[str, str],
    **options: Any,
) -> PublishChannel:
    """Check the credentials against the platform, then store the channel. Nothing is
    stored when the platform refuses them."""
    if not name.strip():
        raise ValidationError("a channel needs a name")
    cls = channel_class(classes, kind)
    checked_config, checked_secrets = cls.validate(config, secrets, settings)
    client = cls(checked_config, checked_secrets, settings, **options)
    try:
        result = client.check()
    except PublishError as exc:
        raise ConfigError(f"channel {name!r} was not added: {exc}") from exc
    finally:
        client.close()
    sealed = secret_box.encrypt(settings, json.dumps(checked_secrets))
    return pub.add_channel(
        workspace_id,
        kind,
        name.strip(),
        {**checked_config, **result.config},
        sealed,
        at=_now(),
    )


def check_channel(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    channel: PublishChannel,
    **options: Any,
) -> PublishChannel:
    """Check the stored credentials again: connected with fresh limits on success,
    disconnected with the platform's message when they are refused (PublishError raised
    after recording it). An access token about to expire is refreshed first."""
    from resonanz.publishing.oauth_tokens import ensure_fresh

    channel = ensure_fresh(pub, settings, classes, channel, **options)
    client = open_client(pub, settings, classes, channel, **options)
    try:
        result = client.check()
    except PublishError as exc:
        status = DISCONNECTED if exc.auth else channel.status
        pub.update_channel(channel.id, at=_now(), error=str(exc), status=status)
        raise
    finally:
        client.close()
    return pub.update_channel(
        channel.id, at=_now(), config={**channel.config, **result.config}, status=CONNECTED
    )


def reconnect_channel(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    channel: PublishChannel,
    secrets: Mapping[str, str],
    **options: Any,
) -> PublishChannel:
    """Replace the credentials (checked first) and mark the channel connected."""
    cls = channel_class(classes, channel.kind)
    checked_config, checked_secrets = cls.validate(channel.config, secrets, settings)
    client = cls(checked_config, checked_secrets, settings, **options)
    try:
        result = client.check()
    except PublishError as exc:
        raise ConfigError(f"channel {channel.name!r} was not reconnected: {exc}") from exc
    finally:
        client.close()
    return pub.update_channel(
        channel.id,
        at=_now(),
        config={**checked_config, **result.config},
        secrets=secret_box.encrypt(settings, json.dumps(checked_secrets)),
        status=CONNECTED,
    )
