"""`resonanz aspects show|set|clear|template`: a workspace's own aspect categories (the
category file its collection uses instead of the setting; see docs/analysis.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from resonanz.cli.context import obj, workspace_option


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    aspects = typer.Typer(help="The workspace's own aspect categories (a TOML or JSON file).")
    app.add_typer(aspects, name="aspects", no_args_is_help=True)

    @aspects.command("show")
    def aspects_show(
        ctx: typer.Context,
        workspace: str | None = workspace_option(),
        source: bool = typer.Option(False, "--source", help="Print the stored file's text."),
    ) -> None:
        """Which categories the workspace's collection uses, with their term counts."""
        from resonanz.workspace_aspects import check_categories

        app_ctx = obj(ctx)
        ws = app_ctx.workspace(workspace)
        stored = app_ctx.store.aspects.get(ws.id)
        if stored is None:
            app_ctx.console.print(
                f"Workspace '{ws.slug}' has no categories of its own: collecting uses the "
                "setting 'aspect_categories' (or the shipped railway template) where "
                "'aspect_analysis' is on. Set them with `resonanz aspects set FILE`."
            )
            return
        if source:
            typer.echo(stored.source, nl=not stored.source.endswith("\n"))
            return
        categories = check_categories(stored.source, stored.fmt, "the workspace's categories")
        app_ctx.console.print(
            f"Workspace '{ws.slug}': {len(categories)} categories ({stored.fmt.upper()}, "
            f"saved {stored.updated_at:%Y-%m-%d %H:%M} UTC), used by every collection:",
            highlight=False,
        )
        for c in categories:
            terms = len(c.terms) + len(c.negative) + len(c.positive)
            app_ctx.console.print(
                f"  {c.name} ({terms} terms, polarity {c.polarity})", highlight=False
            )

    @aspects.command("set")
    def aspects_set(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="Category file: .json is JSON, else TOML."),
        workspace: str | None = workspace_option(),
    ) -> None:
        """Check a category file and make it the workspace's categories (nothing is stored
        when the file is wrong; the message names the line)."""
        from resonanz.analysis.aspectfile import read_category_file
        from resonanz.workspace_aspects import format_of, save_categories

        app_ctx = obj(ctx)
        ws = app_ctx.workspace(workspace)
        text = read_category_file(file)
        _, categories = save_categories(app_ctx.store, ws.id, text, format_of(file.name), str(file))
        app_ctx.console.print(
            f"{len(categories)} aspect categories from {file.name} are now those of workspace "
            f"'{ws.slug}'; the next collection uses them.",
            highlight=False,
        )

    @aspects.command("clear")
    def aspects_clear(ctx: typer.Context, workspace: str | None = workspace_option()) -> None:
        """Remove the workspace's own categories (collecting goes back to the setting)."""
        app_ctx = obj(ctx)
        ws = app_ctx.workspace(workspace)
        if app_ctx.store.aspects.clear(ws.id):
            app_ctx.console.print(f"Workspace '{ws.slug}' no longer has categories of its own.")
        else:
            app_ctx.console.print(f"Workspace '{ws.slug}' had no categories of its own.")

    @aspects.command("template")
    def aspects_template() -> None:
        """Print the shipped railway template (TOML, with comments): a start for your own."""
        from resonanz.analysis.aspectfile import template_text

        typer.echo(template_text(), nl=False)
