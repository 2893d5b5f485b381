"""Topic clusters per topic: the incremental clusterer's state with the cursor of the
mentions already fed (``topic_clusters``), and which cluster each fed mention joined over
the last days (``topic_cluster_posts``, pruned), from which cluster growth is read.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Like mentions.id: BIGINT, an INTEGER on SQLite where it is the rowid.
MENTION_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, **kwargs: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(column, sa.Integer, sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), **kwargs)


def upgrade() -> None:
    op.create_table(
        "topic_clusters",
        _fk("topics", "topic_id", primary_key=True),
        _fk("workspaces", "workspace_id", nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.Column("cursor", JSON_DOC, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("posts", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_topic_clusters_ws", "topic_clusters", ["workspace_id"])
    op.create_table(
        "topic_cluster_posts",
        _fk("topics", "topic_id", primary_key=True),
        sa.Column(
            "mention_id",
            MENTION_ID,
            sa.ForeignKey("mentions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cluster_id", sa.Integer),
        sa.Column("posted_at", TS, nullable=False),
    )
    op.create_index(
        "ix_topic_cluster_posts_posted", "topic_cluster_posts", ["topic_id", "posted_at"]
    )
    # Serves the cascade when a mention is deleted.
    op.create_index("ix_topic_cluster_posts_mention", "topic_cluster_posts", ["mention_id"])


def downgrade() -> None:
    op.drop_table("topic_cluster_posts")
    op.drop_table("topic_clusters")
