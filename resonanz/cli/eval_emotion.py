"""`resonanz eval emotion`: the emotion enricher against emotion or sentiment labels."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.cli.context import obj
from resonanz.cli.evaluate import FORMAT_HELP, cell, emit, print_report, progress_reporter

_HELP = (
    "The emotion enricher against labelled data. With the emotions format (CSV: text, "
    "emotions, optional lang): per-emotion precision/recall/F1, micro and macro F1 over "
    "(text, emotion) pairs, top-emotion accuracy, coverage. With a sentiment-labelled "
    "dataset: a valence proxy (joy/trust positive, anger/disgust/fear/sadness negative, "
    "others neutral against the gold sentiment), which checks that the emotions found "
    "point the right way, not that the right emotion was found."
)
_EXTRA = ("coverage", "n_with_emotions", "exact_match", "precision", "recall", "seconds")
_PROXY_NOTE = (
    "valence proxy: the top emotion's valence against the gold sentiment. It shows whether "
    "the emotions found point the right way, not whether the right emotion was found."
)


def by_emotion_table(by_emotion: Mapping[str, Mapping[str, Any]]) -> Table:
    """Per top emotion: how many texts, and the shares of their gold sentiments."""
    table = Table("top emotion", "texts", *(f"gold {s}" for s in SENTIMENT_LABELS))
    table.title = "gold sentiment by top emotion"
    for emotion, row in by_emotion.items():
        table.add_row(emotion, str(row["n"]), *(cell(row[s]) for s in SENTIMENT_LABELS))
    return table


def print_emotion_report(console: Console, report: Mapping[str, Any]) -> None:
    """The report as tables: summary, per class (emotion or valence), then for the proxy
    the confusion matrix and the gold sentiments by top emotion."""
    print_report(console, f"eval emotion ({report['measure']})", report, _EXTRA)
    if "by_emotion" in report:
        console.print(by_emotion_table(report["by_emotion"]))
        console.print(_PROXY_NOTE)


def emotion(
    ctx: typer.Context,
    dataset: Path = typer.Option(..., "--dataset", help="Labelled file (or folder)."),
    fmt: str = typer.Option(
        ..., "--format", help=f"Format of --dataset: emotions, or for the proxy {FORMAT_HELP}"
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="Evaluate only the first N labelled examples."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    from resonanz.evaluation.emotion import run_emotion_eval

    app_ctx = obj(ctx)
    with progress_reporter(app_ctx, "eval emotion") as progress:
        report = run_emotion_eval(dataset, fmt, limit=limit, progress=progress)
    emit(app_ctx, report, as_json, print_emotion_report)


def register(evaluation: typer.Typer) -> None:
    """Add `eval emotion` to the `eval` group."""
    evaluation.command("emotion", help=_HELP)(emotion)
