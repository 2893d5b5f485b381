"""`resonanz source ...`: configured connectors and their health."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.errors import ConfigError
from resonanz.models import SourceHealth
from resonanz.sources.configure import (
    new_source_config,
    source_state,
    source_target,
    updated_source_config,
)


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


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _rate(health: SourceHealth) -> str:
    rate = health.items_per_minute
    if rate is None:
        return "–"
    return f"{rate:.1f}" if rate < 10 else f"{rate:.0f}"


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
        default, config = new_source_config(app_ctx.runtime, kind, target, parse_options(option))
        ws = app_ctx.workspace()
        created = app_ctx.store.add_source(ws.id, kind, name or default, config)
        app_ctx.console.print(f"Source '{created.name}' ({kind}) added. Run `resonanz collect`.")

    @src.command("list")
    def list_(ctx: typer.Context) -> None:
        """List the workspace's sources."""
        app_ctx = obj(ctx)
        table = Table("name", "kind", "target", "state")
        for s in app_ctx.store.list_sources(app_ctx.workspace().id):
            table.add_row(s.name, s.kind, source_target(s), source_state(s))
        app_ctx.console.print(table)

    @src.command("status")
    def status(ctx: typer.Context) -> None:
        """Health of each source: last run, last success, last error, items."""
        app_ctx = obj(ctx)
        table = Table(
            "name", "state", "last run", "last success", "lag", "items/min", "items", "last error"
        )
        for s in app_ctx.store.list_sources(app_ctx.workspace().id):
            h = s.health
            table.add_row(
                s.name,
                source_state(s),
                _ago(h.last_run_at),
                _ago(h.last_success_at),
                _duration(h.lag_seconds),
                _rate(h),
                str(h.items_total),
                h.attention or h.last_error or "",
            )
        app_ctx.console.print(table)
        app_ctx.console.print(
            "lag: how late the newest item was stored after it was posted; items/min: new "
            "items of the last run per minute since the run before."
        )

    @src.command("update")
    def update(
        ctx: typer.Context,
        name: str,
        option: list[str] = typer.Option(
            [], "--option", "-o", help="key=value to change (key= removes it), repeatable."
        ),
    ) -> None:
        """Change a source's options or credentials (checked again; a paused source resumes)."""
        app_ctx = obj(ctx)
        source = app_ctx.store.get_source(app_ctx.workspace().id, name)
        if not option:
            raise ConfigError("nothing to change: give at least one -o key=value")
        config = updated_source_config(app_ctx.runtime, source, parse_options(option))
        app_ctx.store.update_source(source.id, config=config, clear_attention=True)
        app_ctx.console.print(f"Source '{name}' updated.")

    def set_enabled(ctx: typer.Context, name: str, enabled: bool) -> None:
        app_ctx = obj(ctx)
        source = app_ctx.store.get_source(app_ctx.workspace().id, name)
        app_ctx.store.update_source(source.id, enabled=enabled)
        app_ctx.console.print(f"Source '{name}' {'enabled' if enabled else 'disabled'}.")

    @src.command("enable")
    def enable(ctx: typer.Context, name: str) -> None:
        """Let `resonanz collect` run the source again."""
        set_enabled(ctx, name, True)

    @src.command("disable")
    def disable(ctx: typer.Context, name: str) -> None:
        """Keep the source (and its cursor) but stop collecting from it."""
        set_enabled(ctx, name, False)

    @src.command("remove")
    def remove(ctx: typer.Context, name: str) -> None:
        """Remove a source (its mentions stay)."""
        app_ctx = obj(ctx)
        app_ctx.store.remove_source(app_ctx.workspace().id, name)
        app_ctx.console.print(f"Source '{name}' removed.")
