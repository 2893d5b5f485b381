"""`resonanz eval topics`: topic clusters against labelled crisis events (NMI, ARI)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.cli.evaluate import cell, emit, progress_reporter

_HELP = (
    "Topic clusters (the shipped default clusterer, fed batch by batch) against the events "
    "of a CrisisLex T26 or T6 folder: NMI and ARI over the on-topic tweets (and over all), "
    "cluster counts, the largest clusters with their labels, throughput."
)
_ROWS = (
    "dataset",
    "format",
    "order",
    "seed",
    "events",
    "n",
    "n_stream",
    "nmi",
    "ari",
    "nmi_all",
    "ari_all",
    "clusters",
    "clusters_5plus",
    "unclustered",
    "posts_per_s",
)


def print_topic_report(console: Console, report: Mapping[str, Any]) -> None:
    """The report as tables: the figures, then the largest clusters."""
    summary = Table("figure", "value", title="eval topics")
    for key in _ROWS:
        summary.add_row(key, cell(report[key]))
    console.print(summary)
    largest = Table("label", "size", "main event", "share", title="largest clusters")
    for row in report["largest"]:
        largest.add_row(row["label"], str(row["size"]), row["event"], cell(row["event_share"]))
    console.print(largest)


def topics(
    ctx: typer.Context,
    dataset: Path = typer.Option(
        ..., "--dataset", help="CrisisLex T26 or T6 folder (one sub-folder per event)."
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="Cluster only N tweets, sampled from all events with --seed."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed of --limit and --order shuffled."),
    order: str = typer.Option(
        "time", "--order", help="Stream order: time (posting time) or shuffled."
    ),
    batch_size: int = typer.Option(500, "--batch-size", help="Tweets per batch fed in."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    from resonanz.evaluation.topics import evaluate_topics

    app_ctx = obj(ctx)
    with progress_reporter(app_ctx, "eval topics") as progress:
        report = evaluate_topics(
            dataset,
            limit=limit,
            seed=seed,
            order=order,
            batch_size=batch_size,
            progress=progress,
        )
    emit(app_ctx, report, as_json, print_topic_report)


def register(eval_app: typer.Typer) -> None:
    """Add `eval topics` to the `eval` group."""
    eval_app.command("topics", help=_HELP)(topics)
