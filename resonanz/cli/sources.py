"""`resonanz source ...`: configured connectors and their health."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.errors import ConfigError
from resonanz.models import SourceConfig

# The config key a source's positional TARGET fills, for kinds that don't declare one.
_TARGET_KEYS = {"rss": "url", "file": "path"}


def parse_options(options: list[str]) -> dict[str, str]:
    """Turn ['key=value', ...] into a dict, with a clear error for malformed items."""
    result: dict[str, str] = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"option {item!r} is not of the form key=value")
        result[key.strip()] = value.strip()
    return result


def _ago(when: datetime | None) -> str:
    if when is None:
        return "never"
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def _state(source: SourceConfig) -> str:
    health = source.health
    if not source.enabled:
        return "disabled"
    if health.last_error and (
        health.last_success_at is None
        or (health.last_error_at and health.last_error_at >= health.last_success_at)
    ):
        return "failing"
    return "ok" if health.last_success_at else "new"


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    src = typer.Typer(help="Sources: feeds, files and platform connectors.", no_args_is_help=True)
    app.add_typer(src, name="source")

    @src.command("add")
    def add(
        ctx: typer.Context,
        kind: str = typer.Argument(..., help="Connector kind, e.g. rss."),
        target: str = typer.Argument(..., help="What to listen to, e.g. the feed URL."),
        name: str | None = typer.Option(None, "--name", help="Name (default: from target)."),
        option: list[str] = typer.Option([], "--option", "-o", help="Extra key=value."),
    ) -> None:
        """Add a source to the workspace (checked before it is saved)."""
        app_ctx = obj(ctx)
        cls = app_ctx.runtime.source_class(kind)
        key = getattr(cls, "target_key", None) or _TARGET_KEYS.get(kind, "url")
        config = cls.validate_config({key: target, **parse_options(option)}, app_ctx.settings)
        ws = app_ctx.workspace()
        created = app_ctx.store.add_source(ws.id, kind, name or cls.default_name(config), config)
        app_ctx.console.print(f"Source '{created.name}' ({kind}) added. Run `resonanz collect`.")

    @src.command("list")
    def list_(ctx: typer.Context) -> None:
        """List the workspace's sources."""
        app_ctx = obj(ctx)
        table = Table("name", "kind", "target", "state")
        for s in app_ctx.store.list_sources(app_ctx.workspace().id):
            target = str(s.config.get("url") or s.config.get("path") or "")
            table.add_row(s.name, s.kind, target, _state(s))
        app_ctx.console.print(table)

    @src.command("status")
    def status(ctx: typer.Context) -> None:
        """Health of each source: last run, last success, last error, items."""
        app_ctx = obj(ctx)
        table = Table("name", "state", "last run", "last success", "items", "last error")
        for s in app_ctx.store.list_sources(app_ctx.workspace().id):
            h = s.health
            table.add_row(
                s.name,
                _state(s),
                _ago(h.last_run_at),
                _ago(h.last_success_at),
                str(h.items_total),
                h.last_error or "",
            )
        app_ctx.console.print(table)

    @src.command("remove")
    def remove(ctx: typer.Context, name: str) -> None:
        """Remove a source (its mentions stay)."""
        app_ctx = obj(ctx)
        app_ctx.store.remove_source(app_ctx.workspace().id, name)
        app_ctx.console.print(f"Source '{name}' removed.")
