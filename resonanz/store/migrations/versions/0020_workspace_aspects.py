"""A workspace's own aspect categories: the category file (TOML or JSON, as the user wrote
it) its collection uses instead of the setting ``aspect_categories`` or the shipped
template. One row per workspace; no row: the process-wide categories, as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workspace_aspects",
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("fmt", sa.String(10), nullable=False),  # toml | json
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workspace_aspects")
