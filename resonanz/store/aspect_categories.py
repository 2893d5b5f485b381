"""A workspace's own aspect categories (table workspace_aspects): the text of the category
file as it was saved, so that the user gets back exactly what they wrote (comments too).
The text is checked by ``resonanz.aspect_settings`` before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from resonanz.store.schema import workspace_aspects
from resonanz.store.transactions import TxStore

_a = workspace_aspects.c


@dataclass(frozen=True)
class StoredCategories:
    """The category file of a workspace: its text, format (toml/json) and last change."""

    workspace_id: int
    source: str
    fmt: str
    updated_at: datetime


class AspectCategoryStore(TxStore):
    """Reads and writes of workspace_aspects."""

    def get(self, workspace_id: int) -> StoredCategories | None:
        """The workspace's categories, or None where it uses the process-wide ones."""
        with self._read("reading the workspace's aspect categories") as conn:
            row = conn.execute(
                sa.select(workspace_aspects).where(_a.workspace_id == workspace_id)
            ).first()
        if row is None:
            return None
        return StoredCategories(row.workspace_id, row.source, row.fmt, row.updated_at)

    def put(self, workspace_id: int, source: str, fmt: str, at: datetime) -> StoredCategories:
        """Store (or replace) the workspace's category file."""
        with self._write("saving the workspace's aspect categories") as conn:
            changed = conn.execute(
                sa.update(workspace_aspects)
                .where(_a.workspace_id == workspace_id)
                .values(source=source, fmt=fmt, updated_at=at)
            ).rowcount
            if not changed:
                conn.execute(
                    sa.insert(workspace_aspects).values(
                        workspace_id=workspace_id, source=source, fmt=fmt, updated_at=at
                    )
                )
        return StoredCategories(workspace_id, source, fmt, at)

    def clear(self, workspace_id: int) -> bool:
        """Drop the workspace's own categories; whether there were any."""
        with self._write("removing the workspace's aspect categories") as conn:
            gone = conn.execute(
                sa.delete(workspace_aspects).where(_a.workspace_id == workspace_id)
            ).rowcount
        return bool(gone)
