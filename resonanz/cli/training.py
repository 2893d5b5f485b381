"""`resonanz labels import|list` and `resonanz train sentiment|relevance|aspects`: the
workspace's own classifiers, trained on its labels (see docs/analysis.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from resonanz.cli.context import AppContext, obj, workspace_option
from resonanz.errors import ValidationError
from resonanz.workspace_models import TASKS

_SUMMARY = ("accuracy", "micro_f1", "macro_f1", "macro_recall", "n")
_ASPECT_SUMMARY = ("micro_f1", "precision", "recall", "polarity_micro_f1", "n", "threshold")


def _task(value: str) -> str:
    task = value.strip().lower()
    if task not in TASKS:
        raise ValidationError(f"unknown task {value!r}; known: {', '.join(TASKS)}")
    return task


def _figure(quality: Mapping[str, Any], key: str) -> str:
    """A stored quality figure, "–" where the stored quality has none."""
    value = quality.get(key)
    return f"{float(value):.4f}" if isinstance(value, int | float) else "–"


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
                *(_figure(model.quality, k) for k in ("micro_f1", "macro_f1")),
            )
    if models.row_count:
        app_ctx.console.print(models)


def _print_aspects(
    app_ctx: AppContext, meta: dict[str, Any], name: str, slug: str, as_json: bool
) -> None:
    """What `train aspects` prints: the cross-validated figures, per category."""
    quality = meta["quality"]
    if as_json:
        summary = {key: quality[key] for key in _ASPECT_SUMMARY}
        typer.echo(
            json.dumps(
                {
                    **summary,
                    "task": "aspects",
                    "model": name,
                    "folds": quality.get("folds"),
                    "params": meta.get("params"),
                    "too_few": meta.get("too_few"),
                    "per_category": quality.get("per_category"),
                },
                ensure_ascii=False,
            )
        )
        return
    app_ctx.console.print(
        f"{name}: {quality.get('folds')}-fold cross-validated on {meta['n']} labelled texts "
        f"(category found where its probability is at least {quality['threshold']})",
        highlight=False,
    )
    from resonanz.cli.eval_aspects import per_category_table

    table = per_category_table(quality.get("per_category", {}))
    table.add_row(
        "[bold]all (micro)[/bold]",
        *(f"{float(quality[k]):.4f}" for k in ("precision", "recall", "micro_f1")),
        str(quality["support"]),
        "",
        f"{float(quality['polarity_micro_f1']):.4f}",
    )
    app_ctx.console.print(table)
    if meta.get("too_few"):
        app_ctx.console.print(
            "Too few labels to learn (the term lists alone find them): "
            + ", ".join(meta["too_few"]),
            highlight=False,
        )
    app_ctx.console.print(f"Model '{name}' is now the active aspects model of workspace '{slug}'.")


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
            "(relevance labels: true/false; the column may be called 'relevant'; aspect "
            "labels: Category:polarity items, the column may be called 'aspects').",
        ),
        task: str = typer.Option(..., "--task", help="sentiment, relevance or aspects."),
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
        task: str = typer.Argument(..., help="sentiment, relevance or aspects."),
        workspace: str | None = workspace_option(),
        folds: int = typer.Option(5, "--folds", help="Cross-validation folds for the quality."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Train the workspace's sentiment, relevance or aspect classifier on its labels,
        print its cross-validated quality and use it from the next collection on."""
        from resonanz.analysis.training import TrainedClassifier
        from resonanz.cli.evaluate import print_report, progress_reporter
        from resonanz.workspace_models import train_workspace_model

        app_ctx = obj(ctx)
        task = _task(task)
        ws = app_ctx.workspace(workspace)
        with progress_reporter(app_ctx, f"train {task}") as progress:
            classifier, info = train_workspace_model(
                app_ctx.store,
                ws.id,
                task,
                folds=folds,
                progress=progress,
                categories_setting=app_ctx.settings.aspect_categories,
            )
        quality = classifier.quality
        if task == "aspects":
            _print_aspects(app_ctx, classifier.meta, info.name, ws.slug, as_json)
            return
        assert isinstance(classifier, TrainedClassifier)
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
