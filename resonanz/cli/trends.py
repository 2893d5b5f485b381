"""`resonanz trends TOPIC`: mentions per minute, hour or day, per platform, language or
sentiment; the hourly view adds the same hours of past weeks and the spike test now."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import typer
from rich.table import Table

from resonanz.analytics.series import STEP, Bucket, Series, check_span, floor, series
from resonanz.cli.context import AppContext, obj
from resonanz.errors import ValidationError


class ResolutionChoice(StrEnum):
    """Bucket sizes of ``--resolution``."""

    minute = "minute"
    hour = "hour"
    day = "day"


class GroupChoice(StrEnum):
    """Splits of ``--by``."""

    platform = "platform"
    language = "language"
    sentiment = "sentiment"


# The range shown when neither --hours nor --days is given.
DEFAULT_SPAN = {
    "minute": timedelta(hours=1),
    "hour": timedelta(hours=24),
    "day": timedelta(days=30),
}
_LABEL = {"minute": "%Y-%m-%d %H:%M", "hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d"}


def register(app: typer.Typer) -> None:
    """Add the trends command."""

    @app.command("trends")
    def trends(
        ctx: typer.Context,
        topic: str = typer.Argument(..., help="The topic."),
        resolution: ResolutionChoice = typer.Option(
            ResolutionChoice.hour,
            "--resolution",
            help="Bucket size: minute (counted from the mentions, at most 48 hours), "
            "hour or day (kept counts).",
        ),
        by: GroupChoice | None = typer.Option(
            None, "--by", help="Split each bucket per platform, language or sentiment."
        ),
        hours: int | None = typer.Option(
            None, "--hours", help="Range: the last N hours (default 1 for minutes, 24 for hours)."
        ),
        days: int | None = typer.Option(
            None, "--days", help="Range: the last N days (default 30 for days)."
        ),
        as_json: bool = typer.Option(False, "--json", help="One JSON object instead of a table."),
    ) -> None:
        """Mentions per minute, hour or day (UTC), optionally per platform, language or
        sentiment. The hourly table also shows the same hour of past weeks and the spike
        test now."""
        app_ctx = obj(ctx)
        span = _span(resolution.value, hours, days)
        ws = app_ctx.workspace()
        record = app_ctx.store.get_topic(ws.id, topic)
        now = datetime.now(UTC)
        end = floor(now, resolution.value) + STEP[resolution.value]  # the current bucket too
        found = series(
            app_ctx.store,
            ws.id,
            record.id,
            resolution=resolution.value,
            start=end - span,
            end=end,
            by=by.value if by else None,
        )
        if as_json:
            typer.echo(json.dumps(found.as_json(topic), ensure_ascii=False))
        elif resolution is ResolutionChoice.hour:
            _print_hourly(app_ctx, ws.id, found, now)
        else:
            table = _table(found, [])
            for bucket in found.buckets:
                table.add_row(*_row(found, bucket))
            app_ctx.console.print(table)


def _span(resolution: str, hours: int | None, days: int | None) -> timedelta:
    """The range the options ask for, checked against what the resolution allows."""
    if hours is not None and days is not None:
        raise ValidationError("give --hours or --days, not both")
    if hours is not None and hours < 1:
        raise ValidationError(f"--hours must be at least 1, not {hours}")
    if days is not None and days < 1:
        raise ValidationError(f"--days must be at least 1, not {days}")
    if hours is None and days is None:
        return DEFAULT_SPAN[resolution]
    option = f"--hours {hours}" if hours is not None else f"--days {days}"
    try:
        span = timedelta(hours=hours or 0, days=days or 0)
    except OverflowError as exc:
        raise ValidationError(f"{option} is too long a range") from exc
    try:
        check_span(resolution, span)
    except ValidationError as exc:
        raise ValidationError(f"{option} with --resolution {resolution}: {exc}") from exc
    return span


def _table(found: Series, extra: list[str]) -> Table:
    """Bucket, total and one column per group; ``extra`` column titles are added by the caller."""
    return Table(f"{found.resolution} (UTC)", "mentions", *found.groups, *extra)


def _row(found: Series, bucket: Bucket) -> list[str]:
    label = bucket.start.strftime(_LABEL[found.resolution])
    return [label, str(bucket.total), *(str(bucket.by_group[g]) for g in found.groups)]


def _print_hourly(app_ctx: AppContext, workspace_id: int, found: Series, now: datetime) -> None:
    """The hourly table with the same hour of past weeks, then the spike test now."""
    from resonanz.alerts.engine import volume_view
    from resonanz.analytics.spikes import SpikeParams

    spike = SpikeParams()
    assert found.topic_id is not None  # the command always names a topic
    view = volume_view(app_ctx.store, workspace_id, found.topic_id, spike, now)
    table = _table(found, [f"same hour, {spike.weeks} weeks before"])
    for bucket in found.buckets:
        before = [
            view.hours.get(bucket.start - timedelta(weeks=w)) for w in range(1, spike.weeks + 1)
        ]
        known = [str(b) for b in before if b is not None]
        table.add_row(*_row(found, bucket), " ".join(known) or "-")
    app_ctx.console.print(table)
    lang = app_ctx.settings.default_locale
    app_ctx.console.print(
        f"Expected now: {view.expect.per_minute:.2f} per minute {view.expect.basis('en')}; "
        f"last 15 minutes: {sum(view.bins)} mentions (clumping {view.clumping:.1f})."
    )
    if view.finding is not None:
        app_ctx.console.print(f"[bold red]Spike:[/bold red] {view.finding.explain(lang)}")
    else:
        app_ctx.console.print("No spike now.")
