"""The channel contract and the registry of channel kinds (through the plugin hooks).

A channel class has the class attributes ``kind`` (``"mastodon"``), ``label``,
``replaces_in_doubt`` (True when a retry after an attempt of unknown outcome replaces
what that attempt may have published, as Bluesky's fixed record key does) and
``idempotency_window_s`` (how long the platform remembers an idempotency key; None:
forever), the classmethods ``validate(config, secrets, settings)`` (checked config and
secrets) and ``text_limits(config)`` (a TextLimits), and, built with
``cls(config, secrets, settings)``, the methods of :class:`ChannelClient`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from resonanz.errors import ConfigError, PluginError
from resonanz.publishing.models import Attempt, Receipt

# Built-in channels, registered through the same hook as third-party ones.
BUILTIN_CHANNELS = (
    "resonanz.publishing.channels.mastodon",
    "resonanz.publishing.channels.bluesky",
    "resonanz.publishing.channels.x",
    "resonanz.publishing.channels.linkedin",
    "resonanz.publishing.channels.threads",
    "resonanz.publishing.channels.telegram",
    "resonanz.publishing.channels.facebook",
    "resonanz.publishing.channels.instagram",
)


@dataclass(frozen=True)
class ChannelCheck:
    """A successful check of a channel's credentials: who it posts as, and config values
    learned on the way (limits, ids) to keep in the channel's config."""

    account: str
    config: Mapping[str, Any] = field(default_factory=dict)


class ChannelClient(Protocol):
    """A connection to one channel's account."""

    def publish(self, attempt: Attempt) -> Receipt:
        """Publish the attempt's text exactly once (retries of the same attempt must not
        create a second post); raise PublishError on failure."""
        ...

    def check(self) -> ChannelCheck:
        """Verify the credentials; PublishError (``auth``) when they are refused."""
        ...

    def close(self) -> None: ...


def channel_classes(pm: Any = None) -> dict[str, type]:
    """Map channel kind -> channel class, from every plugin (built-ins included)."""
    if pm is None:
        from resonanz.plugins import create_plugin_manager

        pm = create_plugin_manager(load_entry_points=True)
    for name in BUILTIN_CHANNELS:
        if pm.get_plugin(name) is None:
            try:
                pm.register(importlib.import_module(name), name)
            except ImportError as exc:
                raise PluginError(f"built-in plugin {name} failed to import: {exc}") from exc
    result: dict[str, type] = {}
    for group in pm.hook.register_channels():
        for cls in group:
            kind = getattr(cls, "kind", None)
            if not isinstance(kind, str) or not kind:
                raise PluginError(f"channel class {cls!r} has no 'kind'")
            if not isinstance(cls, type) or not callable(getattr(cls, "publish", None)):
                raise PluginError(f"channel {kind!r} ({cls!r}) is not a class with publish()")
            result[kind] = cls
    return result


def channel_class(classes: Mapping[str, type], kind: str) -> Any:
    """The class for ``kind``, or a ConfigError naming the known kinds."""
    try:
        return classes[kind]
    except KeyError:
        known = ", ".join(sorted(classes)) or "none"
        raise ConfigError(f"unknown channel kind {kind!r} (known: {known})") from None
