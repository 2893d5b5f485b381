"""Media, threads and polls of posts: the images attached to a post (bytes stored in the
database, named by their SHA-256, with type, size, dimensions, alt text and the token of
their public URL), the workspace's rule whether alt text is required, a post's further
thread parts and its poll, and the thread parts a delivery already published.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "post_media",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False),  # 0, 1, ... in the post
        sa.Column("sha256", sa.String(64), nullable=False),  # of the bytes
        sa.Column("mime", sa.String(40), nullable=False),  # sniffed from the bytes
        sa.Column("size", sa.Integer, nullable=False),  # bytes
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("alt", sa.Text, nullable=False),  # "" when none was given
        sa.Column("token", sa.String(64), nullable=False, unique=True),  # public URL part
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("post_id", "position"),
    )
    op.create_table(
        "publish_settings",
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("require_alt", sa.Boolean, nullable=False),
    )
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("thread", JSON_DOC))  # ["part 2", "part 3", ...]
        batch.add_column(sa.Column("poll", JSON_DOC))  # {options, minutes, multiple}
    with op.batch_alter_table("post_deliveries") as batch:
        # [{index, remote_id, url, cid}, ...]: thread parts the platform accepted
        batch.add_column(sa.Column("parts", JSON_DOC))


def downgrade() -> None:
    with op.batch_alter_table("post_deliveries") as batch:
        batch.drop_column("parts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("poll")
        batch.drop_column("thread")
    op.drop_table("publish_settings")
    op.drop_table("post_media")
