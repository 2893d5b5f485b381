"""SQLite: the partial indexes of migration 0017 (mentions whose title or text holds a
hashtag or handle sign, in (workspace_id, posted_at, id) order), which 0017 made on
PostgreSQL only.

SQLite uses a partial index when the query's WHERE holds the index's predicate as one of
its AND terms, to the letter; ``store.reads._contains_any`` writes the signs' patterns into
the SQL for that. A hashtag search with a common word then walks only the mentions that
hold the sign (``#db`` at 1,000,000 mentions: ~14 % of them).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# index name -> the sign's forms (query.fts.MARKERS, frozen here)
_INDEXES = {
    "ix_mentions_ws_hash_sign": ("#", "\uff03", "\ufe5f"),
    "ix_mentions_ws_at_sign": ("@", "\uff20", "\ufe6b"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, forms in _INDEXES.items():
        predicate = " OR ".join(
            f"{column} LIKE '%{form}%'" for form in forms for column in ("text", "title")
        )
        op.execute(
            f"CREATE INDEX {name} ON mentions (workspace_id, posted_at, id) WHERE {predicate}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _INDEXES:
        op.execute(f"DROP INDEX {name}")
