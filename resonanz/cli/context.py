"""Per-invocation state of the CLI: settings, the store and plugins, opened lazily."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from resonanz.config import Settings, load_settings
from resonanz.models import Workspace
from resonanz.runtime import Runtime
from resonanz.store import Store, open_store


@dataclass
class AppContext:
    """Settings from flags/env/file; the store and runtime are opened on first use."""

    flags: dict[str, Any]
    console: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))
    _settings: Settings | None = None
    _store: Store | None = None
    _runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        """The effective settings (flag > env > resonanz.toml > default)."""
        if self._settings is None:
            self._settings = load_settings(self.flags)
            logging.basicConfig(level=self._settings.log_level.upper())
        return self._settings

    @property
    def store(self) -> Store:
        """The store, migrated to the current schema."""
        if self._store is None:
            url = self.settings.resolved_database_url()
            if url.startswith("sqlite:///") and not self.settings.database_url:
                Path(self.settings.resolved_data_dir()).mkdir(parents=True, exist_ok=True)
            self._store = open_store(url)
        return self._store

    @property
    def runtime(self) -> Runtime:
        """Plugins, sources, normalisers and enrichers."""
        if self._runtime is None:
            self._runtime = Runtime.load(self.settings)
        return self._runtime

    def workspace(self, slug: str | None = None) -> Workspace:
        """The workspace named, or the configured default one."""
        return self.store.get_workspace(slug or self.settings.workspace)

    def close(self) -> None:
        """Release the store."""
        if self._store is not None:
            self._store.close()
            self._store = None


def obj(ctx: typer.Context) -> AppContext:
    """The AppContext of a command."""
    value = ctx.find_root().obj
    assert isinstance(value, AppContext)
    return value


def workspace_option() -> Any:
    """A command's own ``--workspace/-w`` option (None: the global one or the setting)."""
    return typer.Option(
        None,
        "--workspace",
        "-w",
        help="Workspace slug (default: the global --workspace or the setting).",
    )
