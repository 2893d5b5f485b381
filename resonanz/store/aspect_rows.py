"""``mention_aspects``: the categories named in each mention's ``enrichments["aspects"]``,
one row per mention and category (migration 0022), kept in step with the enrichments by
``save_batch`` and read by the ``aspect`` filter.

A mention saved with enrichments gets the rows of its new ``aspects`` list (none where it
has none); a mention saved without enrichments keeps its rows, as it keeps its stored
enrichments. Elements that are not objects with a non-empty string ``category`` are left
out; a category named twice keeps the polarity of its first element.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.models import Mention
from resonanz.store.bulk import chunks
from resonanz.store.schema import mention_aspects

__all__ = ["aspect_rows", "names_aspect", "replace_aspects"]

Key = tuple[str, str]


def aspect_rows(
    enrichments: Mapping[str, Any], mention_id: int, workspace_id: int
) -> list[dict[str, Any]]:
    """The mention_aspects rows of one mention's enrichments."""
    found = enrichments.get("aspects")
    if not isinstance(found, list):
        return []
    rows: dict[str, dict[str, Any]] = {}
    for item in found:
        category = item.get("category") if isinstance(item, Mapping) else None
        if not isinstance(category, str) or not category or category in rows:
            continue
        polarity = item.get("polarity")
        rows[category] = {
            "mention_id": mention_id,
            "category": category,
            "workspace_id": workspace_id,
            "polarity": polarity if isinstance(polarity, str) else None,
        }
    return list(rows.values())


def replace_aspects(
    conn: Connection,
    workspace_id: int,
    batch: Sequence[Mention],
    ids: Mapping[Key, int],
    inserted: Sequence[Key],
) -> None:
    """Bring the rows of the batch's mentions in step with their new enrichments."""
    enriched = [m for m in batch if m.enrichments]
    if not enriched:
        return
    fresh = set(inserted)
    stored_before = [ids[key] for m in enriched if (key := (m.platform, m.native_id)) not in fresh]
    for part in chunks(stored_before):
        conn.execute(sa.delete(mention_aspects).where(mention_aspects.c.mention_id.in_(part)))
    rows = [
        row
        for m in enriched
        for row in aspect_rows(m.enrichments, ids[(m.platform, m.native_id)], workspace_id)
    ]
    if rows:
        conn.execute(sa.insert(mention_aspects), rows)


def names_aspect(mention_id: Any, workspace_id: int, category: str) -> Any:
    """A condition on ``mention_id`` (a mentions.id column): the mention names the
    category. An IN over the index (workspace, category, mention): the database reads
    only that category's rows, whichever other conditions and order the query has."""
    named = sa.select(mention_aspects.c.mention_id).where(
        mention_aspects.c.workspace_id == workspace_id,
        mention_aspects.c.category == category,
    )
    return mention_id.in_(named)
