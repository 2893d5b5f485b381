"""`resonanz channels ...` (accounts to publish to) and `resonanz post ...` (compose,
schedule, publish now, edit, delete, list); see docs/publishing.md."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from resonanz.cli.context import AppContext, obj
from resonanz.errors import ConfigError, NotFoundError, ValidationError


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


TOKEN_KINDS = {
    "x": "X access token",
    "linkedin": "LinkedIn access token",
    "threads": "Threads access token",
    "telegram": "Bot token",
    "facebook": "Page access token",
    "instagram": "Access token",
}


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"{option} needs CHANNEL=TEXT, not {item!r}")
        out[key.strip()] = value
    return out


def publishing(app_ctx: AppContext) -> tuple[Any, dict[str, type]]:
    """The publishing store and the channel classes of this invocation."""
    from resonanz.publishing.channels import channel_classes
    from resonanz.store.publishing import publishing_store

    return publishing_store(app_ctx.store), channel_classes()


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    channels = typer.Typer(
        help="Accounts Resonanz publishes to (Mastodon, Bluesky, X, LinkedIn, Threads, "
        "Telegram, Facebook Page, Instagram)."
    )
    post = typer.Typer(help="Write, schedule and publish posts.")
    app.add_typer(channels, name="channels", no_args_is_help=True)
    app.add_typer(post, name="post", no_args_is_help=True)
    from resonanz.cli.post_media import register_media
    from resonanz.cli.publishing_plan import register_plan

    register_media(post)
    register_plan(channels, post)

    @channels.command("add")
    def channels_add(
        ctx: typer.Context,
        kind: str = typer.Argument(
            ..., help="mastodon, bluesky, x, linkedin, threads, telegram, facebook or instagram."
        ),
        name: str = typer.Argument(..., help="A name for the channel, e.g. 'mastodon-de'."),
        instance: str | None = typer.Option(
            None, "--instance", help="Mastodon: the instance URL, e.g. https://mastodon.social."
        ),
        token: str | None = typer.Option(
            None,
            "--token",
            help="The access token (Mastodon: write:statuses; X, LinkedIn, Threads: a user "
            "token, see 'channels connect'; Facebook/Instagram: a Page token; Telegram: the "
            "bot token). Asked if left out.",
        ),
        visibility: str = typer.Option(
            "public", "--visibility", help="Mastodon: public, unlisted or private."
        ),
        pds: str = typer.Option(
            "https://bsky.social", "--pds", help="Bluesky: the account's PDS (default bsky.social)."
        ),
        handle: str | None = typer.Option(None, "--handle", help="Bluesky: the handle."),
        app_password: str | None = typer.Option(
            None, "--app-password", help="Bluesky: an app password (asked if left out)."
        ),
        author: str | None = typer.Option(
            None,
            "--author",
            help="LinkedIn: urn:li:organization:ID for a page (default: the token's member).",
        ),
        linkedin_version: str | None = typer.Option(
            None, "--linkedin-version", help="LinkedIn: the API version YYYYMM to send."
        ),
        chat: str | None = typer.Option(
            None, "--chat", help="Telegram: the channel's @username or numeric id."
        ),
        page: str | None = typer.Option(None, "--page", help="Facebook: the Page's numeric id."),
        ig_user: str | None = typer.Option(
            None, "--ig-user", help="Instagram: the professional account's numeric id."
        ),
        api: str | None = typer.Option(
            None, "--api", help="X, LinkedIn, Threads, Telegram, Meta: another API base URL."
        ),
    ) -> None:
        """Add a channel: its credentials are checked against the platform first, then
        stored encrypted."""
        from resonanz.publishing.connect import add_channel

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        if kind == "mastodon":
            config: dict[str, Any] = {"instance": instance, "visibility": visibility}
            secrets = {"token": token or typer.prompt("Access token", hide_input=True)}
        elif kind == "bluesky":
            config = {"pds": pds, "handle": handle}
            secrets = {
                "app_password": app_password or typer.prompt("App password", hide_input=True)
            }
        elif kind in TOKEN_KINDS:
            config = _drop_none(
                {
                    "api": api,
                    "author": author,
                    "version": linkedin_version,
                    "chat": chat,
                    "page": page,
                    "ig_user": ig_user,
                }
            )
            key = "bot_token" if kind == "telegram" else "access_token"
            secrets = {key: token or typer.prompt(TOKEN_KINDS[kind], hide_input=True)}
        else:
            config, secrets = {}, {}
        added = add_channel(
            pub, app_ctx.settings, classes, app_ctx.workspace().id, kind, name, config, secrets
        )
        app_ctx.console.print(
            f"Channel '{added.name}' ({added.kind}) added, posting as "
            f"{added.config.get('account') or added.config.get('handle')}."
        )

    @channels.command("list")
    def channels_list(ctx: typer.Context) -> None:
        """Channels with their account, status and last error."""
        from resonanz.publishing.oauth_tokens import describe_end

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        now = datetime.now(UTC)
        table = Table(
            "name", "kind", "account", "status", "credentials end", "last success", "last error"
        )
        for ch in pub.list_channels(app_ctx.workspace().id):
            cls = classes.get(ch.kind)
            ends = describe_end(cls, ch.config, now) if cls is not None else "?"
            error = f"{_when(ch.last_error_at)}: {ch.last_error}" if ch.last_error else "-"
            account = ch.config.get("account") or f"@{ch.config.get('handle', '?')}"
            table.add_row(
                ch.name, ch.kind, str(account), ch.status, ends, _when(ch.last_success_at), error
            )
        app_ctx.console.print(table)

    @channels.command("connect")
    def channels_connect(
        ctx: typer.Context,
        kind: str = typer.Argument(
            ..., help="mastodon, x, linkedin, threads, facebook or instagram."
        ),
        name: str = typer.Argument(
            ..., help="The channel's name (an existing one is reconnected)."
        ),
        client_id: str | None = typer.Option(
            None, "--client-id", help="Your app's client id (not for Mastodon: registered)."
        ),
        client_secret: str | None = typer.Option(
            None,
            "--client-secret",
            help="Your app's client secret (LinkedIn, Threads, Facebook and Instagram need "
            "one; X public clients do not). Kept encrypted for refreshing (not for Meta).",
        ),
        redirect_uri: str | None = typer.Option(
            None,
            "--redirect-uri",
            help="The redirect URL registered with the app (Mastodon: default "
            "urn:ietf:wg:oauth:2.0:oob, the instance shows the code).",
        ),
        instance: str | None = typer.Option(
            None, "--instance", help="Mastodon: the instance URL, e.g. https://mastodon.social."
        ),
        visibility: str | None = typer.Option(
            None, "--visibility", help="Mastodon: public (default), unlisted or private."
        ),
        author: str | None = typer.Option(
            None, "--author", help="LinkedIn: urn:li:organization:ID to post as a page."
        ),
        api: str | None = typer.Option(None, "--api", help="Another API base URL."),
        oauth_base: str | None = typer.Option(
            None, "--oauth-base", help="LinkedIn: another base URL of the token endpoint."
        ),
        page: str | None = typer.Option(
            None,
            "--page",
            help="Facebook/Instagram: the Page (id or name; for Instagram also the "
            "account's @username) when the user granted several.",
        ),
    ) -> None:
        """Connect an account with OAuth: prints the URL to open, then asks for the URL
        the browser was sent back to (or the code in it)."""
        from resonanz.publishing.oauth import OAuthApp, code_from
        from resonanz.publishing.oauth_connect import begin, finish

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        if kind == "mastodon":
            from resonanz.cli.mastodon_connect import connect_mastodon

            connect_mastodon(
                app_ctx,
                pub,
                classes,
                name,
                instance=instance,
                redirect_uri=redirect_uri,
                visibility=visibility,
            )
            return
        if not client_id or not redirect_uri:
            raise ConfigError("--client-id and --redirect-uri are needed (the app's)")
        config = _drop_none({"api": api, "author": author, "oauth": oauth_base})
        oauth_app = OAuthApp(client_id, client_secret, redirect_uri)
        if kind in ("facebook", "instagram"):
            from resonanz.cli.meta_connect import connect_meta

            connect_meta(app_ctx, pub, classes, kind, name, oauth_app, api=api, page=page)
            return
        started = begin(classes, kind, config, oauth_app)
        app_ctx.console.print("Open this URL, allow access, then paste where you were sent back:")
        app_ctx.console.print(started.url, soft_wrap=True, markup=False)
        answer = typer.prompt("Redirect URL or code")
        channel = finish(
            pub,
            app_ctx.settings,
            classes,
            app_ctx.workspace().id,
            kind,
            name,
            config,
            oauth_app,
            code_from(answer, started.state),
            started,
        )
        app_ctx.console.print(
            f"Channel '{channel.name}' ({channel.kind}) connected as "
            f"{channel.config.get('account')}."
        )

    @channels.command("test")
    def channels_test(ctx: typer.Context, name: str) -> None:
        """Check the stored credentials again (and refresh the instance's limits)."""
        from resonanz.publishing.connect import check_channel

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        channel = pub.get_channel(app_ctx.workspace().id, name)
        checked = check_channel(pub, app_ctx.settings, classes, channel)
        app_ctx.console.print(f"Channel '{checked.name}' works ({checked.status}).")

    @channels.command("reconnect")
    def channels_reconnect(
        ctx: typer.Context,
        name: str,
        token: str | None = typer.Option(None, "--token", help="Mastodon: a new access token."),
        app_password: str | None = typer.Option(
            None, "--app-password", help="Bluesky: a new app password."
        ),
    ) -> None:
        """Replace a channel's credentials (checked first) and connect it again."""
        from resonanz.publishing.connect import reconnect_channel

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        channel = pub.get_channel(app_ctx.workspace().id, name)
        if channel.kind == "mastodon":
            secrets = {"token": token or typer.prompt("Access token", hide_input=True)}
        elif channel.kind in TOKEN_KINDS:
            key = "bot_token" if channel.kind == "telegram" else "access_token"
            secrets = {key: token or typer.prompt(TOKEN_KINDS[channel.kind], hide_input=True)}
        else:
            secrets = {
                "app_password": app_password or typer.prompt("App password", hide_input=True)
            }
        reconnect_channel(pub, app_ctx.settings, classes, channel, secrets)
        app_ctx.console.print(f"Channel '{name}' reconnected.")

    @channels.command("remove")
    def channels_remove(ctx: typer.Context, name: str) -> None:
        """Remove a channel; its unsent deliveries are canceled (and kept, with why)."""
        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        canceled = pub.remove_channel(app_ctx.workspace().id, name, at=datetime.now(UTC))
        app_ctx.console.print(f"Channel '{name}' removed; {canceled} unsent deliveries canceled.")

    @post.command("new")
    def post_new(
        ctx: typer.Context,
        text: str = typer.Argument(..., help="The post's text."),
        channel: list[str] = typer.Option(..., "--channel", "-c", help="Channel name (repeat)."),
        variant: list[str] = typer.Option(
            [], "--variant", help="Another text for one channel: CHANNEL=TEXT (repeat)."
        ),
        at: str | None = typer.Option(
            None, "--at", help='Schedule for this wall time, e.g. "2026-12-24 09:00".'
        ),
        tz: str = typer.Option("UTC", "--tz", help="IANA time zone of --at, e.g. Europe/Berlin."),
        author: str | None = typer.Option(
            None, "--author", help="E-mail of the user writing it (shown as its author)."
        ),
        track: bool = typer.Option(
            False,
            "--track",
            help="Replace the links of the text by tracked short links, one per channel "
            "(utm_source = the platform), so clicks are counted per channel.",
        ),
        campaign: str | None = typer.Option(
            None, "--campaign", help="With --track: utm_campaign of the short links."
        ),
        image: list[Path] = typer.Option(
            [], "--image", help="An image file (JPEG, PNG, GIF, WebP; repeat, at most 4)."
        ),
        alt: list[str] = typer.Option(
            [], "--alt", help="The alt text of the --image before it (repeat, in order)."
        ),
        thread: list[str] = typer.Option(
            [],
            "--thread",
            help="A further part, published as a reply to the one before (Mastodon, "
            "Bluesky, X; repeat).",
        ),
        poll: list[str] = typer.Option([], "--poll", help="A poll option (repeat, 2 or more)."),
        poll_minutes: int | None = typer.Option(
            None, "--poll-minutes", help="How long the poll stays open (default 1440)."
        ),
        poll_multiple: bool = typer.Option(
            False, "--poll-multiple", help="Voters may choose several options."
        ),
        repeat: str | None = typer.Option(
            None,
            "--repeat",
            help="Repeat the post daily, weekly or monthly from --at (a recurring post: "
            "see 'post series').",
        ),
        on: str | None = typer.Option(
            None, "--on", help="With --repeat weekly: the weekdays, e.g. mon,thu."
        ),
        day: int | None = typer.Option(
            None,
            "--day",
            help="With --repeat monthly: the day of the month (the last day in shorter months).",
        ),
        until: str | None = typer.Option(
            None, "--until", help="With --repeat: the last day (YYYY-MM-DD, inclusive)."
        ),
        count: int | None = typer.Option(
            None, "--count", help="With --repeat: how many times in all."
        ),
        queue: bool = typer.Option(
            False,
            "--queue",
            help="Schedule into the next free queue slot common to the channels "
            "(see 'channels slots').",
        ),
    ) -> None:
        """Write a post: a draft, or scheduled with --at. A post that does not fit a
        channel (or a time in the past) is kept as a draft and the error says why; a
        file that is not a whole image stores nothing."""
        from resonanz.cli.post_media import new_images, new_poll
        from resonanz.publishing.compose import new_post

        images = new_images(image, alt)
        asked_poll = new_poll(poll, poll_minutes, poll_multiple)
        from resonanz.cli.publishing_plan import check_plan_options, new_repeating, queue_new

        check_plan_options(at, repeat, on, day, until, count, queue)
        if repeat is not None:
            if image or thread or poll or track:
                raise ValidationError(
                    "a recurring post takes no --image, --thread, --poll or --track yet"
                )
            new_repeating(
                obj(ctx),
                text,
                channel,
                _pairs(variant, "--variant"),
                author,
                at=at or "",
                tz=tz,
                repeat=repeat,
                on=on,
                day=day,
                until=until,
                count=count,
            )
            return

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        ws = app_ctx.workspace().id
        author_id = _user_id(app_ctx, author) if author else None
        variants = _pairs(variant, "--variant")
        tracked = None
        if track:
            from resonanz.publishing.links import links_base_url
            from resonanz.publishing.links_track import track_texts
            from resonanz.store.links import link_store

            if not text.strip():
                raise ValidationError("the post's text is empty")
            targets = [pub.get_channel(ws, name) for name in dict.fromkeys(channel)]
            tracked = track_texts(
                link_store(app_ctx.store),
                ws,
                text,
                targets,
                base_url=links_base_url(app_ctx.settings),
                variants=variants,
                campaign=campaign,
                created_by=author_id,
            )
            variants = {**variants, **tracked.variants}
        elif campaign is not None:
            raise ValidationError("--campaign is for tracked links: add --track")
        try:
            composed = new_post(
                pub,
                classes,
                ws,
                text,
                channel,
                variants=variants,
                author_id=author_id,
                at=at,
                timezone=tz,
                images=images,
                thread=thread,
                poll=asked_poll,
            )
        finally:
            if tracked is not None and tracked.links:
                _attach(app_ctx, ws, tracked.links)
        if queue:
            queue_new(app_ctx, composed.post.id)
        else:
            _said(app_ctx, composed)
        if tracked is not None:
            app_ctx.console.print(f"{len(tracked.links)} tracked links made.")

    @post.command("submit")
    def post_submit(
        ctx: typer.Context,
        post_id: int = typer.Argument(..., help="The post's id."),
        by: str | None = typer.Option(
            None, "--by", help="E-mail of the editor submitting it (default: the operator)."
        ),
    ) -> None:
        """Ask for approval: the post waits as pending_approval."""
        from resonanz.publishing.approval import submit

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        user_id = _user_id(app_ctx, by) if by else None
        submit(app_ctx.store, pub, app_ctx.workspace().id, post_id, user_id)
        app_ctx.console.print(f"Post {post_id} is waiting for approval.")

    @post.command("approve")
    def post_approve(
        ctx: typer.Context,
        post_id: int = typer.Argument(..., help="The post's id."),
        by: str = typer.Option(
            ..., "--by", help="E-mail of the approver (approver flag, admin or owner)."
        ),
        comment: str | None = typer.Option(None, "--comment", help="A note for the author."),
    ) -> None:
        """Approve a post waiting for approval (one step of the workspace's rule)."""
        from resonanz.publishing.approval import approve

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        ws = app_ctx.workspace().id
        done = approve(app_ctx.store, pub, ws, post_id, _user_id(app_ctx, by), comment)
        if done.approval == "approved":
            app_ctx.console.print(f"Post {post_id} approved.")
        else:
            steps = pub.approval_rule(ws).steps
            app_ctx.console.print(
                f"Approval recorded; post {post_id} needs {steps} different approvers."
            )

    @post.command("reject")
    def post_reject(
        ctx: typer.Context,
        post_id: int = typer.Argument(..., help="The post's id."),
        by: str = typer.Option(..., "--by", help="E-mail of the approver."),
        comment: str = typer.Option(..., "--comment", help="What to change (kept on the post)."),
    ) -> None:
        """Send a post back to draft with a comment."""
        from resonanz.publishing.approval import reject

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        reject(app_ctx.store, pub, app_ctx.workspace().id, post_id, _user_id(app_ctx, by), comment)
        app_ctx.console.print(f"Post {post_id} sent back to draft.")

    @post.command("approvals")
    def post_approvals(
        ctx: typer.Context,
        require: bool | None = typer.Option(
            None, "--require/--no-require", help="Require approval before publishing (or not)."
        ),
        steps: int | None = typer.Option(
            None, "--steps", help="How many different approvers a post needs (1-5)."
        ),
    ) -> None:
        """Show (or change) whether posts need approval, and the posts waiting for it."""
        from resonanz.publishing.approval import set_rule

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        ws = app_ctx.workspace().id
        rule = pub.approval_rule(ws)
        if require is not None or steps is not None:
            rule = set_rule(
                app_ctx.store,
                pub,
                ws,
                required=rule.required if require is None else require,
                steps=rule.steps if steps is None else steps,
                user_id=None,
            )
        needed = f"required, {rule.steps} step(s)" if rule.required else "not required"
        app_ctx.console.print(f"Approval: {needed}.")
        table = Table("id", "status", "approval", "text")
        for item in pub.list_posts(ws):
            if item.approval in ("pending_approval", "rejected"):
                short = item.text if len(item.text) <= 60 else item.text[:57] + "..."
                table.add_row(str(item.id), item.status, item.approval, short)
        app_ctx.console.print(table)

    @post.command("schedule")
    def post_schedule(
        ctx: typer.Context,
        post_id: int = typer.Argument(..., help="The post's id."),
        at: str = typer.Option(..., "--at", help='Wall time, e.g. "2026-12-24 09:00".'),
        tz: str = typer.Option("UTC", "--tz", help="IANA time zone of --at."),
    ) -> None:
        """Schedule or reschedule a post."""
        from resonanz.publishing.compose import schedule

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        _said(app_ctx, schedule(pub, classes, app_ctx.workspace().id, post_id, at, timezone=tz))

    @post.command("publish-now")
    def post_publish_now(ctx: typer.Context, post_id: int) -> None:
        """Publish at the scheduler's next tick (also: retry failed or needs-attention
        deliveries after fixing their cause)."""
        from resonanz.publishing.compose import publish_now

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        composed = publish_now(pub, classes, app_ctx.workspace().id, post_id)
        app_ctx.console.print(
            f"Post {post_id} is due now; the scheduler sends it at its next tick."
        )
        _approval_note(app_ctx, composed.post)

    @post.command("edit")
    def post_edit(
        ctx: typer.Context,
        post_id: int,
        text: str,
        variant: list[str] = typer.Option([], "--variant", help="CHANNEL=TEXT (repeat)."),
        thread: list[str] = typer.Option(
            [], "--thread", help="The further parts, replacing the post's (repeat)."
        ),
        no_thread: bool = typer.Option(False, "--no-thread", help="Remove the further parts."),
        poll: list[str] = typer.Option(
            [], "--poll", help="The poll's options, replacing the post's (repeat)."
        ),
        poll_minutes: int | None = typer.Option(None, "--poll-minutes", help="With --poll."),
        poll_multiple: bool = typer.Option(False, "--poll-multiple", help="With --poll."),
        no_poll: bool = typer.Option(False, "--no-poll", help="Remove the poll."),
    ) -> None:
        """Change a post's text (and its thread parts or poll); unsent deliveries go out
        with the new text. Without --thread/--no-thread and --poll/--no-poll they stay."""
        from resonanz.cli.post_media import edited_extras
        from resonanz.publishing.compose import edit_post

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        ws = app_ctx.workspace().id
        variants = _pairs(variant, "--variant") if variant else None
        extras = edited_extras(
            pub.get_post(ws, post_id),
            thread,
            no_thread,
            (poll, poll_minutes, poll_multiple),
            no_poll,
        )
        edit_post(pub, classes, ws, post_id, text, variants=variants, extras=extras)
        app_ctx.console.print(f"Post {post_id} changed.")

    @post.command("delete")
    def post_delete(ctx: typer.Context, post_id: int) -> None:
        """Delete a post; unsent deliveries are canceled (published ones stay online)."""
        from resonanz.publishing.compose import delete_post

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        canceled = delete_post(pub, app_ctx.workspace().id, post_id)
        app_ctx.console.print(f"Post {post_id} deleted; {canceled} unsent deliveries canceled.")

    @post.command("list")
    def post_list(
        ctx: typer.Context,
        deleted: bool = typer.Option(False, "--deleted", help="Include deleted posts."),
    ) -> None:
        """Posts with their schedule, images, thread and poll, and each channel's
        delivery state."""
        from resonanz.cli.post_media import extras_line

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        ws = app_ctx.workspace().id
        table = Table("id", "status", "approval", "scheduled", "text", "deliveries")
        for item in pub.list_posts(ws, include_deleted=deleted):
            planned = (
                f"{item.local_time} {item.timezone}"
                if item.local_time
                else _when(item.scheduled_at)
            )
            states = []
            for d in pub.deliveries(ws, post_id=item.id):
                line = f"{d.channel_name}: {d.state}"
                if d.remote_url and d.state == "sent":
                    line += f" {d.remote_url}"
                elif d.last_error and d.state != "sent":
                    line += f" ({d.last_error})"
                states.append(line)
            short = item.text if len(item.text) <= 60 else item.text[:57] + "..."
            extras = extras_line(item)
            if extras:
                short += f"\n{extras}"
            approval = item.approval.replace("_", " ") if item.approval != "none" else "-"
            table.add_row(str(item.id), item.status, approval, planned, short, "\n".join(states))
        app_ctx.console.print(table)


def _user_id(app_ctx: AppContext, email: str) -> int:
    user = app_ctx.store.accounts.find_user(email)
    if user is None:
        raise NotFoundError(f"no user with e-mail {email!r}")
    return user.id


def _attach(app_ctx: AppContext, workspace_id: int, links: list[Any]) -> None:
    """Record the new post's id on the links made for it (a post kept as a draft too)."""
    from resonanz.store.links import link_store

    pub, _ = publishing(app_ctx)
    marker = f"/r/{links[0].code}"
    for item in sorted(pub.list_posts(workspace_id), key=lambda p: -p.id):
        if any(marker in text for text in item.variants.values()):
            link_store(app_ctx.store).attach_post(
                workspace_id, [link.id for link in links], item.id
            )
            return


def _said(app_ctx: AppContext, composed: Any) -> None:
    post = composed.post
    if composed.planned is None:
        app_ctx.console.print(f"Draft {post.id} saved.")
        return
    planned = composed.planned
    app_ctx.console.print(
        f"Post {post.id} scheduled for {planned.local_time} {planned.timezone} "
        f"({_when(planned.utc)})."
    )
    if planned.note:
        app_ctx.console.print(f"Note: {planned.note}.")
    _approval_note(app_ctx, post)


def _approval_note(app_ctx: AppContext, post: Any) -> None:
    """Say so when the scheduler will hold the post until it is approved."""
    pub, _ = publishing(app_ctx)
    if pub.awaits_approval(post.workspace_id, post.id):
        step = (
            "it waits for approval"
            if post.approval == "pending_approval"
            else f"submit it with 'resonanz post submit {post.id}'"
        )
        app_ctx.console.print(
            f"Note: this workspace requires approval; post {post.id} is published only "
            f"once approved ({step})."
        )
