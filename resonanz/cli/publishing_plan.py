"""Planning posts from the CLI: recurring posts (`post new --repeat`, `post series`),
queue slots (`channels slots`, `post new --queue`, `post queue`), best times to post
(`post best-time`) and hashtag suggestions (`post hashtags`); see docs/publishing.md."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import typer
from rich.table import Table

from resonanz.cli.context import AppContext, obj
from resonanz.errors import ValidationError


def _pub(app_ctx: AppContext):  # type: ignore[no-untyped-def]
    from resonanz.cli.publishing import publishing

    return publishing(app_ctx)


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def check_plan_options(
    at: str | None,
    repeat: str | None,
    on: str | None,
    day: int | None,
    until: str | None,
    count: int | None,
    queue: bool,
) -> None:
    """`post new`: the repeat options only with --repeat, which needs --at; --queue
    neither with --at nor with --repeat."""
    if repeat is None and any(v is not None for v in (on, day, until, count)):
        raise ValidationError("--on, --day, --until and --count go with --repeat")
    if repeat is not None and at is None:
        raise ValidationError("--repeat needs --at: the first time, e.g. --at '2027-01-04 09:00'")
    if queue and (at is not None or repeat is not None):
        raise ValidationError("--queue picks the time itself: leave out --at and --repeat")


def new_repeating(
    app_ctx: AppContext,
    text: str,
    channels: Sequence[str],
    variants: Mapping[str, str],
    author: str | None,
    *,
    at: str,
    tz: str,
    repeat: str,
    on: str | None,
    day: int | None,
    until: str | None,
    count: int | None,
) -> None:
    from resonanz.cli.publishing import _user_id
    from resonanz.publishing.series import new_series

    pub, classes = _pub(app_ctx)
    ws = app_ctx.workspace().id
    created = new_series(
        pub,
        classes,
        ws,
        text,
        channels,
        at=at,
        timezone=tz,
        repeat=repeat,
        on=on,
        day=day,
        until=until,
        count=count,
        variants=variants,
        author_id=_user_id(app_ctx, author) if author else None,
    )
    series = created.series
    app_ctx.console.print(
        f"Recurring post {series.id}: {series.rule.describe()} ({series.timezone}); "
        f"{len(created.made.post_ids)} occurrence(s) scheduled so far, the first "
        f"{created.first.local_time} ({_utc(created.first.utc)})."
    )
    if created.first.note:
        app_ctx.console.print(f"Note: {created.first.note}.")
    app_ctx.console.print(
        "Further occurrences are made by the scheduler 14 days ahead ('resonanz scheduler run')."
    )


def queue_new(app_ctx: AppContext, post_id: int) -> None:
    from resonanz.publishing.queue import queue_post

    pub, classes = _pub(app_ctx)
    post, slot = queue_post(pub, classes, app_ctx.workspace().id, post_id)
    app_ctx.console.print(
        f"Post {post.id} queued for {slot.local} {slot.timezone} ({_utc(slot.utc)})."
    )


def register_plan(channels: typer.Typer, post: typer.Typer) -> None:
    """Add the commands of this module to `channels` and `post`."""
    series = typer.Typer(help="Recurring posts (made with 'post new --repeat').")
    post.add_typer(series, name="series", no_args_is_help=True)

    @channels.command("slots")
    def channels_slots(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="The channel."),
        action: str = typer.Argument("list", help="list, add or remove."),
        slots: list[str] = typer.Argument(None, help='Slots as "DAY HH:MM", e.g. "mon 09:00".'),
        tz: str = typer.Option("UTC", "--tz", help="add: the IANA zone of the slots."),
    ) -> None:
        """The channel's weekly queue slots: list, add "mon 09:00" ... [--tz ZONE],
        remove "mon 09:00" ..."""
        from resonanz.publishing.queue import add_slots, remove_slots, slot_label
        from resonanz.store.queue_slots import slots_of

        app_ctx = obj(ctx)
        pub, _ = _pub(app_ctx)
        ws = app_ctx.workspace().id
        if action == "add":
            found = add_slots(pub, ws, name, slots or [], timezone=tz)
        elif action == "remove":
            if not slots:
                raise ValidationError('name the slots to remove, e.g. "mon 09:00"')
            found = remove_slots(pub, ws, name, slots)
        elif action == "list":
            found = slots_of(pub).slots(ws, [pub.get_channel(ws, name).id])
        else:
            raise ValidationError(f"unknown action {action!r}: use list, add or remove")
        if not found:
            app_ctx.console.print(f"Channel '{name}' has no queue slots.")
            return
        table = Table("slot", "zone")
        for slot in found:
            table.add_row(slot_label(slot), slot.timezone)
        app_ctx.console.print(table)

    @post.command("queue")
    def post_queue(
        ctx: typer.Context, post_id: int = typer.Argument(..., help="The post.")
    ) -> None:
        """Schedule a post into the next queue slot free on all its channels."""
        queue_new(obj(ctx), post_id)

    @series.command("list")
    def series_list(ctx: typer.Context) -> None:
        """Recurring posts: rule, status, next occurrence."""
        from resonanz.store.post_series import series_of

        app_ctx = obj(ctx)
        pub, _ = _pub(app_ctx)
        table = Table("id", "status", "repeats", "zone", "next", "made", "text", "note")
        for item in series_of(pub).all(app_ctx.workspace().id):
            short = item.text if len(item.text) <= 50 else item.text[:47] + "..."
            table.add_row(
                str(item.id),
                item.status,
                item.rule.describe(),
                item.timezone,
                item.next_local or "-",
                str(item.made),
                short,
                item.note or "",
            )
        app_ctx.console.print(table)

    @series.command("stop")
    def series_stop(ctx: typer.Context, series_id: int) -> None:
        """Stop a recurring post: no more occurrences; those made and not yet sent are
        deleted, published ones stay."""
        from resonanz.publishing.series import stop_series

        app_ctx = obj(ctx)
        pub, _ = _pub(app_ctx)
        _, deleted = stop_series(pub, app_ctx.workspace().id, series_id)
        app_ctx.console.print(
            f"Recurring post {series_id} stopped; {len(deleted)} upcoming occurrence(s) deleted."
        )

    @series.command("edit")
    def series_edit(
        ctx: typer.Context,
        series_id: int,
        text: str = typer.Argument(..., help="The new text."),
    ) -> None:
        """New text for the occurrences still ahead (published ones keep theirs)."""
        from resonanz.publishing.series import edit_series

        app_ctx = obj(ctx)
        pub, classes = _pub(app_ctx)
        _, edited = edit_series(pub, classes, app_ctx.workspace().id, series_id, text)
        app_ctx.console.print(
            f"Recurring post {series_id} changed; {len(edited)} upcoming occurrence(s) edited."
        )

    @post.command("best-time")
    def post_best_time(
        ctx: typer.Context,
        channel: list[str] = typer.Option(
            [], "--channel", "-c", help="Only this channel's account (repeat; default all)."
        ),
        tz: str | None = typer.Option(
            None, "--tz", help="The zone (default: the queue slots' zone, else UTC)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Hours of the week to post, from the engagement of the workspace's own posts
        (or, with too few, when its topics are talked about)."""
        from resonanz.analytics.best_time import best_time, best_time_record
        from resonanz.publishing.queue import slots_zone

        app_ctx = obj(ctx)
        pub, _ = _pub(app_ctx)
        ws = app_ctx.workspace().id
        chosen = (
            [pub.get_channel(ws, name) for name in channel] if channel else pub.list_channels(ws)
        )
        found = best_time(
            app_ctx.store,
            ws,
            chosen,
            now=datetime.now(UTC),
            timezone=tz or slots_zone(pub, ws),
        )
        if as_json:
            typer.echo(json.dumps(best_time_record(found), ensure_ascii=False))
            return
        for note in found.notes:
            app_ctx.console.print(note)
        if found.enough:
            table = Table("slot", "posts", "typical engagement", "90 % interval", "P(> mean)")
            for h in found.hours:
                table.add_row(
                    h.label,
                    str(h.posts),
                    f"{h.engagement:g}",
                    f"{h.low:g}-{h.high:g}",
                    f"{h.p_better:.0%}",
                )
            app_ctx.console.print(f"Own posts' typical engagement: {found.overall:g}")
        else:
            table = Table("slot", "topic mentions", "per week")
            for a in found.audience:
                table.add_row(a.label, str(a.mentions), f"{a.per_week:g}")
        app_ctx.console.print(table)
        app_ctx.console.print(f"Times in {found.timezone}.")

    @post.command("hashtags")
    def post_hashtags(
        ctx: typer.Context,
        text: str = typer.Argument(..., help="The draft text."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Hashtags for a draft: those used with its words in the workspace's recent
        mentions, and those trending in its topics."""
        from resonanz.analytics.hashtag_suggestions import suggest_hashtags, suggestions_record

        app_ctx = obj(ctx)
        if not text.strip():
            raise ValidationError("the draft's text is empty")
        found = suggest_hashtags(app_ctx.store, app_ctx.workspace().id, text, now=datetime.now(UTC))
        if as_json:
            typer.echo(json.dumps(suggestions_record(found), ensure_ascii=False))
            return
        app_ctx.console.print(
            f"{found.context} of {found.mentions} recent mentions share words with the draft."
        )
        table = Table("hashtag", "kind", "count", "why")
        for s in (*found.cooccurring, *found.trending):
            table.add_row(s.tag, s.kind, str(s.count), s.why)
        if not found.cooccurring and not found.trending:
            app_ctx.console.print("No hashtag suggestions: too little matching listening data.")
            return
        app_ctx.console.print(table)
