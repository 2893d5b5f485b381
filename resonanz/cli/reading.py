"""`resonanz search` and `resonanz stats`: read what was collected."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from resonanz.analysis.emotion_labels import EMOTIONS, parse_emotion, top_emotion
from resonanz.analytics.terms import top_terms
from resonanz.cli.context import obj
from resonanz.cli.render import mention_line, print_lint
from resonanz.errors import ConfigError, QueryError
from resonanz.query import lint
from resonanz.search import parse_query, search_mentions
from resonanz.store import MentionFilter


def parse_when(value: str | None, option: str) -> datetime | None:
    """Parse YYYY-MM-DD or an ISO timestamp (UTC when no zone is given)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option}: {value!r} is not a date (use YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""

    @app.command("search")
    def search(
        ctx: typer.Context,
        query: str = typer.Argument(..., help="A query in the topic query language."),
        topic: str | None = typer.Option(None, "--topic", help="Only mentions of this topic."),
        platform: str | None = typer.Option(None, "--platform"),
        lang: str | None = typer.Option(None, "--lang"),
        emotion: str | None = typer.Option(
            None,
            "--emotion",
            help=f"Only mentions whose top emotion is this: {', '.join(EMOTIONS)}.",
        ),
        since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD"),
        until: str | None = typer.Option(None, "--until", help="YYYY-MM-DD"),
        limit: int = typer.Option(20, "--limit", help="Mentions to show."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    ) -> None:
        """Full-text search of stored mentions, newest first, with the total count."""
        app_ctx = obj(ctx)
        result = lint(query)
        if not result.ok:
            print_lint(app_ctx.err, query, result)
            first = result.errors[0]
            raise QueryError(first.message, first.position, query)
        node = parse_query(query)
        ws = app_ctx.workspace()
        topic_id = app_ctx.store.get_topic(ws.id, topic).id if topic else None
        flt = MentionFilter(
            topic_id=topic_id,
            platform=platform,
            lang=lang,
            since=parse_when(since, "--since"),
            until=parse_when(until, "--until"),
            emotion=parse_emotion(emotion or "", "--emotion"),
        )
        total = 0
        for hit in search_mentions(app_ctx.store, ws.id, node, flt):
            mention, terms = hit.mention, hit.terms
            total += 1
            if total > limit:
                continue
            if as_json:
                record = {
                    "id": mention.id,
                    "platform": mention.platform,
                    "native_id": mention.native_id,
                    "url": mention.url,
                    "author": mention.author.handle if mention.author else None,
                    "created_at": mention.created_at.isoformat() if mention.created_at else None,
                    "lang": mention.lang,
                    "text": mention.text,
                    "matched_terms": list(terms),
                    "emotion": top_emotion(mention.enrichments),
                }
                typer.echo(json.dumps(record, ensure_ascii=False))
            else:
                app_ctx.console.print(mention_line(mention, terms))
        if not as_json:
            app_ctx.console.print(f"{total} mentions match.")

    @app.command("stats")
    def stats(
        ctx: typer.Context,
        since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD"),
        until: str | None = typer.Option(None, "--until", help="YYYY-MM-DD"),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Counts of stored mentions by topic, platform, language and day; top terms; the
        aspect categories of all mentions of the period by polarity."""
        from resonanz.analytics.aspects import aspect_totals

        app_ctx = obj(ctx)
        ws = app_ctx.workspace()
        store = app_ctx.store
        flt = MentionFilter(since=parse_when(since, "--since"), until=parse_when(until, "--until"))
        data = {
            "workspace": ws.slug,
            "mentions": store.count_mentions(ws.id, flt),
            "by_topic": store.count_by(ws.id, "topic", flt),
            "by_platform": store.count_by(ws.id, "platform", flt),
            "by_lang": store.count_by(ws.id, "lang", flt),
            "by_day": store.count_by(ws.id, "day", flt, limit=14),
            "top_terms": top_terms(store, ws.id, flt, limit=15),
        }
        aspects = aspect_totals(store, ws.id, flt)
        data["by_aspect"] = [{"category": c, **counts} for c, counts in aspects.rows]
        data["aspects_read"] = aspects.read
        data["with_aspects"] = aspects.with_aspects
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False))
            return
        print_stats(app_ctx.console, data)


def print_stats(console: Console, data: dict[str, Any]) -> None:
    """Render the stats dict as tables."""
    console.print(f"[bold]{data['workspace']}[/bold]: {data['mentions']} mentions")
    for key, title in (
        ("by_topic", "topic"),
        ("by_platform", "platform"),
        ("by_lang", "language"),
        ("by_day", "day"),
        ("top_terms", "term"),
    ):
        rows = data[key]
        if not rows:
            continue
        table = Table(title, "mentions", title=title.capitalize())
        for label, count in rows:
            table.add_row(str(label), str(count))
        console.print(table)
    if data.get("by_aspect"):
        title = f"Aspects ({data['with_aspects']} of {data['aspects_read']} mentions name one)"
        table = Table("aspect", "negative", "neutral", "positive", title=title)
        for row in data["by_aspect"]:
            table.add_row(
                row["category"], *(str(row[p]) for p in ("negative", "neutral", "positive"))
            )
        console.print(table)
