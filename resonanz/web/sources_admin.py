"""Sources for the web layer: lookups by id, the runtime's connector classes, adding feeds
and platform connectors, renewing a source's options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from resonanz.errors import ConfigError, ConflictError, NotFoundError, UnsafeURLError
from resonanz.models import SourceConfig
from resonanz.runtime import Runtime
from resonanz.sources.configure import new_source_config, updated_source_config
from resonanz.store import Store
from resonanz.web.i18n import gettext as _


def runtime_of(request: Request) -> Runtime:
    """The app's runtime (plugins and connector classes), loaded on first use."""
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        runtime = Runtime.load(request.app.state.settings)
        request.app.state.runtime = runtime
    return runtime


def source_by_id(store: Store, workspace_id: int, source_id: int) -> SourceConfig:
    """The workspace's source with this id; NotFoundError for any other id."""
    source = store.get_source_by_id(source_id)
    if source.workspace_id != workspace_id:
        raise NotFoundError(f"source {source_id} does not exist in this workspace")
    return source


class SourceInputError(ConfigError):
    """A new source's input is unusable; ``field`` names the form field to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# Kinds the web cannot add: a file source reads a path on the server.
WEB_REFUSED_KINDS = frozenset({"file"})


def web_kinds(request: Request) -> list[str]:
    """The connector kinds a form or the API may add, RSS first."""
    kinds = sorted(set(runtime_of(request).sources) - WEB_REFUSED_KINDS)
    return sorted(kinds, key=lambda k: (k != "rss", k))


def parse_option_lines(text: str) -> dict[str, str]:
    """``key=value`` lines (blank lines and ``#`` comments ignored) as a dict."""
    options: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SourceInputError(
                "options", _("Line %(n)s is not of the form key=value.") % {"n": number}
            )
        options[key.strip()] = value.strip()
    return options


def _unusable(field: str, exc: Exception) -> SourceInputError:
    reason = str(exc)
    if isinstance(exc, UnsafeURLError) and "allow_private_targets" in reason:
        message = _(
            "This address is in a private or local network; this server does not fetch"
            " such addresses (setting allow_private_targets)."
        )
    else:
        message = _("This address cannot be used: %(reason)s") % {"reason": reason}
    return SourceInputError(field, message)


def add_source(
    request: Request,
    store: Store,
    workspace_id: int,
    kind: str,
    target: str,
    options: Mapping[str, Any] | None = None,
    name: str = "",
) -> SourceConfig:
    """Check a new source exactly as ``resonanz source add KIND TARGET -o ...`` does, then
    save it (credentials encrypted)."""
    target = target.strip()
    if kind not in web_kinds(request):
        raise SourceInputError("kind", _("Unknown connector kind: %(kind)s") % {"kind": kind})
    if not target:
        if kind == "rss":
            raise SourceInputError("url", _("Please enter the feed's address."))
        raise SourceInputError("target", _("Please enter what to listen to."))
    try:
        default, config = new_source_config(runtime_of(request), kind, target, options)
    except (ConfigError, UnsafeURLError) as exc:
        raise _unusable("url" if kind == "rss" else "target", exc) from exc
    try:
        return store.add_source(workspace_id, kind, name.strip() or default, config)
    except ConflictError as exc:
        raise SourceInputError("name", _("A source with this name exists already.")) from exc


def update_options(
    request: Request, store: Store, source: SourceConfig, options: Mapping[str, Any]
) -> SourceConfig:
    """Change a source's options as ``resonanz source update`` does (a paused source
    resumes); SourceInputError("options", ...) when the result is unusable."""
    if not options:
        raise SourceInputError("options", _("Nothing to change."))
    try:
        config = updated_source_config(runtime_of(request), source, options)
    except (ConfigError, UnsafeURLError) as exc:
        raise _unusable("options", exc) from exc
    return store.update_source(source.id, config=config, clear_attention=True)
