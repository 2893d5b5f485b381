"""Publishing: channels to publish to (credentials encrypted), posts with per-channel
variants and a schedule in UTC plus the IANA zone it was planned in, the outbox of
deliveries (one row per post x channel with its state machine and lease), and the
workspace-wide pause switch.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
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
        "publish_channels",
        sa.Column("id", sa.Integer, primary_key=True),
        _workspace(),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("config", JSON_DOC, nullable=False),
        sa.Column("secrets", sa.Text),  # resonanz.secrets ciphertext of a JSON object
        sa.Column("status", sa.String(20), nullable=False),  # connected | disconnected
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", TS),
        sa.Column("last_success_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("workspace_id", "name"),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True),
        _workspace(),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("variants", JSON_DOC, nullable=False),  # {channel id: text}
        sa.Column("status", sa.String(20), nullable=False),  # draft | scheduled | deleted
        sa.Column("scheduled_at", TS),
        sa.Column("timezone", sa.String(100), nullable=False),
        sa.Column("local_time", sa.String(40)),  # the wall time as planned
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_posts_ws", "posts", ["workspace_id", "status", "scheduled_at"])
    op.create_table(
        "post_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        _workspace(),
        sa.Column(
            "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "channel_id", sa.Integer, sa.ForeignKey("publish_channels.id", ondelete="SET NULL")
        ),
        sa.Column("channel_name", sa.String(200), nullable=False),
        sa.Column("channel_kind", sa.String(50), nullable=False),
        # draft | scheduled | claimed | sending | sent | failed | needs_attention | canceled
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("due_at", TS),  # when it was meant to go out (lateness, overdue)
        sa.Column("next_attempt_at", TS),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_until", TS),
        sa.Column("claimed_version", sa.Integer),
        # An attempt whose outcome is unknown (timeout, 5xx): its post version and time.
        sa.Column("doubt_version", sa.Integer),
        sa.Column("doubt_at", TS),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("record_key", sa.String(100)),  # deterministic platform record key
        sa.Column("remote_id", sa.Text),
        sa.Column("remote_url", sa.Text),
        sa.Column("sent_version", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", TS),
        sa.Column("overdue_reported_at", TS),
        sa.Column("sent_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("post_id", "channel_id"),
    )
    op.create_index("ix_post_deliveries_due", "post_deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_post_deliveries_lease", "post_deliveries", ["state", "claimed_until"])
    op.create_index("ix_post_deliveries_post", "post_deliveries", ["post_id"])
    op.create_index("ix_post_deliveries_channel", "post_deliveries", ["channel_id"])
    op.create_table(
        "publish_pauses",
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("paused_at", TS, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("publish_pauses")
    op.drop_table("post_deliveries")
    op.drop_table("posts")
    op.drop_table("publish_channels")
