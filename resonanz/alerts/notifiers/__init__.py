"""Notifiers: deliver alert messages by e-mail, webhook, Slack-compatible webhook or Matrix.

Each kind is a plugin (hook ``register_notifiers``); ``make_notifier`` builds one from its
config. Fields marked ``secret`` are stored encrypted by the caller (``resonanz.secrets``)
and passed here decrypted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import pluggy

from resonanz.alerts.notifiers.base import FieldSpec, Notifier
from resonanz.config import Settings
from resonanz.errors import ValidationError

__all__ = ["FieldSpec", "Notifier", "make_notifier", "notifier_kinds"]


def notifier_kinds(pm: pluggy.PluginManager | None = None) -> dict[str, type[Notifier]]:
    """Map notifier kind -> class, from every plugin (built-ins included)."""
    from resonanz.plugins import create_plugin_manager, notifier_classes

    return cast(dict[str, type[Notifier]], notifier_classes(pm or create_plugin_manager()))


def make_notifier(
    kind: str,
    config: Mapping[str, str],
    settings: Settings,
    pm: pluggy.PluginManager | None = None,
) -> Notifier:
    """A notifier of ``kind`` for ``config``; ValidationError for an unknown kind or a bad
    config (the message names the field)."""
    classes = notifier_kinds(pm)
    cls = classes.get(kind)
    if cls is None:
        known = ", ".join(sorted(classes)) or "none"
        raise ValidationError(f"unknown notifier kind {kind!r} (known: {known})")
    return cls(config, settings)
