"""`resonanz collect` and `resonanz import`: run sources through the pipeline."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from resonanz.cli.context import AppContext, obj
from resonanz.cli.sources import parse_options
from resonanz.collect import RunReport, collect, run_source
from resonanz.errors import NotFoundError
from resonanz.models import SourceConfig
from resonanz.runtime import freeze_loaded_objects

_SKIPPED_SHOWN = 20


def print_report(app_ctx: AppContext, report: RunReport) -> None:
    """Summarise one source run, with what was skipped and why."""
    if report.error:
        app_ctx.err.print(f"[red]{report.source}: failed: {report.error}[/red]")
        return
    app_ctx.console.print(
        f"{report.source}: {report.fetched} read, {report.inserted} new, "
        f"{report.updated} already known, {report.matched} matching a topic, "
        f"{len(report.skipped)} skipped."
    )
    for skipped in report.skipped[:_SKIPPED_SHOWN]:
        app_ctx.err.print(f"  skipped {skipped.where}: {skipped.reason}", highlight=False)
    if len(report.skipped) > _SKIPPED_SHOWN:
        app_ctx.err.print(f"  … and {len(report.skipped) - _SKIPPED_SHOWN} more skipped.")


def _progress(app_ctx: AppContext) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[stored]} stored"),
        TimeElapsedColumn(),
        console=app_ctx.err,
        transient=True,
    )


def run_with_progress(app_ctx: AppContext, source: SourceConfig) -> RunReport:
    """Run one source with a progress bar (by bytes for files)."""
    size = (
        Path(str(source.config.get("path", ""))).stat().st_size if source.kind == "file" else None
    )
    with _progress(app_ctx) as progress:
        task = progress.add_task(source.name, total=size, stored=0)

        def on_batch(report: RunReport) -> None:
            progress.update(task, stored=report.inserted + report.updated)

        report = run_source(app_ctx.store, app_ctx.runtime, source, on_batch=on_batch)
        progress.update(task, completed=size)
    return report


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""

    @app.command("collect")
    def collect_(
        ctx: typer.Context,
        source: list[str] = typer.Option([], "--source", "-s", help="Only these sources."),
        follow: bool = typer.Option(False, "--follow", help="Keep collecting every interval."),
    ) -> None:
        """Collect new mentions from the workspace's sources."""
        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        runtime = app_ctx.runtime
        freeze_loaded_objects()  # modules, models, caches: they live as long as this command
        while True:
            reports: list[RunReport] = []
            with _progress(app_ctx) as progress:
                task = progress.add_task("collecting", total=None, stored=0)

                def on_batch(report: RunReport, task: TaskID = task) -> None:
                    progress.update(task, description=report.source, stored=report.inserted)

                reports = collect(app_ctx.store, runtime, ws.id, names=source, on_batch=on_batch)
            if not reports:
                app_ctx.err.print("No enabled sources. Add one with `resonanz source add`.")
                raise typer.Exit(1)
            for report in reports:
                print_report(app_ctx, report)
            if not follow:
                if not any(r.ok for r in reports):
                    raise typer.Exit(1)
                return
            try:
                time.sleep(app_ctx.settings.follow_interval)
            except KeyboardInterrupt:
                # Every stored batch already has its cursor: stopping here loses nothing.
                app_ctx.err.print("Stopped; the next `resonanz collect` resumes from here.")
                return

    @app.command("import")
    def import_(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="JSONL, CSV or GermEval TSV file."),
        format: str | None = typer.Option(None, "--format", help="jsonl, csv or germeval."),
        map_: list[str] = typer.Option(
            [], "--map", "-m", help="field=column, e.g. text=tweet (repeatable)."
        ),
        platform: str | None = typer.Option(None, "--platform", help="Platform of the rows."),
        again: bool = typer.Option(False, "--again", help="Read the file from the start."),
    ) -> None:
        """Import a file; an interrupted import resumes where it stopped."""
        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        store = app_ctx.store
        path = file.expanduser().resolve()
        config: dict[str, object] = {"path": str(path)}
        if format:
            config["format"] = format
        if map_:
            config["mapping"] = parse_options(map_)
        if platform:
            config["platform"] = platform
        cls = app_ctx.runtime.source_class("file")
        config = cls.validate_config(config, app_ctx.settings)
        name = f"file:{path}"
        try:
            source = store.get_source(ws.id, name)
            if dict(source.config) != config:
                source = store.update_source(source.id, config=config)
            if again:
                store.set_source_cursor(source.id, {})
                source = store.get_source_by_id(source.id)
        except NotFoundError:
            source = store.add_source(ws.id, "file", name, config)
        report = run_with_progress(app_ctx, source)
        print_report(app_ctx, report)
        if not report.ok:
            raise typer.Exit(1)
