"""Plugin hooks. Built-in sources, normalisers, enrichers and notifiers use them too."""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("resonanz")
hookimpl = pluggy.HookimplMarker("resonanz")


@hookspec
def register_sources() -> list[Any]:
    """Return source classes (each with a ``kind`` class attribute; see sources.Source)."""
    return []


@hookspec
def register_normalisers() -> dict[str, Any]:
    """Return {raw item kind: function(RawItem) -> Mention}."""
    return {}


@hookspec
def register_enrichers() -> list[Any]:
    """Return enricher classes: ``cls(settings)`` gives an object with ``name``,
    ``before_match`` and ``enrich(batch) -> batch`` (see pipeline.Enricher)."""
    return []


@hookspec
def register_notifiers() -> list[Any]:
    """Return notifier classes: each with ``kind`` and ``fields`` class attributes;
    ``cls(config, settings)`` gives an object with ``send(message)`` and ``describe()``
    (see alerts.notifiers.Notifier)."""
    return []


@hookspec
def register_channels() -> list[Any]:
    """Return publishing channel classes: each with the class attributes ``kind``,
    ``label``, ``replaces_in_doubt`` and ``idempotency_window_s`` and the classmethods
    ``validate`` and ``text_limits``; ``cls(config, secrets, settings)`` gives an object
    with ``publish(attempt) -> Receipt``, ``check() -> ChannelCheck`` and ``close()``
    (see publishing.channels)."""
    return []


@hookspec
def register_commands(app: Any) -> None:
    """Add commands to the Typer app of the CLI."""
