"""Helpers for API connector tests: payload files, a real SQLite store, one source run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from resonanz.collect import RunReport, run_source
from resonanz.config import Settings
from resonanz.models import Mention, SourceConfig
from resonanz.runtime import Runtime
from resonanz.store import SqlStore, open_store

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"

# Loopback peers allowed; one quick retry without waiting, so failure tests stay fast.
SETTINGS = replace(
    Settings(),
    allow_private_targets=True,
    http_timeout=3.0,
    http_retries=1,
    http_backoff_max=0.0,
    language_detection=False,
)


def payload(platform: str, name: str) -> Any:
    """A response body from tests/payloads/<platform>/<name>.json."""
    return json.loads((PAYLOADS / platform / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Collector:
    """A workspace with one source in a real SQLite store, run like `resonanz collect`."""

    store: SqlStore
    runtime: Runtime
    workspace_id: int
    source_id: int

    @classmethod
    def create(cls, tmp_path: Path, kind: str, config: Mapping[str, Any]) -> Collector:
        (tmp_path / "data").mkdir(exist_ok=True)
        store = open_store(f"sqlite:///{tmp_path / 'data' / 'resonanz.db'}")
        runtime = Runtime.load(SETTINGS, load_entry_points=False)
        workspace = store.create_workspace("acme", "ACME")
        checked = runtime.source_class(kind).validate_config(dict(config), SETTINGS)
        source = store.add_source(workspace.id, kind, f"{kind}-test", checked)
        return cls(store, runtime, workspace.id, source.id)

    def run(self) -> RunReport:
        """One run from the stored cursor."""
        return run_source(self.store, self.runtime, self.source())

    def source(self) -> SourceConfig:
        return self.store.get_source_by_id(self.source_id)

    def cursor(self) -> dict[str, Any]:
        return dict(self.source().cursor)

    def mentions(self) -> dict[str, Mention]:
        """Stored mentions by native id."""
        return {m.native_id: m for m in self.store.iter_mentions(self.workspace_id)}

    def close(self) -> None:
        self.store.close()
