"""`resonanz topic ...`: listening topics as boolean queries."""

from __future__ import annotations

import typer
from rich.progress import Progress
from rich.table import Table

from resonanz.cli.context import AppContext, obj
from resonanz.cli.render import mention_line, print_lint
from resonanz.models import TOPIC_KINDS
from resonanz.query import lint
from resonanz.store import MentionFilter
from resonanz.topics import ChunkCallback, add_topic, check_query, preview_query, update_topic


def _checked(app_ctx: AppContext, query: str) -> None:
    print_lint(app_ctx.err, query, lint(query))
    check_query(query)


def _on_chunk(
    progress: Progress, app_ctx: AppContext, workspace_id: int, name: str
) -> ChunkCallback:
    """A progress bar over the workspace's stored mentions, advanced per matched chunk."""
    total = app_ctx.store.count_mentions(workspace_id)
    task = progress.add_task(f"Matching stored mentions for '{name}'", total=total)
    return lambda n: progress.advance(task, n)


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    topic = typer.Typer(help="Listening topics (boolean queries).", no_args_is_help=True)
    app.add_typer(topic, name="topic")

    @topic.command("add")
    def add(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="Topic name, e.g. 'Deutsche Bahn'."),
        query: str = typer.Argument(..., help="Query, e.g. '\"deutsche bahn\" OR @db_bahn'."),
        kind: str = typer.Option("keyword", "--kind", help=f"One of {', '.join(TOPIC_KINDS)}."),
    ) -> None:
        """Add a topic; stored mentions are matched against it at once."""
        app_ctx = obj(ctx)
        _checked(app_ctx, query)
        ws = app_ctx.workspace()
        with Progress(console=app_ctx.err, transient=True) as progress:
            created, matched = add_topic(
                app_ctx.store,
                ws.id,
                name,
                query,
                kind,
                on_chunk=_on_chunk(progress, app_ctx, ws.id, name),
            )
        app_ctx.console.print(
            f"Topic '{created.name}' ({created.kind}) added; {matched} stored mentions match."
        )

    @topic.command("update")
    def update(
        ctx: typer.Context,
        name: str,
        query: str | None = typer.Option(None, "--query", help="New query."),
        kind: str | None = typer.Option(None, "--kind", help="New kind."),
        active: bool | None = typer.Option(None, "--active/--inactive", help="Pause/resume."),
        rename: str | None = typer.Option(None, "--name", help="New name."),
    ) -> None:
        """Change a topic's query, kind, state or name; a new query re-matches mentions."""
        app_ctx = obj(ctx)
        if query is not None:
            _checked(app_ctx, query)
        ws = app_ctx.workspace()
        current = app_ctx.store.get_topic(ws.id, name)
        with Progress(console=app_ctx.err, transient=True) as progress:
            updated, matched = update_topic(
                app_ctx.store,
                current,
                query=query,
                kind=kind,
                active=active,
                name=rename,
                on_chunk=_on_chunk(progress, app_ctx, ws.id, name),
            )
        message = f"Topic '{updated.name}' updated"
        if matched is not None:
            message += f"; {matched} stored mentions match"
        app_ctx.console.print(message + ".")

    @topic.command("list")
    def list_(ctx: typer.Context) -> None:
        """List the workspace's topics with their mention counts."""
        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        table = Table("name", "kind", "active", "mentions", "query")
        for t in app_ctx.store.list_topics(ws.id):
            count = app_ctx.store.count_mentions(ws.id, MentionFilter(topic_id=t.id))
            table.add_row(t.name, t.kind, "yes" if t.active else "no", str(count), t.query)
        app_ctx.console.print(table)

    @topic.command("remove")
    def remove(ctx: typer.Context, name: str) -> None:
        """Remove a topic (its matches go with it; mentions stay)."""
        app_ctx = obj(ctx)
        app_ctx.store.remove_topic(app_ctx.workspace().id, name)
        app_ctx.console.print(f"Topic '{name}' removed.")

    @topic.command("lint")
    def lint_(ctx: typer.Context, query: str) -> None:
        """Check a query: errors with their position, warnings about broad terms."""
        app_ctx = obj(ctx)
        result = lint(query)
        print_lint(app_ctx.console, query, result)
        if not result.ok:
            raise typer.Exit(1)
        if not result.warnings:
            app_ctx.console.print("Query OK.")

    @topic.command("test")
    def test(
        ctx: typer.Context,
        query: str,
        limit: int = typer.Option(5, "--limit", help="Example mentions to show."),
    ) -> None:
        """Run a query over the stored mentions: how many match, with examples."""
        app_ctx = obj(ctx)
        _checked(app_ctx, query)
        found = preview_query(app_ctx.store, app_ctx.workspace().id, query, limit=limit)
        share = f" ({found.share:.1%} of {found.total})" if found.total else ""
        app_ctx.console.print(f"{found.hits} stored mentions match{share}.")
        for mention, terms in found.examples:
            app_ctx.console.print(mention_line(mention, terms))
