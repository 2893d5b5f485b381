"""`resonanz reanalyse`: run the enrichers again over stored mentions, with the
workspace's trained models and categories of today (resonanz/reanalyse.py)."""

from __future__ import annotations

import json

import typer
from rich.progress import Progress

from resonanz.cli.context import obj, workspace_option
from resonanz.cli.reading import parse_when
from resonanz.store import MentionFilter


def register(app: typer.Typer) -> None:
    """Add the command."""

    @app.command("reanalyse")
    def reanalyse_(
        ctx: typer.Context,
        workspace: str | None = workspace_option(),
        topic: str | None = typer.Option(None, "--topic", help="Only mentions of this topic."),
        since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD"),
        until: str | None = typer.Option(None, "--until", help="YYYY-MM-DD"),
        only: list[str] = typer.Option(
            [],
            "--only",
            help="Run only this enricher (repeatable: --only sentiment --only aspects); "
            "default: all that collecting runs.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Enrich stored mentions again, as if collected now: after `resonanz train`, new
        aspect categories or a new Resonanz version, older mentions get today's labels
        (sentiment, relevance, aspects, emotion, keywords, ...). Matches, texts and
        engagement stay; chunks of 500 are saved one by one, so stopping loses nothing."""
        from resonanz.reanalyse import ReanalyseReport, reanalyse

        app_ctx = obj(ctx)
        ws = app_ctx.workspace(workspace)
        store = app_ctx.store
        flt = MentionFilter(
            topic_id=store.get_topic(ws.id, topic).id if topic else None,
            since=parse_when(since, "--since"),
            until=parse_when(until, "--until"),
        )
        total = store.count_mentions(ws.id, flt)
        with Progress(console=app_ctx.err, transient=True) as progress:
            task = progress.add_task("reanalysing", total=total)

            def on_chunk(report: ReanalyseReport) -> None:
                progress.update(task, completed=report.read)

            report = reanalyse(store, app_ctx.runtime, ws.id, flt, only=only, on_chunk=on_chunk)
        changes = {f"{a}->{b}": n for (a, b), n in report.changes.most_common()}
        models = dict(report.models.most_common())
        figures = {
            "workspace": ws.slug,
            "enrichers": report.enrichers,
            "read": report.read,
            "saved": report.saved,
            "sentiment_changed": report.sentiment_changed,
            "changes": changes,
            "sentiment_models": models,
        }
        if as_json:
            typer.echo(json.dumps(figures, ensure_ascii=False))
            return
        app_ctx.console.print(
            f"{report.read} mention(s) of {ws.slug} enriched again with "
            f"{', '.join(report.enrichers)}; {report.sentiment_changed} changed sentiment"
        )
        for change, n in changes.items():
            app_ctx.console.print(f"  {change}: {n}")
        for model, n in models.items():
            app_ctx.console.print(f"  sentiment by {model}: {n}")
