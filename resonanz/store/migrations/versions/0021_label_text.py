"""Training labels as TEXT: an aspect label (``Category:polarity`` items joined by ``;``)
is longer than the 20 characters a sentiment or relevance label needed. PostgreSQL
enforces the old length, SQLite does not; the batch operation alters the column on
PostgreSQL and rebuilds the table (rows kept) on SQLite.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_examples") as batch:
        batch.alter_column(
            "label", type_=sa.Text, existing_type=sa.String(20), existing_nullable=False
        )


def downgrade() -> None:
    # Labels longer than 20 characters (aspect labels) do not fit the old column.
    op.execute(sa.text("DELETE FROM training_examples WHERE length(label) > 20"))
    with op.batch_alter_table("training_examples") as batch:
        batch.alter_column(
            "label", type_=sa.String(20), existing_type=sa.Text, existing_nullable=False
        )
