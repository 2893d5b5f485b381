"""Write docs/cli.md from the CLI's own help texts: `python scripts/gen_cli_docs.py`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from resonanz.cli import app

HEADER = """# Command reference

Generated from the commands' help by `python scripts/gen_cli_docs.py`; `tests/test_docs.py`
fails when a command is missing here. Global options go before the command:
`resonanz [--database-url URL] [--data-dir DIR] [-w WORKSPACE] [--allow-private-targets] COMMAND`.
Errors print one line and exit with code 1; an import or collection that could use some
rows exits 0 and lists what it skipped and why.
"""


def _paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not hasattr(command, "commands"):
        return [prefix]
    out: list[tuple[str, ...]] = []
    for name in sorted(command.commands):
        out.extend(_paths(command.commands[name], (*prefix, name)))
    return out


def main() -> None:
    """Regenerate docs/cli.md."""
    os.environ["COLUMNS"] = "100"
    os.environ["NO_COLOR"] = "1"
    runner = CliRunner()
    out = [HEADER]
    for path in _paths(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"], prog_name="resonanz")
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        out.append(f"## `resonanz {' '.join(path)}`\n\n```text\n{text.strip()}\n```\n")
    target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    target.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
