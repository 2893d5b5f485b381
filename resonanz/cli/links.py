"""`resonanz links ...`: tracked short links with UTM parameters and their click counts
(docs/publishing.md, "Tracked links")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from resonanz.cli.context import obj


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    links = typer.Typer(help="Tracked short links (/r/CODE) with UTM parameters and clicks.")
    app.add_typer(links, name="links", no_args_is_help=True)

    @links.command("add")
    def links_add(
        ctx: typer.Context,
        url: str = typer.Argument(..., help="The target, an http or https URL."),
        campaign: str | None = typer.Option(None, "--campaign", help="utm_campaign."),
        channel: str | None = typer.Option(
            None,
            "--channel",
            "-c",
            help="A publishing channel: utm_source becomes its platform, utm_medium 'social', "
            "and clicks are attributed to it.",
        ),
        source: str | None = typer.Option(None, "--source", help="utm_source."),
        medium: str | None = typer.Option(None, "--medium", help="utm_medium."),
        content: str | None = typer.Option(None, "--content", help="utm_content."),
        term: str | None = typer.Option(None, "--term", help="utm_term."),
    ) -> None:
        """Make a short link; prints its code and URL."""
        from resonanz.publishing.links import links_base_url, short_url
        from resonanz.publishing.links_track import add_link
        from resonanz.store.links import link_store
        from resonanz.store.publishing import publishing_store

        app_ctx = obj(ctx)
        ws = app_ctx.workspace().id
        found = publishing_store(app_ctx.store).get_channel(ws, channel) if channel else None
        link = add_link(
            link_store(app_ctx.store),
            ws,
            url,
            channel=found,
            utm={
                "utm_source": source,
                "utm_medium": medium,
                "utm_campaign": campaign,
                "utm_content": content,
                "utm_term": term,
            },
        )
        app_ctx.console.print(f"Link {link.id}: code {link.code}")
        app_ctx.console.print(short_url(links_base_url(app_ctx.settings), link.code), markup=False)
        app_ctx.console.print(f"leads to {link.destination}", markup=False, soft_wrap=True)

    @links.command("list")
    def links_list(ctx: typer.Context) -> None:
        """The workspace's tracked links with their counted clicks."""
        from resonanz.publishing.links import links_base_url, short_url
        from resonanz.store.links import link_store

        app_ctx = obj(ctx)
        ws = app_ctx.workspace().id
        store = link_store(app_ctx.store)
        totals = store.totals(ws)
        base = links_base_url(app_ctx.settings)
        table = Table("id", "code", "short link", "source", "campaign", "post", "clicks", "target")
        for link in store.list_links(ws):
            table.add_row(
                str(link.id),
                link.code,
                short_url(base, link.code),
                link.source or "-",
                link.utm.get("utm_campaign", "-"),
                str(link.post_id or "-"),
                str(totals.get(link.id, 0)),
                link.target,
            )
        app_ctx.console.print(table)
        sources = store.by_source(ws)
        if sources:
            listed = ", ".join(f"{k or '(none)'} {v}" for k, v in sorted(sources.items()))
            app_ctx.console.print(f"Clicks by source: {listed}")

    @links.command("stats")
    def links_stats(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The link's code."),
        days: int = typer.Option(30, "--days", help="Show this many recent days."),
    ) -> None:
        """Clicks of one link per UTC day (bots and repeats counted apart)."""
        from resonanz.store.links import link_store

        app_ctx = obj(ctx)
        store = link_store(app_ctx.store)
        link = store.link_by_code(code, app_ctx.workspace().id)
        since = datetime.now(UTC).date() - timedelta(days=max(days, 1) - 1)
        rows = [c for c in store.clicks(link.id) if c.day >= since]
        table = Table("day", "clicks", "bots", "repeats")
        for count in rows:
            table.add_row(str(count.day), str(count.clicks), str(count.bots), str(count.repeats))
        app_ctx.console.print(f"{link.code} -> {link.destination}", markup=False, soft_wrap=True)
        app_ctx.console.print(f"source: {link.source or '-'}")
        app_ctx.console.print(table)
        total = sum(c.clicks for c in store.clicks(link.id))
        app_ctx.console.print(f"{total} clicks in all")
