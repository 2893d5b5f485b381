"""`resonanz eval aspects`: aspect categories and their polarity against labelled data."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.cli.evaluate import emit, progress_reporter

_HELP = (
    "Aspect categories (GermEval 2017 subtask C: category only, and category + polarity) "
    "of the workspace's category file (setting aspect_categories; default: the shipped "
    "railway template) against a labelled dataset: micro precision/recall/F1 over "
    "document x category pairs, per category, against the majority-category baseline. "
    "With --train: the term lists plus an aspect classifier trained on that file."
)
_ROWS = (
    "dataset",
    "format",
    "categories",
    "n",
    "n_with_aspects",
    "micro_f1",
    "precision",
    "recall",
    "polarity_micro_f1",
    "polarity_precision",
    "polarity_recall",
    "posts_per_s",
    "load_s",
)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _figures(block: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {_number(v)}" for k, v in block.items())


def print_aspect_report(console: Console, report: Mapping[str, Any]) -> None:
    """The report as tables: summary, comparisons, per category."""
    summary = Table("figure", "value", title="eval aspects")
    for key in _ROWS:
        summary.add_row(key, _number(report[key]))
    majority = report["majority_category"]
    summary.add_row(f"without {majority}", _figures(report["without_majority"]))
    summary.add_row("majority baseline", _figures(report["majority_baseline"]))
    if report.get("relevant_only"):
        summary.add_row("relevant posts only", _figures(report["relevant_only"]))
    training = report.get("train")
    if training:
        summary.add_row("trained on", f"{training['path']} ({training['n']} examples)")
        summary.add_row("cross-validated", _figures(training["quality"]))
        if training.get("too_few"):
            summary.add_row("too few labels to learn", ", ".join(training["too_few"]))
    console.print(summary)
    if training and training.get("overlap"):
        console.print(
            f"[yellow]warning: {training['overlap']} of the {report['n']} test texts also "
            "occur in the training data: for them these figures are not held out.[/yellow]"
        )
    console.print(per_category_table(report["per_category"]))


def per_category_table(per_category: Mapping[str, Mapping[str, Any]]) -> Table:
    """The figures of every category (``aspect_figures``' ``per_category``)."""
    table = Table(
        "category",
        "precision",
        "recall",
        "f1",
        "support",
        "predicted",
        "polarity f1",
        title="per category",
    )
    for name, row in per_category.items():
        table.add_row(
            name,
            *(_number(row[k]) for k in ("precision", "recall", "f1", "support", "predicted")),
            _number(row["polarity_f1"]),
        )
    return table


def aspects(
    ctx: typer.Context,
    dataset: Path = typer.Option(..., "--dataset", help="Labelled file with aspects."),
    fmt: str = typer.Option(..., "--format", help="Format of --dataset: germeval or csv."),
    categories: Path | None = typer.Option(
        None,
        "--categories",
        help="Aspect category file (TOML or JSON; default: the aspect_categories setting, "
        "else the shipped railway template).",
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="Evaluate only the first N labelled examples."
    ),
    train: Path | None = typer.Option(
        None,
        "--train",
        help="Train an aspect classifier on this labelled file and evaluate the term lists "
        "plus it.",
    ),
    train_format: str | None = typer.Option(
        None, "--train-format", help="Format of --train (default: that of --dataset)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    from resonanz.evaluation.aspects import run_aspect_eval

    app_ctx = obj(ctx)
    path = categories or (app_ctx.settings.aspect_categories.strip() or None)
    with progress_reporter(app_ctx, "eval aspects") as progress:
        report = run_aspect_eval(
            dataset,
            fmt,
            categories_path=path,
            limit=limit,
            progress=progress,
            train_path=train,
            train_fmt=train_format,
        )
    emit(app_ctx, report, as_json, print_aspect_report)


def register(evaluation: typer.Typer) -> None:
    """Add `eval aspects` to the `eval` group."""
    evaluation.command("aspects", help=_HELP)(aspects)
