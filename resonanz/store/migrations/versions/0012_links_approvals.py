"""Tracked links and approvals for publishing: short links with their UTM parameters,
click counts per link and day (clicks, bot hits, repeats), the day's random salt and the
salted visitor hashes of the dedupe window (never an IP address), the workspace's
approval rule, the approval state of posts and each approval decision.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
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
        "tracked_links",
        sa.Column("id", sa.Integer, primary_key=True),
        _workspace(),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("target", sa.Text, nullable=False),  # the URL as given
        sa.Column("utm", JSON_DOC, nullable=False),  # {utm_source: ..., ...}
        sa.Column("destination", sa.Text, nullable=False),  # target with the UTM merged
        sa.Column(
            "channel_id", sa.Integer, sa.ForeignKey("publish_channels.id", ondelete="SET NULL")
        ),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="SET NULL")),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_tracked_links_ws", "tracked_links", ["workspace_id", "id"])
    op.create_table(
        "link_clicks",
        sa.Column(
            "link_id",
            sa.Integer,
            sa.ForeignKey("tracked_links.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date, primary_key=True),  # UTC day
        sa.Column("clicks", sa.Integer, nullable=False),  # counted clicks
        sa.Column("bots", sa.Integer, nullable=False),  # crawlers, previews, HEAD
        sa.Column("repeats", sa.Integer, nullable=False),  # same visitor inside the window
    )
    op.create_table(
        "link_salts",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("salt", sa.String(64), nullable=False),
    )
    op.create_table(
        "link_visitors",
        sa.Column(
            "link_id",
            sa.Integer,
            sa.ForeignKey("tracked_links.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("visitor", sa.String(64), primary_key=True),  # salted daily hash
        sa.Column("seen_at", TS, nullable=False),
    )
    op.create_index("ix_link_visitors_seen", "link_visitors", ["seen_at"])
    op.create_table(
        "publish_approval_rules",
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("steps", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("posts") as batch:
        # none | pending_approval | approved | rejected
        batch.add_column(
            sa.Column("approval", sa.String(20), nullable=False, server_default="none")
        )
        batch.add_column(
            sa.Column("approval_round", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("approval_comment", sa.Text))
    op.create_table(
        "post_approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        _workspace(),
        sa.Column(
            "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("decision", sa.String(20), nullable=False),  # submitted | approved | rejected
        sa.Column("comment", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),  # the post version decided on
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_post_approvals_post", "post_approvals", ["post_id", "round"])


def downgrade() -> None:
    op.drop_table("post_approvals")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("approval_comment")
        batch.drop_column("approval_round")
        batch.drop_column("approval")
    op.drop_table("publish_approval_rules")
    op.drop_table("link_visitors")
    op.drop_table("link_salts")
    op.drop_table("link_clicks")
    op.drop_table("tracked_links")
