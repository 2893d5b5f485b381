"""Write docs/cli.md from the CLI's own help texts: `python scripts/gen_cli_docs.py`."""

from __future__ import annotations

from pathlib import Path

from typing import Any

import typer.main
from typer._click import Context

from resonanz.cli import app

HEADER = """# Command reference

Generated from the commands' help by `python scripts/gen_cli_docs.py`; `tests/test_docs.py`
fails when a command is missing here. Global options go before the command:
`resonanz [--database-url URL] [--data-dir DIR] [-w WORKSPACE] [--allow-private-targets] COMMAND`.
Errors print one line and exit with code 1; an import or collection that could use some
rows exits 0 and lists what it skipped and why.
"""


def _walk(command: Any, path: str, ctx: Any, out: list[str]) -> None:
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            sub = command.commands[name]
            _walk(sub, f"{path} {name}", Context(sub, info_name=name, parent=ctx), out)
        return
    out.append(f"## `{path}`\n")
    out.append("```text")
    out.append(command.get_help(ctx).replace("Usage: root", "Usage: resonanz").rstrip())
    out.append("```\n")


def main() -> None:
    """Regenerate docs/cli.md."""
    group = typer.main.get_command(app)
    ctx = Context(group, info_name="resonanz", terminal_width=100, max_content_width=100)
    out = [HEADER]
    _walk(group, "resonanz", ctx, out)
    target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    target.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
