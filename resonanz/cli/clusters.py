"""`resonanz clusters TOPIC`: bring a topic's stored clusters up to date and list them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.progress import Progress
from rich.table import Table

from resonanz.analytics.topic_clusters import (
    cluster_overview,
    reset_topic_clusters,
    summary_record,
    update_topic_clusters,
)
from resonanz.cli.context import AppContext, obj
from resonanz.cli.render import mention_line
from resonanz.errors import ValidationError
from resonanz.store import MentionFilter


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _catch_up(app_ctx: AppContext, workspace_id: int, topic_id: int, name: str) -> int:
    """Feed every mention of the topic not fed yet; how many were fed."""
    store = app_ctx.store
    total = store.count_mentions(workspace_id, MentionFilter(topic_id=topic_id))
    fed = 0
    with Progress(console=app_ctx.err, transient=True) as progress:
        task = progress.add_task(f"Clustering the mentions of '{name}'", total=None)
        while True:
            report = update_topic_clusters(store, workspace_id, topic_id, datetime.now(UTC))
            fed += report.fed
            progress.update(task, completed=report.posts, total=max(total, report.posts))
            if not report.more:
                return fed


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""

    @app.command("clusters")
    def clusters(
        ctx: typer.Context,
        topic: str = typer.Argument(..., help="The topic."),
        limit: int = typer.Option(10, "--limit", help="How many clusters, largest first."),
        examples: int = typer.Option(
            1, "--examples", help="Representative posts shown per cluster (0-3)."
        ),
        rebuild: bool = typer.Option(
            False, "--rebuild", help="Forget the stored clusters and cluster every mention anew."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
    ) -> None:
        """Feed the topic's new mentions into its stored clusters, then list the largest:
        label, size, posts in the last hour and day, terms, representative posts."""
        if limit < 1:
            raise ValidationError(f"--limit must be at least 1, not {limit}")
        if not 0 <= examples <= 3:
            raise ValidationError(f"--examples must be between 0 and 3, not {examples}")
        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        record = app_ctx.store.get_topic(ws.id, topic)
        if rebuild:
            reset_topic_clusters(app_ctx.store, ws.id, record.id)
        fed = _catch_up(app_ctx, ws.id, record.id, record.name)
        found = cluster_overview(app_ctx.store, ws.id, record.id, datetime.now(UTC), limit=limit)
        if as_json:
            typer.echo(json.dumps([summary_record(s) for s in found], ensure_ascii=False))
            return
        app_ctx.err.print(f"{fed} new mentions clustered.")
        if not found:
            app_ctx.console.print(f"No clusters of two posts or more in '{record.name}' yet.")
            return
        table = Table(
            "label", "size", "last hour", "last day", "first seen", "last seen", "more terms"
        )
        for summary in found:
            c = summary.cluster
            table.add_row(
                c.label + ("" if c.active else " (closed)"),
                str(c.size),
                str(summary.last_hour),
                str(summary.last_day),
                _when(c.first_seen),
                _when(c.last_seen),
                ", ".join(c.terms[3:]),
            )
        app_ctx.console.print(table)
        if examples:
            for summary in found:
                app_ctx.console.print(f"[bold]{summary.cluster.label}[/bold]")
                for mention in summary.representatives[:examples]:
                    app_ctx.console.print(mention_line(mention))
