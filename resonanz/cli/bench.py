"""`resonanz bench ...`: speed and memory figures (printed, or one JSON object)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from resonanz.cli.context import AppContext, obj


def _print(app_ctx: AppContext, title: str, figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(figures))
        return
    table = Table("figure", "value", title=title)
    for key, value in _flat(figures):
        table.add_row(key, f"{value:,.2f}" if isinstance(value, float) else str(value))
    app_ctx.console.print(table)


def _flat(figures: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested figures (``by_peer``) as rows named ``by_peer.bluesky.lost``."""
    rows: list[tuple[str, Any]] = []
    for key, value in figures.items():
        if isinstance(value, dict):
            rows.extend(_flat(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    bench = typer.Typer(help="Benchmarks: speed and memory figures.", no_args_is_help=True)
    app.add_typer(bench, name="bench")

    @bench.command("match")
    def match(
        ctx: typer.Context,
        queries: int = typer.Option(10_000, "--queries", help="Topic queries to compile."),
        posts: int = typer.Option(100_000, "--posts", help="Posts to match."),
        seed: int = typer.Option(0, "--seed", help="Random seed of the generator."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Query matching: posts/s (full evaluation and bare scan), compile time, memory."""
        from resonanz.bench.match import bench_match

        app_ctx = obj(ctx)
        with Progress(console=app_ctx.err, transient=True) as progress:
            task = progress.add_task("bench match", total=None)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total)

            figures = bench_match(n_queries=queries, n_posts=posts, seed=seed, progress=report)
        _print(app_ctx, "bench match", figures, as_json)

    @bench.command("alerts")
    def alerts(
        ctx: typer.Context,
        topics: int = typer.Option(10, "--topics", help="Topic streams to build."),
        weeks: int = typer.Option(8, "--weeks", help="Simulated weeks per topic."),
        warmup: int = typer.Option(
            4, "--warmup-weeks", help="Weeks of history before bursts are injected."
        ),
        rate: float = typer.Option(
            30.0,
            "--rate",
            help="Mean mentions per minute per topic (30: a busy brand whose quiet hours "
            "still run at 5 a minute; see docs/benchmarks.md for lower rates).",
        ),
        bursts: int = typer.Option(
            10, "--bursts-per-size", help="Bursts of each size (3x, 5x, 10x) per topic."
        ),
        burst_minutes: int = typer.Option(30, "--burst-minutes", help="How long a burst lasts."),
        sensitivity: float = typer.Option(
            1e-6, "--alpha", help="Tail probability below which a window fires."
        ),
        data: Path | None = typer.Option(
            None,
            "--data",
            help="The shared data folder (SB10k, PotTS, GermEval); default: bundled sample.",
        ),
        seed: int = typer.Option(0, "--seed", help="Random seed."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Spike alerts on a replayed real stream with injected 3x/5x/10x bursts: recall,
        false alarms per topic and week, latency."""
        from resonanz.bench.alerts import bench_alerts

        app_ctx = obj(ctx)
        with Progress(console=app_ctx.err, transient=True) as progress:
            task = progress.add_task("bench alerts", total=None)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total)

            figures = bench_alerts(
                topics=topics,
                weeks=weeks,
                warmup_weeks=warmup,
                rate=rate,
                bursts_per_size=bursts,
                burst_minutes=burst_minutes,
                sensitivity=sensitivity,
                data_dir=data,
                seed=seed,
                progress=report,
            )
        _print(app_ctx, "bench alerts", figures, as_json)

    @bench.command("connectors")
    def connectors(
        ctx: typer.Context,
        events: int = typer.Option(
            100_000, "--events", min=1, help="Firehose events to replay (ignored with --minutes)."
        ),
        minutes: float | None = typer.Option(
            None, "--minutes", min=0.01, help="Replay for this long instead (memory soak)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Bluesky firehose consumer on a recorded real stream: decode + normalise + match,
        events/s on one core and RSS growth over the replay."""
        from resonanz.bench.connectors import bench_connectors

        app_ctx = obj(ctx)
        with Progress(console=app_ctx.err, transient=True) as progress:
            task = progress.add_task("bench connectors", total=None)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total or None)

            figures = bench_connectors(events=events, minutes=minutes, progress=report)
        _print(app_ctx, "bench connectors", figures, as_json)

    @bench.command("ingest")
    def ingest(
        ctx: typer.Context,
        mentions: int = typer.Option(20_000, "--mentions", help="Mentions to ingest."),
        language: bool = typer.Option(
            False, "--language/--no-language", help="Also run language detection."
        ),
        enrichers: bool = typer.Option(
            False,
            "--enrichers/--no-enrichers",
            help="Also run the other enrichers the settings turn on (sentiment, keywords, "
            "...), as collect does.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Pipeline ingest into the store: mentions/s from file to stored and matched
        (without enrichers unless asked)."""
        from resonanz.bench.ingest import bench_ingest

        app_ctx = obj(ctx)
        figures = bench_ingest(
            app_ctx.settings,
            n_mentions=mentions,
            language=language,
            enrichers=enrichers,
            database_url=app_ctx.settings.database_url or None,
        )
        _print(app_ctx, "bench ingest", figures, as_json)

    @bench.command("enrich")
    def enrich(
        ctx: typer.Context,
        posts: int = typer.Option(10_000, "--posts", help="Posts to enrich."),
        data: Path | None = typer.Option(
            None,
            "--data",
            help="Folder with SB10k, PotTS, TweetEval, GermEval files (the shared data "
            "folder); default: the bundled GermEval sample.",
        ),
        train: Path | None = typer.Option(
            None,
            "--train",
            help="A labelled file (e.g. GermEval 2017 dev): train the workspace classifiers "
            "it has labels for (sentiment, relevance, aspects) first, and enrich with them "
            "bound as a workspace's active models.",
        ),
        train_format: str = typer.Option(
            "germeval", "--format", help="Format of --train: germeval, sb10k, tweeteval, csv."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """All default enrichers over real posts on one core: posts/s, start-up time and
        peak memory of a fresh process, against the targets (>= 2,000 posts/s, <= 2 s,
        <= 1 GiB); with --train, also a workspace's trained classifiers."""
        from resonanz.bench.enrich import bench_enrich

        app_ctx = obj(ctx)
        with app_ctx.err.status("bench enrich: enriching in a fresh process pinned to one CPU"):
            figures = bench_enrich(
                app_ctx.settings,
                n_posts=posts,
                data_dir=data,
                batch_size=app_ctx.settings.batch_size,
                train=train,
                train_format=train_format,
            )
        _print(app_ctx, "bench enrich", figures, as_json)

    @bench.command("web")
    def web(
        ctx: typer.Context,
        mentions: int = typer.Option(1_000_000, "--mentions", help="Mentions to generate."),
        seed: int = typer.Option(0, "--seed", help="Random seed of the generator."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
        keep: bool = typer.Option(
            False,
            "--keep",
            help="Keep the generated workspace (with --database-url) and reuse it next time.",
        ),
    ) -> None:
        """Dashboard on a big workspace: overview and search p95, CSV export memory."""
        from resonanz.bench.web import bench_web

        app_ctx = obj(ctx)
        with Progress(console=app_ctx.err, transient=True) as progress:
            task = progress.add_task("bench web", total=None)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total)

            figures = bench_web(
                app_ctx.settings,
                n_mentions=mentions,
                database_url=app_ctx.settings.database_url or None,
                seed=seed,
                progress=report,
                keep=keep,
            )
        _print(app_ctx, "bench web", figures, as_json)

    @bench.command("publish")
    def publish(
        ctx: typer.Context,
        deliveries: int = typer.Option(2_000, "--deliveries", min=1, help="Posts to deliver."),
        window: float = typer.Option(
            240.0, "--window", min=1.0, help="Seconds over which the posts fall due."
        ),
        kill_min: float = typer.Option(
            2.0, "--kill-min", min=0.1, help="Least seconds between two SIGKILLs."
        ),
        kill_max: float = typer.Option(
            30.0, "--kill-max", min=0.1, help="Most seconds between two SIGKILLs."
        ),
        edits: int = typer.Option(
            500, "--edits", min=0, help="Posts edited or deleted in the minute before due."
        ),
        lose: float = typer.Option(
            0.05, "--lose", help="Share of calls whose answer is lost after the platform stored it."
        ),
        lease: float = typer.Option(10.0, "--lease", help="The scheduler's lease in seconds."),
        schedulers: int = typer.Option(
            2, "--schedulers", min=1, help="Scheduler processes side by side (one is killed)."
        ),
        quick: bool = typer.Option(
            False, "--quick", help="A small run: 200 deliveries over 60 s, 50 edits."
        ),
        images: float = typer.Option(
            0.1, "--images", help="Share of the posts with an image (uploaded as the post's)."
        ),
        peers: str = typer.Option(
            "",
            "--peers",
            help="Comma-separated peers to publish to: mastodon, bluesky (default: both, "
            "Mastodon only when the Bluesky PDS peer is not installed).",
        ),
        seed: int = typer.Option(0, "--seed", help="Random seed."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Publishing under crash injection: the real scheduler killed at random and
        restarted, lost answers and 429 bursts from local Mastodon and Bluesky peers, edits
        and deletes just before due; duplicates, lost, stale posts and lateness. Uses a
        temporary SQLite store, or an empty database given with the global --database-url."""
        from resonanz.bench.publish import PublishBenchOptions, bench_publish, chosen_peers

        app_ctx = obj(ctx)
        named = tuple(p.strip().lower() for p in peers.split(",") if p.strip())
        if quick:
            deliveries, window, edits = min(deliveries, 200), min(window, 60.0), min(edits, 50)
        options = PublishBenchOptions(
            deliveries=deliveries,
            window_s=window,
            kill_min_s=kill_min,
            kill_max_s=kill_max,
            edits=edits,
            lose_share=lose,
            lease_s=lease,
            schedulers=schedulers,
            database_url=app_ctx.settings.database_url or None,
            image_share=images,
            seed=seed,
            peers=named or None,
        )
        options.check()
        left_out = chosen_peers(options)[1]
        if left_out:
            app_ctx.err.print(f"[yellow]{left_out}[/yellow]")
        with Progress(console=app_ctx.err, transient=True) as progress:
            task = progress.add_task("bench publish", total=None)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total or None)

            figures = bench_publish(app_ctx.settings, options, progress=report)
        _print(app_ctx, "bench publish", figures, as_json)
