"""`resonanz topic ...`: listening topics as boolean queries."""

from __future__ import annotations

import typer
from rich.progress import Progress
from rich.table import Table

from resonanz.cli.context import AppContext, obj
from resonanz.cli.render import mention_line, print_lint
from resonanz.collect import rematch_topics
from resonanz.errors import ConfigError, QueryError
from resonanz.models import TOPIC_KINDS, Mention, Topic
from resonanz.pipeline import document_of
from resonanz.query import evaluate, lint, matched_terms, parse, to_fts
from resonanz.store import MentionFilter


def _checked(app_ctx: AppContext, query: str) -> None:
    result = lint(query)
    print_lint(app_ctx.err, query, result)
    if not result.ok:
        first = result.errors[0]
        raise QueryError(first.message, first.position, query)


def _kind(kind: str) -> str:
    if kind not in TOPIC_KINDS:
        raise ConfigError(f"unknown topic kind {kind!r} (choose from {', '.join(TOPIC_KINDS)})")
    return kind


def _rematch(app_ctx: AppContext, topic: Topic) -> int:
    store = app_ctx.store
    total = store.count_mentions(topic.workspace_id)
    with Progress(console=app_ctx.err, transient=True) as progress:
        task = progress.add_task(f"Matching stored mentions for '{topic.name}'", total=total)
        return rematch_topics(
            store,
            topic.workspace_id,
            [topic],
            on_chunk=lambda n: progress.advance(task, n),
        )


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
        created = app_ctx.store.add_topic(ws.id, name, query, _kind(kind))
        matched = _rematch(app_ctx, created)
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
    ) -> None:
        """Change a topic's query, kind or state; stored mentions are re-matched."""
        app_ctx = obj(ctx)
        if query is not None:
            _checked(app_ctx, query)
        ws = app_ctx.workspace()
        current = app_ctx.store.get_topic(ws.id, name)
        updated = app_ctx.store.update_topic(
            current.id, query=query, kind=_kind(kind) if kind else None, active=active
        )
        message = f"Topic '{updated.name}' updated"
        if query is not None:
            message += f"; {_rematch(app_ctx, updated)} stored mentions match"
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
        node = parse(query)
        ws = app_ctx.workspace()
        store = app_ctx.store
        total = store.count_mentions(ws.id)
        hits = 0
        examples: list[tuple[Mention, tuple[str, ...]]] = []
        for mention in store.iter_mentions(ws.id, MentionFilter(fts=to_fts(node))):
            doc = document_of(mention)
            if evaluate(node, doc):
                hits += 1
                if len(examples) < limit:
                    examples.append((mention, matched_terms(node, doc)))
        share = f" ({hits / total:.1%} of {total})" if total else ""
        app_ctx.console.print(f"{hits} stored mentions match{share}.")
        for mention, terms in examples:
            app_ctx.console.print(mention_line(mention, terms))
