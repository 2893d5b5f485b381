"""`resonanz labels import|list` and `resonanz train sentiment|relevance`: the workspace's
own classifiers, trained on its labels (see docs/analysis.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from resonanz.cli.context import AppContext, obj, workspace_option
from resonanz.errors import ValidationError
from resonanz.workspace_models import TASKS

_SUMMARY = ("accuracy", "micro_f1", "macro_f1", "macro_recall", "n")


def _task(value: str) -> str:
    task = value.strip().lower()
    if task not in TASKS:
        raise ValidationError(f"unknown task {value!r}; known: {', '.join(TASKS)}")
    return task


def _print_counts(app_ctx: AppContext, workspace_id: int) -> None:
    counts = app_ctx.store.training.count_examples(workspace_id)
    table = Table("task", "label", "examples", title="labels")
    for task, labels in counts.items():
        for label, n in labels.items():
            table.add_row(task, label, str(n))
        table.add_row(task, "[bold]all[/bold]", f"[bold]{sum(labels.values())}[/bold]")
    app_ctx.console.print(table)
    models = Table("task", "active model", "trained", "examples", "micro_f1", "macro_f1")
    for model in app_ctx.store.training.list_models(workspace_id):
        if model.active:
            models.add_row(
                model.task,
                model.name,
                model.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                str(model.n_examples),
                *(f"{float(model.quality.get(k, 0.0)):.4f}" for k in ("micro_f1", "macro_f1")),
            )
    if models.row_count:
        app_ctx.console.print(models)


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    labels = typer.Typer(help="Labelled examples the workspace's classifiers learn from.")
    app.add_typer(labels, name="labels", no_args_is_help=True)

    @labels.command("import")
    def labels_import(
        ctx: typer.Context,
        file: Path = typer.Argument(
            ...,
            help="CSV with a header: text,label[,lang] and/or mention_id,label "
            "(relevance labels: true/false; the column may be called 'relevant').",
        ),
        task: str = typer.Option(..., "--task", help="sentiment or relevance."),
        workspace: str | None = workspace_option(),
    ) -> None:
        """Import labels from a CSV file: all rows or, if one is bad, none (the message
        names file:line). Labels of mentions or texts already imported are replaced."""
        from resonanz.analysis.labelfiles import read_labels

        app_ctx = obj(ctx)
        task = _task(task)
        ws = app_ctx.workspace(workspace)
        examples = read_labels(file, task)
        result = app_ctx.store.training.add_examples(ws.id, task, examples, source="csv")
        app_ctx.console.print(
            f"{len(examples)} {task} label(s) read from {file.name}: {result.added} new, "
            f"{result.updated} changed, {result.unchanged} already there."
        )

    @labels.command("list")
    def labels_list(ctx: typer.Context, workspace: str | None = workspace_option()) -> None:
        """Labelled examples per task and label, and the active trained models."""
        app_ctx = obj(ctx)
        _print_counts(app_ctx, app_ctx.workspace(workspace).id)

    @app.command("train")
    def train(
        ctx: typer.Context,
        task: str = typer.Argument(..., help="sentiment or relevance."),
        workspace: str | None = workspace_option(),
        folds: int = typer.Option(5, "--folds", help="Cross-validation folds for the quality."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Train the workspace's sentiment or relevance classifier on its labels, print its
        cross-validated quality and use it from the next collection on."""
        from resonanz.cli.evaluate import print_report, progress_reporter
        from resonanz.workspace_models import train_workspace_model

        app_ctx = obj(ctx)
        task = _task(task)
        ws = app_ctx.workspace(workspace)
        with progress_reporter(app_ctx, f"train {task}") as progress:
            classifier, info = train_workspace_model(
                app_ctx.store, ws.id, task, folds=folds, progress=progress
            )
        quality = classifier.quality
        if as_json:
            summary = {key: quality[key] for key in _SUMMARY}
            typer.echo(
                json.dumps(
                    {
                        **summary,
                        "task": task,
                        "model": info.name,
                        "folds": quality.get("folds"),
                        "params": classifier.params,
                        "labels": list(classifier.labels),
                        "per_class": quality.get("per_class"),
                        "confusion": quality.get("confusion"),
                    }
                )
            )
            return
        app_ctx.console.print(
            f"{info.name}: {quality.get('folds')}-fold cross-validated on "
            f"{info.n_examples} labelled examples",
            highlight=False,
        )
        report = {**quality, "model": info.name, "labels": list(classifier.labels)}
        print_report(app_ctx.console, f"train {task}", report)
        app_ctx.console.print(
            f"Model '{info.name}' is now the active {task} model of workspace '{ws.slug}'."
        )
