"""`resonanz settings`: every setting with its effective value and help text."""

from __future__ import annotations

from dataclasses import asdict, fields

import typer
from rich.table import Table

from resonanz.cli.context import obj
from resonanz.config import ENV_PREFIX, setting_help
from resonanz.store import display_url


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""

    @app.command("settings")
    def settings(ctx: typer.Context) -> None:
        """Show the effective settings (flag > RESONANZ_* env > resonanz.toml > default)."""
        app_ctx = obj(ctx)
        values = asdict(app_ctx.settings)
        values["database_url"] = (
            display_url(values["database_url"]) if values["database_url"] else ""
        )
        for spec in fields(app_ctx.settings):
            if spec.metadata.get("secret") and values.get(spec.name):
                values[spec.name] = "(set, hidden)"
        table = Table("setting", "env variable", "value", "help")
        for name, help_text in setting_help().items():
            table.add_row(name, ENV_PREFIX + name.upper(), repr(values[name]), help_text)
        app_ctx.console.print(table)
        app_ctx.console.print(f"Database: {display_url(app_ctx.settings.resolved_database_url())}")
