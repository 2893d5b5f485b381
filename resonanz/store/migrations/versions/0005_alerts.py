"""Alerts: notification channels (secrets encrypted), rules per topic, incidents, and the
deliveries of their messages (an outbox: a message is stored before it is sent).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _fk(table: str, column: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        column, sa.Integer, sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "alert_channels",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("workspaces", "workspace_id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("config", JSON_DOC, nullable=False),
        sa.Column("secrets", sa.Text),  # resonanz.secrets ciphertext of a JSON object
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_success_at", TS),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", TS),
        sa.UniqueConstraint("workspace_id", "name"),
    )
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("workspaces", "workspace_id"),
        _fk("topics", "topic_id"),
        sa.Column("detector", sa.String(50), nullable=False),
        sa.Column("params", JSON_DOC, nullable=False),
        sa.Column("quiet_hours", sa.String(20)),
        sa.Column("timezone", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(10), nullable=False),
        sa.Column("channels", JSON_DOC, nullable=False),  # channel ids
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("checked_at", TS),  # the last detection tick
        sa.UniqueConstraint("topic_id", "detector"),
    )
    op.create_table(
        "alert_incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("workspaces", "workspace_id"),
        _fk("alert_rules", "rule_id"),
        _fk("topics", "topic_id"),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),  # '' or the author, term, ...
        sa.Column("status", sa.String(20), nullable=False),  # open | resolved
        sa.Column("started_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("resolved_at", TS),
        sa.Column("notified_ratio", sa.Float, nullable=False),
        sa.Column("notified_at", TS, nullable=False),
        sa.Column("peak_ratio", sa.Float, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("observed", sa.Integer, nullable=False),
        sa.Column("expected", sa.Float, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("mention_ids", JSON_DOC, nullable=False),
    )
    op.create_index("ix_alert_incidents_rule", "alert_incidents", ["rule_id", "status"])
    op.create_index("ix_alert_incidents_ws", "alert_incidents", ["workspace_id", "started_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("alert_incidents", "incident_id"),
        _fk("alert_channels", "channel_id"),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),  # pending | sent | failed
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("message", JSON_DOC, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.UniqueConstraint("incident_id", "channel_id", "sequence"),
    )
    op.create_index("ix_alert_deliveries_due", "alert_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alert_incidents")
    op.drop_table("alert_rules")
    op.drop_table("alert_channels")
