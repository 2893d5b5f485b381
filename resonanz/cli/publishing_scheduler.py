"""`resonanz scheduler ...`: run the publishing scheduler, pause and resume publishing,
list overdue deliveries (docs/publishing.md)."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from types import FrameType

import typer
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.cli.publishing import publishing


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    scheduler = typer.Typer(help="The publishing scheduler and the pause switch.")
    app.add_typer(scheduler, name="scheduler", no_args_is_help=True)

    @scheduler.command("run")
    def scheduler_run(
        ctx: typer.Context,
        once: bool = typer.Option(False, "--once", help="One tick, then exit."),
        interval: float = typer.Option(5.0, "--interval", help="Seconds between ticks."),
        lease: float = typer.Option(
            120.0,
            "--lease",
            help="Seconds a claim is held; a scheduler that dies is taken over after this.",
        ),
        batch: int = typer.Option(10, "--batch", help="Deliveries claimed per tick."),
    ) -> None:
        """Send due posts of every workspace until stopped (Ctrl-C or SIGTERM finish the
        delivery in hand, then exit). Several may run at once on PostgreSQL."""
        from resonanz.publishing.notify import PublishingNotifier
        from resonanz.publishing.scheduler import Scheduler, SchedulerOptions

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        if interval <= 0 or lease <= 0 or batch < 1:
            raise typer.BadParameter("--interval and --lease must be positive, --batch >= 1")
        runner = Scheduler(
            pub,
            app_ctx.settings,
            classes,
            options=SchedulerOptions(lease_s=lease, batch=batch, interval_s=interval),
            notifier=PublishingNotifier(app_ctx.store, app_ctx.settings, classes),
        )
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        app_ctx.err.print(f"Scheduler {runner.runner} running (lease {lease:g} s).")
        try:
            runner.run(once=once, stop=stop)
        except KeyboardInterrupt:
            pass
        finally:
            runner.close()

    @scheduler.command("pause")
    def scheduler_pause(
        ctx: typer.Context,
        reason: str = typer.Option("", "--reason", help="Why (shown with overdue posts)."),
    ) -> None:
        """Hold all publishing of the workspace from the next tick on."""
        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        pub.pause(app_ctx.workspace().id, reason=reason, at=datetime.now(UTC))
        app_ctx.console.print("Publishing paused for this workspace.")

    @scheduler.command("resume")
    def scheduler_resume(ctx: typer.Context) -> None:
        """Publish again; what fell due meanwhile goes out at the next tick."""
        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        was = pub.resume(app_ctx.workspace().id)
        app_ctx.console.print("Publishing resumed." if was else "Publishing was not paused.")

    @scheduler.command("notify")
    def scheduler_notify(
        ctx: typer.Context,
        channel: list[str] = typer.Option(
            [],
            "--channel",
            help="An alert channel (`resonanz alerts channel add`) that gets publishing "
            "events; repeat for several. Replaces the earlier choice.",
        ),
        lang: str = typer.Option("de", "--lang", help="Language of the messages: de or en."),
        event: list[str] = typer.Option(
            [],
            "--event",
            help="A publishing event to notify (needs_attention, failed, overdue, "
            "disconnected, expiring, approval_requested, approved, rejected); repeat for "
            "several. Without it: the first five.",
        ),
        off: bool = typer.Option(False, "--off", help="Stop notifying publishing events."),
    ) -> None:
        """Choose the alert channels that are told when a delivery needs attention or
        failed, is overdue, a channel is disconnected or its credentials end within 7
        days (and, when chosen with --event, of approval requests and decisions);
        without options, show the choice."""
        from resonanz.publishing.notify import channel_names, chosen, configure
        from resonanz.store.publish_notify import notify_store

        app_ctx = obj(ctx)
        ws = app_ctx.workspace().id
        if off:
            notify_store(app_ctx.store).clear(ws)
            app_ctx.console.print("Publishing events are not notified.")
            return
        if channel:
            configure(app_ctx.store, ws, channel, lang=lang, events=event or None)
        current = notify_store(app_ctx.store).get(ws)
        if current is None or not current.channel_ids:
            app_ctx.console.print("Publishing events are not notified (use --channel NAME).")
            return
        names = ", ".join(channel_names(app_ctx.store, current))
        app_ctx.console.print(
            f"Publishing events go to {names} ({current.lang}), "
            f"since {current.since:%Y-%m-%d %H:%M} UTC: {', '.join(chosen(current))}."
        )

    @scheduler.command("overdue")
    def scheduler_overdue(ctx: typer.Context) -> None:
        """Deliveries overdue by more than five minutes, with the likely reason."""
        from resonanz.publishing.sweeper import overdue

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        ws = app_ctx.workspace().id
        items = [i for i in overdue(pub, now=datetime.now(UTC)) if i.delivery.workspace_id == ws]
        if not items:
            app_ctx.console.print("Nothing is overdue.")
            return
        table = Table("delivery", "post", "channel", "late", "reason")
        for item in items:
            d = item.delivery
            table.add_row(
                str(d.id),
                str(d.post_id),
                d.channel_name,
                f"{item.late_s / 60:.0f} min",
                item.reason,
            )
        app_ctx.console.print(table)
        raise typer.Exit(2)
