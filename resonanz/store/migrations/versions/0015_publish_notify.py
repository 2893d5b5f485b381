"""Publishing notifications through the alerts' delivery queue: an alert delivery may
carry a publishing event instead of an incident (``incident_id`` NULL, ``event_key`` the
event's stable key, unique per alert channel, so an event is queued once whatever
crashes and restarts), and the workspace's choice of alert channels and language for
publishing events.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.alter_column("incident_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("event_key", sa.String(200)))
    op.create_index(
        "ux_alert_deliveries_event", "alert_deliveries", ["channel_id", "event_key"], unique=True
    )
    op.create_table(
        "publish_notify",
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("channels", JSON_DOC, nullable=False),  # alert channel ids
        sa.Column("lang", sa.String(10), nullable=False),  # de | en
        sa.Column("since", TS, nullable=False),  # events before this are not notified
    )


def downgrade() -> None:
    op.drop_table("publish_notify")
    op.drop_index("ux_alert_deliveries_event", table_name="alert_deliveries")
    op.execute("DELETE FROM alert_deliveries WHERE incident_id IS NULL")
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.drop_column("event_key")
        batch.alter_column("incident_id", existing_type=sa.Integer, nullable=False)
