"""PostgreSQL: partial indexes of the mentions whose title or text holds a hashtag sign, or
a handle sign, in the (workspace_id, posted_at, id) order.

A search for a hashtag or handle (``#db``) reads the time index in windows and tests each
window's mentions (store.reads._window_rows); with these indexes the windows take only the
mentions that hold the sign (14 % and 26 % of the bench's 1,000,000 mentions), so the
table is read for those alone. The predicates are, to the letter, the condition
``store.reads._contains_any`` builds for the signs of ``query.fts.MARKERS``, so the planner
can prove it and read the index alone. SQLite: nothing changes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# index name -> the sign's forms (query.fts.MARKERS, frozen here)
_INDEXES = {
    "ix_mentions_ws_hash_sign": ("#", "\uff03", "\ufe5f"),
    "ix_mentions_ws_at_sign": ("@", "\uff20", "\ufe6b"),
}


def _predicate(forms: tuple[str, ...]) -> str:
    return " OR ".join(
        f"{column} LIKE '%{form}%'" for form in forms for column in ("text", "title")
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, forms in _INDEXES.items():
        op.execute(
            f"CREATE INDEX {name} ON mentions (workspace_id, posted_at, id) "
            f"WHERE {_predicate(forms)}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _INDEXES:
        op.execute(f"DROP INDEX {name}")
