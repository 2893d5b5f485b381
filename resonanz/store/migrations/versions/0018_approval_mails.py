"""E-mails about approvals: the outbox of the mails that tell approvers a post waits for
them and tell the submitter that it was approved or rejected (one row per decision and
recipient, unique, so a scheduler killed and restarted queues none twice), and the
workspace's choice of publishing events for its alert channels (``events``, NULL: the
delivery events, as before).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "approval_mails",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "decision_id",
            sa.Integer,
            sa.ForeignKey("post_approvals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(30), nullable=False),  # approval_requested|approved|rejected
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),  # pending | sent | failed
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.UniqueConstraint("decision_id", "user_id", name="uq_approval_mails_decision_user"),
    )
    op.create_index("ix_approval_mails_due", "approval_mails", ["status", "next_attempt_at"])
    op.create_index("ix_post_approvals_created", "post_approvals", ["created_at"])
    with op.batch_alter_table("publish_notify") as batch:
        batch.add_column(sa.Column("events", JSON_DOC))


def downgrade() -> None:
    with op.batch_alter_table("publish_notify") as batch:
        batch.drop_column("events")
    op.drop_index("ix_post_approvals_created", table_name="post_approvals")
    op.drop_index("ix_approval_mails_due", table_name="approval_mails")
    op.drop_table("approval_mails")
