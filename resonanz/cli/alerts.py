"""`resonanz alerts ...`: channels, rules, run, history (`resonanz trends` is in cli/trends.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import typer
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.errors import ValidationError


def _pairs(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"--set needs key=value, not {item!r}")
        out[key.strip()] = value
    return out


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    alerts = typer.Typer(help="Spike and author alerts: channels, rules, history.")
    channel = typer.Typer(help="Where alerts go: e-mail, webhook, Slack, Matrix.")
    rules = typer.Typer(help="Which detector watches which topic.")
    alerts.add_typer(channel, name="channel")
    alerts.add_typer(rules, name="rules")
    app.add_typer(alerts, name="alerts", no_args_is_help=True)

    @channel.command("add")
    def channel_add(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="A name for the channel, e.g. 'pr-team'."),
        kind: str = typer.Argument(..., help="email, webhook, slack or matrix."),
        values: list[str] = typer.Option(
            [], "--set", help="A setting, key=value (repeat); see docs/alerts.md."
        ),
    ) -> None:
        """Add a channel; its settings are checked now and its secrets stored encrypted.
        Required secrets not given with --set are asked for (not echoed)."""
        from resonanz.alerts.channels import add_channel
        from resonanz.alerts.notifiers import notifier_kinds

        app_ctx = obj(ctx)
        config = _pairs(values)
        cls = notifier_kinds().get(kind)
        for spec in cls.fields if cls else ():
            if spec.secret and spec.required and spec.name not in config:
                config[spec.name] = typer.prompt(spec.name, hide_input=True)
        created = add_channel(
            app_ctx.store, app_ctx.settings, app_ctx.workspace(), name, kind, config
        )
        app_ctx.console.print(f"Channel '{created.name}' ({created.kind}) added.")

    @channel.command("list")
    def channel_list(ctx: typer.Context) -> None:
        """Channels with their last success and last error."""
        from resonanz.alerts.channels import describe_channel

        app_ctx = obj(ctx)
        table = Table("name", "target", "last success", "last error")
        for ch in app_ctx.store.alerts.list_channels(app_ctx.workspace().id):
            error = f"{_when(ch.last_error_at)}: {ch.last_error}" if ch.last_error else "-"
            table.add_row(
                ch.name,
                describe_channel(app_ctx.store, app_ctx.settings, ch),
                _when(ch.last_success_at),
                error,
            )
        app_ctx.console.print(table)

    @channel.command("test")
    def channel_test(
        ctx: typer.Context,
        name: str,
        lang: str = typer.Option("de", "--lang", help="de or en."),
    ) -> None:
        """Send a test message through the channel now."""
        from resonanz.alerts.channels import send_test

        app_ctx = obj(ctx)
        send_test(app_ctx.store, app_ctx.settings, app_ctx.workspace(), name, lang)
        app_ctx.console.print(f"Test message sent through '{name}'.")

    @channel.command("remove")
    def channel_remove(ctx: typer.Context, name: str) -> None:
        """Remove a channel (rules keep their other channels)."""
        app_ctx = obj(ctx)
        app_ctx.store.alerts.remove_channel(app_ctx.workspace().id, name)
        app_ctx.console.print(f"Channel '{name}' removed.")

    @rules.command("add")
    def rules_add(
        ctx: typer.Context,
        topic: str = typer.Argument(..., help="The topic to watch."),
        channels: list[str] = typer.Option(..., "--channel", help="Channel name (repeat)."),
        detector: str = typer.Option(
            "volume_spike",
            "--detector",
            help="volume_spike, negative_surge, new_author, emerging_terms or cluster_growth.",
        ),
        sensitivity: str | None = typer.Option(
            None,
            "--sensitivity",
            help="volume_spike, negative_surge, emerging_terms, cluster_growth: low, normal "
            "(default) or high.",
        ),
        min_mentions: int | None = typer.Option(
            None, "--min-mentions", help="volume_spike: fewest mentions in a window (10)."
        ),
        min_ratio: float | None = typer.Option(
            None,
            "--min-ratio",
            help="volume_spike: at least this times the expected (2); negative_surge: a "
            "negative share at least this times the usual (1.5); emerging_terms: a term's "
            "share at least this times its usual (3); cluster_growth: a cluster's posts at "
            "least this times its usual share (3).",
        ),
        min_negative: int | None = typer.Option(
            None, "--min-negative", help="negative_surge: fewest negative mentions (10)."
        ),
        window: int | None = typer.Option(
            None,
            "--window",
            help="negative_surge, emerging_terms, cluster_growth: minutes of the window tested "
            "(60).",
        ),
        min_count: int | None = typer.Option(
            None, "--min-count", help="emerging_terms: fewest mentions with the term (5)."
        ),
        min_new: int | None = typer.Option(
            None, "--min-new", help="cluster_growth: fewest new posts of a cluster (10)."
        ),
        baseline_days: int | None = typer.Option(
            None, "--baseline-days", help="emerging_terms: days the baseline covers (7)."
        ),
        min_followers: int | None = typer.Option(
            None, "--min-followers", help="new_author: followers from which on (10,000)."
        ),
        quiet_hours: str | None = typer.Option(
            None, "--quiet-hours", help="Hold messages in this local time, e.g. 22:00-07:00."
        ),
        timezone: str = typer.Option("Europe/Berlin", "--timezone", help="IANA time zone."),
        lang: str = typer.Option("de", "--lang", help="Language of the messages: de or en."),
    ) -> None:
        """Watch a topic with a detector; alerts go to the given channels."""
        from resonanz.alerts.channels import add_rule

        app_ctx = obj(ctx)
        params = {
            "sensitivity": sensitivity,
            "min_mentions": min_mentions,
            "min_ratio": min_ratio,
            "min_followers": min_followers,
            "min_negative": min_negative,
            "window_minutes": window,
            "min_count": min_count,
            "min_new": min_new,
            "baseline_days": baseline_days,
        }
        rule = add_rule(
            app_ctx.store,
            app_ctx.workspace(),
            topic,
            detector,
            {k: v for k, v in params.items() if v is not None},
            channels=channels,
            quiet_hours=quiet_hours,
            timezone=timezone,
            lang=lang,
        )
        app_ctx.console.print(f"Rule {rule.detector} on '{rule.topic}' added: {rule.params}.")

    @rules.command("list")
    def rules_list(ctx: typer.Context) -> None:
        """The workspace's rules."""
        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        names = {c.id: c.name for c in app_ctx.store.alerts.list_channels(ws.id)}
        table = Table("topic", "detector", "settings", "quiet hours", "channels", "last check")
        for rule in app_ctx.store.alerts.list_rules(ws.id):
            table.add_row(
                rule.topic,
                rule.detector + ("" if rule.enabled else " (off)"),
                ", ".join(f"{k}={v}" for k, v in rule.params.items()),
                f"{rule.quiet_hours} {rule.timezone}" if rule.quiet_hours else "-",
                ", ".join(names.get(i, "?") for i in rule.channel_ids),
                _when(rule.checked_at),
            )
        app_ctx.console.print(table)

    @rules.command("remove")
    def rules_remove(
        ctx: typer.Context,
        topic: str,
        detector: str = typer.Option("volume_spike", "--detector", help="Which rule."),
    ) -> None:
        """Remove a topic's rule (its history goes with it)."""
        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        app_ctx.store.alerts.remove_rule(ws.id, app_ctx.store.get_topic(ws.id, topic).id, detector)
        app_ctx.console.print(f"Rule {detector} on '{topic}' removed.")

    @alerts.command("run")
    def run(
        ctx: typer.Context,
        once: bool = typer.Option(False, "--once", help="One tick, then stop."),
        interval: float = typer.Option(60.0, "--interval", help="Seconds between ticks."),
    ) -> None:
        """Check every rule and send due messages, every --interval seconds (Ctrl-C stops)."""
        from resonanz.alerts.engine import check, deliver

        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        while True:
            started = time.monotonic()
            tick = check(app_ctx.store, app_ctx.settings, ws)
            sent = deliver(app_ctx.store, app_ctx.settings)
            app_ctx.console.print(
                f"{_when(datetime.now(UTC))}: {tick.rules} rules, {tick.opened} opened, "
                f"{tick.updated} updated, {tick.resolved} resolved; {sent.sent} sent, "
                f"{sent.retried} to retry, {sent.failed} failed"
            )
            for error in tick.errors + sent.errors:
                app_ctx.err.print(f"[red]{error}[/red]")
            if once:
                return
            time.sleep(max(0.0, interval - (time.monotonic() - started)))

    @alerts.command("history")
    def history(
        ctx: typer.Context,
        topic: str | None = typer.Option(None, "--topic", help="Only this topic."),
        limit: int = typer.Option(20, "--limit", help="How many incidents."),
    ) -> None:
        """Incidents, newest first, with what caused them and where their messages went."""
        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        topic_id = app_ctx.store.get_topic(ws.id, topic).id if topic else None
        incidents = app_ctx.store.alerts.history(ws.id, topic_id=topic_id, limit=limit)
        deliveries = app_ctx.store.alerts.deliveries(i.id for i in incidents)
        table = Table("#", "started", "topic", "kind", "status", "explanation", "messages")
        for incident in incidents:
            mine = [d for d in deliveries if d.incident_id == incident.id]
            messages = "; ".join(
                f"{d.channel} #{d.sequence}: {d.status}"
                + (f" ({d.last_error})" if d.last_error and d.status != "sent" else "")
                for d in mine
            )
            table.add_row(
                str(incident.id),
                _when(incident.started_at),
                incident.topic,
                incident.kind + (f" {incident.subject}" if incident.subject else ""),
                incident.status,
                incident.explanation,
                messages or "-",
            )
        app_ctx.console.print(table)
