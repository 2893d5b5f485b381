"""Docs stay honest: every setting, every CLI command and every hook is documented."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import typer.main

from resonanz import hookspecs
from resonanz.cli import app
from resonanz.config import setting_help

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _command_paths(group: Any, prefix: str = "resonanz") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            paths.extend(_command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    for name in setting_help():
        assert f"`{name}`" in text, f"setting {name} missing from docs/settings.md"
        assert f"RESONANZ_{name.upper()}" in text


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    group = typer.main.get_command(app)
    paths = _command_paths(group)
    assert "resonanz topic add" in paths
    for path in paths:
        assert f"`{path}`" in text, f"{path} missing from docs/cli.md"


def test_every_hook_is_documented() -> None:
    text = (DOCS / "architecture.md").read_text()
    hooks = [
        n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("register_")
    ]
    assert hooks
    for name in hooks:
        assert name in text, f"hook {name} missing from docs/architecture.md"
