"""Setting up sources: a checked config from a kind and target, masked display, health state.

The CLI (``resonanz source ...``) and the web dashboard both call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from resonanz import secrets
from resonanz.config import Settings
from resonanz.models import SourceConfig

if TYPE_CHECKING:
    from resonanz.runtime import Runtime

# The config key a source's positional TARGET fills, for kinds that don't declare one.
TARGET_KEYS = {"rss": "url", "file": "path"}
# Config keys whose values are never shown (matched as parts of the key's name).
SECRET_PARTS = ("password", "passwd", "token", "secret", "key", "credential", "auth")
MASK = "••••••"


def new_source_config(
    runtime: Runtime, kind: str, target: str, options: Mapping[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """(default name, validated config with its credentials encrypted) for a new source;
    ConfigError when it is unusable."""
    cls = runtime.source_class(kind)
    key = getattr(cls, "target_key", None) or TARGET_KEYS.get(kind, "url")
    config: dict[str, Any] = cls.validate_config({key: target, **(options or {})}, runtime.settings)
    return str(cls.default_name(config)), encrypted_config(runtime.settings, config)


def updated_source_config(
    runtime: Runtime, source: SourceConfig, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The source's config with ``options`` changed (an empty value removes an option),
    validated again, credentials encrypted; ConfigError when it is unusable."""
    config = decrypted_config(runtime.settings, source.config)
    for key, value in options.items():
        if value == "":
            config.pop(key, None)
        else:
            config[key] = value
    cls = runtime.source_class(source.kind)
    return encrypted_config(runtime.settings, cls.validate_config(config, runtime.settings))


def encrypted_config(settings: Settings, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with every credential (a string under a secret key) encrypted at rest."""
    result: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            result[key] = encrypted_config(settings, value)
        elif (
            is_secret_key(str(key))
            and isinstance(value, str)
            and value
            and not secrets.is_encrypted(value)
        ):
            result[key] = secrets.encrypt(settings, value)
        else:
            result[key] = value
    return result


def decrypted_config(settings: Settings, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config as the connector needs it: credentials decrypted (ConfigError when the
    key that encrypted them is gone)."""
    result: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            result[key] = decrypted_config(settings, value)
        elif is_secret_key(str(key)) and isinstance(value, str) and secrets.is_encrypted(value):
            result[key] = secrets.decrypt(settings, value)
        else:
            result[key] = value
    return result


def is_secret_key(key: str) -> bool:
    """True for config keys that hold credentials (password, token, api_key, ...)."""
    lowered = key.lower()
    return any(part in lowered for part in SECRET_PARTS)


def masked_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with every credential's value replaced by a mask (nested dicts too)."""
    shown: dict[str, Any] = {}
    for key, value in config.items():
        if is_secret_key(str(key)):
            shown[key] = MASK if value else value
        elif isinstance(value, Mapping):
            shown[key] = masked_config(value)
        elif isinstance(value, str) and "://" in value:
            shown[key] = _masked_url(value)
        else:
            shown[key] = value
    return shown


def _masked_url(url: str) -> str:
    """The URL without the password of its user-info part (``https://u:p@host``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))


def source_target(source: SourceConfig) -> str:
    """What the source listens to, for lists: its URL or path, else its first plain text
    option (a query, hashtag, channel or page id); never a credential."""
    config = source.config
    target = config.get("url") or config.get("path")
    if not target:
        target = next(
            (
                value
                for key, value in config.items()
                if isinstance(value, str) and value and not is_secret_key(str(key))
            ),
            "",
        )
    return _masked_url(str(target))


def source_state(source: SourceConfig) -> str:
    """One of "disabled", "attention" (stopped until the user renews its credentials),
    "failing", "ok" or "new"."""
    health = source.health
    if not source.enabled:
        return "disabled"
    if health.attention:
        return "attention"
    if health.last_error and (
        health.last_success_at is None
        or (health.last_error_at and health.last_error_at >= health.last_success_at)
    ):
        return "failing"
    return "ok" if health.last_success_at else "new"
