"""Source health for live connectors: the newest item's posting time and when it was stored
(lag), the items of the last run and the run before's time (items per minute), and
``attention``: why a source stopped (revoked or expired credentials) until the user fixes it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
COLUMNS = (
    "newest_item_at",
    "newest_item_seen_at",
    "previous_run_at",
    "last_run_items",
    "attention",
)


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("newest_item_at", TS))
        batch.add_column(sa.Column("newest_item_seen_at", TS))
        batch.add_column(sa.Column("previous_run_at", TS))
        batch.add_column(
            sa.Column("last_run_items", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("attention", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
