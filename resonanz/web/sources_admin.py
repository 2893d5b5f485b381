"""Sources for the web layer: lookups by id, the runtime's connector classes, adding RSS feeds."""

from __future__ import annotations

from fastapi import Request

from resonanz.errors import ConfigError, ConflictError, NotFoundError, UnsafeURLError
from resonanz.models import SourceConfig
from resonanz.runtime import Runtime
from resonanz.sources.configure import new_source_config
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


def add_feed(
    request: Request, store: Store, workspace_id: int, url: str, name: str = ""
) -> SourceConfig:
    """Check an RSS/Atom URL exactly as ``resonanz source add rss URL`` does, then save it."""
    url = url.strip()
    if not url:
        raise SourceInputError("url", _("Please enter the feed's address."))
    try:
        default, config = new_source_config(runtime_of(request), "rss", url)
    except UnsafeURLError as exc:
        reason = str(exc)
        if "allow_private_targets" in reason:
            message = _(
                "This address is in a private or local network; this server does not fetch"
                " such addresses (setting allow_private_targets)."
            )
        else:
            message = _("This address cannot be used: %(reason)s") % {"reason": reason}
        raise SourceInputError("url", message) from exc
    except ConfigError as exc:
        raise SourceInputError(
            "url", _("This address cannot be used: %(reason)s") % {"reason": str(exc)}
        ) from exc
    try:
        return store.add_source(workspace_id, "rss", name.strip() or default, config)
    except ConflictError as exc:
        raise SourceInputError("name", _("A source with this name exists already.")) from exc
