"""`resonanz init` and `resonanz workspace ...`."""

from __future__ import annotations

import typer
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.errors import NotFoundError
from resonanz.models import check_workspace_slug
from resonanz.store import display_url

check_slug = check_workspace_slug


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    ws = typer.Typer(help="Workspaces: one per brand or client.", no_args_is_help=True)
    app.add_typer(ws, name="workspace")

    @app.command("init")
    def init(ctx: typer.Context) -> None:
        """Create the database (or migrate it) and the default workspace."""
        app_ctx = obj(ctx)
        store = app_ctx.store
        slug = check_slug(app_ctx.settings.workspace)
        try:
            store.get_workspace(slug)
            created = False
        except NotFoundError:
            store.create_workspace(slug, slug)
            created = True
        app_ctx.console.print(f"Database ready: {display_url(store.url)}")
        state = "created" if created else "exists"
        app_ctx.console.print(f"Workspace '{slug}' {state}.")

    @ws.command("create")
    def create(
        ctx: typer.Context,
        slug: str = typer.Argument(..., help="Short name, e.g. deutsche-bahn."),
        name: str = typer.Option("", "--name", help="Display name (default: the slug)."),
    ) -> None:
        """Create a workspace for a brand or client."""
        app_ctx = obj(ctx)
        created = app_ctx.store.create_workspace(check_slug(slug), name or slug)
        app_ctx.console.print(f"Workspace '{created.slug}' created.")

    @ws.command("list")
    def list_(ctx: typer.Context) -> None:
        """List workspaces with their topic and source counts."""
        app_ctx = obj(ctx)
        store = app_ctx.store
        table = Table("slug", "name", "topics", "sources", "mentions", "created")
        for w in store.list_workspaces():
            table.add_row(
                w.slug,
                w.name,
                str(len(store.list_topics(w.id))),
                str(len(store.list_sources(w.id))),
                str(store.count_mentions(w.id)),
                w.created_at.strftime("%Y-%m-%d %H:%M"),
            )
        app_ctx.console.print(table)

    @ws.command("delete")
    def delete(
        ctx: typer.Context,
        slug: str,
        yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    ) -> None:
        """Delete a workspace with all its topics, sources and mentions."""
        app_ctx = obj(ctx)
        app_ctx.store.get_workspace(slug)
        if not yes:
            typer.confirm(f"Delete workspace '{slug}' and all its data?", abort=True)
        app_ctx.store.delete_workspace(slug)
        app_ctx.console.print(f"Workspace '{slug}' deleted.")
