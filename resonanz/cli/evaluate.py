"""`resonanz eval ...`: measure the analysis on labelled data (printed, or one JSON object)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from resonanz.cli.context import AppContext, obj

FORMAT_HELP = "germeval, sb10k (also PotTS), tweeteval (folder or *_text.txt) or csv."
_SUMMARY_KEYS = ("accuracy", "micro_f1", "macro_f1", "macro_recall", "n", "posts_per_s")
_COMMAND_HELP = {
    "sentiment": (
        "Sentiment (negative/neutral/positive) of the shipped default model, or of one "
        "trained on --train, against a labelled dataset: accuracy, micro/macro F1, "
        "macro recall, per-class figures, confusion matrix, throughput."
    ),
    "relevance": (
        "Relevance (is the post really about the brand: true/false) of a classifier "
        "trained on --train, against a labelled dataset (germeval or csv): the same figures."
    ),
}


@contextmanager
def progress_reporter(app_ctx: AppContext, title: str) -> Iterator[Callable[[str, int, int], None]]:
    """A ``progress(stage, done, total)`` callback drawing a transient bar on stderr."""
    with Progress(console=app_ctx.err, transient=True) as progress:
        task = progress.add_task(title, total=None)

        def report(stage: str, done: int, total: int) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        yield report


def cell(value: Any) -> str:
    """A figure as a table cell: four decimals below 10, one above."""
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
    return "-" if value is None else str(value)


def print_report(
    console: Console, title: str, report: Mapping[str, Any], extra: Sequence[str] = ()
) -> None:
    """The figures of an eval report as tables: summary (with the ``extra`` keys),
    per class, confusion matrix."""
    summary = Table("figure", "value", title=title)
    for key in ("dataset", "format", *_SUMMARY_KEYS, *extra, "model", "load_s", "dropped"):
        if key in report:
            summary.add_row(key, cell(report[key]))
    training = report.get("train")
    if training:
        summary.add_row("trained on", f"{training['path']} ({training['n']} examples)")
        for key, value in training.get("quality", {}).items():
            if isinstance(value, int | float | str):
                summary.add_row(f"cross-validated {key}", cell(value))
    console.print(summary)
    labels: list[str] = list(report.get("labels", []))
    if "per_class" in report:
        per_class = Table("label", "precision", "recall", "f1", "support", title="per class")
        for label in labels:
            row = report["per_class"][label]
            per_class.add_row(
                label, *(cell(row[k]) for k in ("precision", "recall", "f1")), str(row["support"])
            )
        console.print(per_class)
    if "confusion" in report:
        confusion = Table("gold \\ predicted", *labels, title="confusion matrix")
        for label, row in zip(labels, report["confusion"], strict=True):
            confusion.add_row(label, *map(str, row))
        console.print(confusion)
    if training and training.get("overlap"):
        console.print(
            f"[yellow]warning: {training['overlap']} of the {report['n']} test texts also "
            "occur in the training data: for them these figures are not held out.[/yellow]"
        )


ReportPrinter = Callable[[Console, Mapping[str, Any]], None]


def emit(
    app_ctx: AppContext, report: Mapping[str, Any], as_json: bool, tables: ReportPrinter
) -> None:
    """Print the report: one JSON object with --json, else ``tables`` prints it."""
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        tables(app_ctx.console, report)


def _classifier_command(task: str) -> Callable[..., None]:
    """The `eval sentiment` / `eval relevance` command: the same options for both tasks."""

    def command(
        ctx: typer.Context,
        dataset: Path = typer.Option(..., "--dataset", help="Labelled file (or folder)."),
        fmt: str = typer.Option(..., "--format", help=f"Format of --dataset: {FORMAT_HELP}"),
        train: Path | None = typer.Option(
            None, "--train", help="Train a classifier on this labelled file and evaluate it."
        ),
        train_format: str | None = typer.Option(
            None, "--train-format", help="Format of --train (default: that of --dataset)."
        ),
        limit: int | None = typer.Option(
            None, "--limit", help="Evaluate only the first N labelled examples."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        from resonanz.evaluation.runner import run_eval

        app_ctx = obj(ctx)
        with progress_reporter(app_ctx, f"eval {task}") as progress:
            report = run_eval(
                task,
                dataset,
                fmt,
                train_path=train,
                train_fmt=train_format,
                limit=limit,
                progress=progress,
                settings=app_ctx.settings,
            )
        title = f"eval {task}"
        emit(app_ctx, report, as_json, lambda console, r: print_report(console, title, r))

    command.__name__ = task
    return command


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    evaluation = typer.Typer(
        help="Measure the analysis on labelled data (see docs/evaluation.md).",
        no_args_is_help=True,
    )
    app.add_typer(evaluation, name="eval")
    for task in ("sentiment", "relevance"):
        evaluation.command(task, help=_COMMAND_HELP[task])(_classifier_command(task))
    # These import this module's helpers: load them after.
    from resonanz.cli import eval_aspects, eval_emotion, eval_topics

    eval_aspects.register(evaluation)
    eval_emotion.register(evaluation)
    eval_topics.register(evaluation)
