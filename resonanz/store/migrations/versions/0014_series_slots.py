"""Recurring posts and queue slots: a post series (the repeating rule and the text each
occurrence gets), each post's series and occurrence (unique together: an occurrence is
created once, whatever crashes and restarts), the weekly queue slots of each channel, and
the slot claims that keep two queued posts out of one slot.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _workspace() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "workspace_id",
        sa.Integer,
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "post_series",
        sa.Column("id", sa.Integer, primary_key=True),
        _workspace(),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("variants", JSON_DOC, nullable=False),  # {channel id: text}
        sa.Column("channel_ids", JSON_DOC, nullable=False),  # [channel id, ...]
        sa.Column("timezone", sa.String(100), nullable=False),
        sa.Column("rule", JSON_DOC, nullable=False),  # publishing.recurrence.Rule
        sa.Column("status", sa.String(20), nullable=False),  # active | stopped | finished
        sa.Column("made", sa.Integer, nullable=False),  # occurrences passed (made or skipped)
        sa.Column("next_local", sa.String(40)),  # the next occurrence's wall time
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("note", sa.Text),  # why it stopped, the last occurrence skipped
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_post_series_ws", "post_series", ["workspace_id", "status"])
    with op.batch_alter_table("posts") as batch:
        batch.add_column(
            sa.Column(
                "series_id",
                sa.Integer,
                sa.ForeignKey("post_series.id", name="fk_posts_series", ondelete="SET NULL"),
            )
        )
        batch.add_column(sa.Column("occurrence", sa.String(40)))  # local "YYYY-MM-DD HH:MM"
        batch.create_unique_constraint("uq_posts_series_occurrence", ["series_id", "occurrence"])
    op.create_table(
        "publish_slots",
        sa.Column("id", sa.Integer, primary_key=True),
        _workspace(),
        sa.Column(
            "channel_id",
            sa.Integer,
            sa.ForeignKey("publish_channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("weekday", sa.Integer, nullable=False),  # 0 Monday .. 6 Sunday
        sa.Column("time", sa.String(5), nullable=False),  # "09:00"
        sa.Column("timezone", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("channel_id", "weekday", "time", name="uq_publish_slots"),
    )
    op.create_table(
        "slot_claims",
        sa.Column(
            "channel_id",
            sa.Integer,
            sa.ForeignKey("publish_channels.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("slot_at", TS, primary_key=True),  # the slot's UTC instant
        sa.Column(
            "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_table("slot_claims")
    op.drop_table("publish_slots")
    with op.batch_alter_table("posts") as batch:
        batch.drop_constraint("uq_posts_series_occurrence", type_="unique")
        batch.drop_constraint("fk_posts_series", type_="foreignkey")
        batch.drop_column("occurrence")
        batch.drop_column("series_id")
    op.drop_index("ix_post_series_ws", "post_series")
    op.drop_table("post_series")
