"""The one plugin registry: built-in modules and third-party entry points (group "resonanz")."""

from __future__ import annotations

import importlib
from typing import Any

import pluggy

from resonanz import hookspecs
from resonanz.errors import PluginError

ENTRY_POINT_GROUP = "resonanz"

# Our own features go through the same mechanism as third-party plugins (datasette style).
DEFAULT_PLUGINS: tuple[str, ...] = (
    "resonanz.sources.rss",
    "resonanz.sources.files",
    "resonanz.sources.bluesky",
    "resonanz.sources.mastodon",
    "resonanz.sources.mastodon_normalise",
    "resonanz.sources.reddit",
    "resonanz.sources.hackernews",
    "resonanz.sources.discourse",
    "resonanz.sources.youtube",
    "resonanz.sources.x",
    "resonanz.sources.graph",
    "resonanz.pipeline.normalise",
    "resonanz.pipeline.language",
    "resonanz.analysis.keywords",
    "resonanz.analysis.sentiment",
    "resonanz.analysis.emotion",
    "resonanz.analysis.aspects",  # after sentiment: reuses its label for document polarity
    "resonanz.analysis.relevance",  # acts only where the workspace trained a model
    "resonanz.alerts.notifiers.email",
    "resonanz.alerts.notifiers.webhook",
    "resonanz.alerts.notifiers.slack",
    "resonanz.alerts.notifiers.matrix",
)


def create_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """Build a plugin manager with the built-ins and (optionally) installed plugins.

    Import errors are not hidden: a broken plugin raises PluginError naming it.
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise PluginError(f"built-in plugin {name} failed to import: {exc}") from exc
        pm.register(module, name)
    if load_entry_points:
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        except Exception as exc:  # a third-party plugin can raise anything on import
            raise PluginError(
                f"a plugin in entry-point group {ENTRY_POINT_GROUP!r} failed: {exc}"
            ) from exc
    return pm


def source_classes(pm: pluggy.PluginManager) -> dict[str, Any]:
    """Map source kind -> source class, from every plugin."""
    result: dict[str, Any] = {}
    for group in pm.hook.register_sources():
        for cls in group:
            kind = getattr(cls, "kind", None)
            if not isinstance(kind, str) or not kind:
                raise PluginError(f"source class {cls!r} has no 'kind'")
            result[kind] = cls
    return result


def notifier_classes(pm: pluggy.PluginManager) -> dict[str, type]:
    """Map notifier kind -> notifier class, from every plugin."""
    result: dict[str, type] = {}
    for group in pm.hook.register_notifiers():
        for cls in group:
            kind = getattr(cls, "kind", None)
            if not isinstance(kind, str) or not kind:
                raise PluginError(f"notifier class {cls!r} has no 'kind'")
            if not isinstance(cls, type) or not callable(getattr(cls, "send", None)):
                raise PluginError(f"notifier {kind!r} ({cls!r}) is not a class with send()")
            result[kind] = cls
    return result


def normalisers(pm: pluggy.PluginManager) -> dict[str, Any]:
    """Map raw item kind -> normaliser function, from every plugin."""
    result: dict[str, Any] = {}
    for group in pm.hook.register_normalisers():
        result.update(group)
    return result


def enrichers(pm: pluggy.PluginManager) -> list[Any]:
    """All registered enrichers, in registration order."""
    result: list[Any] = []
    for group in reversed(pm.hook.register_enrichers()):
        result.extend(group)
    return result
