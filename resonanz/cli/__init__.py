"""The `resonanz` command line: a thin layer over the library's functions."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from resonanz.cli import (
    alerts,
    aspects,
    bench,
    clusters,
    collecting,
    demo,
    evaluate,
    links,
    publishing,
    publishing_scheduler,
    reading,
    reanalyse,
    settings_cmd,
    sources,
    topics,
    training,
    trends,
    users,
    workspaces,
)
from resonanz.cli.context import AppContext
from resonanz.errors import ResonanzError


class _ResonanzGroup(TyperGroup):
    """Turns every ResonanzError into a one-line message and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ResonanzError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from exc


app = typer.Typer(
    cls=_ResonanzGroup,
    help="Resonanz: listen to every public mention of your brand, understand and measure it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None, "--database-url", help="Store URL (sqlite:///file.db or postgresql+psycopg://...)."
    ),
    data_dir: str | None = typer.Option(None, "--data-dir", help="Folder for local data."),
    workspace: str | None = typer.Option(
        None, "--workspace", "-w", help="Workspace slug to act on."
    ),
    allow_private_targets: bool | None = typer.Option(
        None,
        "--allow-private-targets/--no-allow-private-targets",
        help="Allow URLs that resolve to private or loopback addresses.",
    ),
) -> None:
    ctx.obj = AppContext(
        flags={
            "database_url": database_url,
            "data_dir": data_dir,
            "workspace": workspace,
            "allow_private_targets": allow_private_targets,
        }
    )
    ctx.call_on_close(ctx.obj.close)


workspaces.register(app)
topics.register(app)
sources.register(app)
collecting.register(app)
reading.register(app)
bench.register(app)
demo.register(app)
evaluate.register(app)
settings_cmd.register(app)
users.register(app)
alerts.register(app)
trends.register(app)
training.register(app)
reanalyse.register(app)
aspects.register(app)
clusters.register(app)
publishing.register(app)
publishing_scheduler.register(app)
links.register(app)


def main() -> None:
    """Console-script entry point: let plugins add commands, then run."""
    from resonanz.plugins import create_plugin_manager

    try:
        create_plugin_manager().hook.register_commands(app=app)
    except ResonanzError as exc:
        raise SystemExit(f"Error: {exc}") from exc
    app()
