"""Indexes for the dashboard: the overview's counts and top authors, topic filters, search.

- ``ix_mentions_ws_posted_cover`` (workspace_id, posted_at, id, platform, lang, author_id)
  replaces ``ix_mentions_ws_posted``: the same keyset order, and counts per day, hour,
  platform and language over a date range read the index alone, not the table.
- ``ix_matches_topic_mention`` (topic_id, mention_id) replaces ``ix_matches_topic``: a
  topic filter reads its mention ids from the index alone.
- ``ix_mentions_author_posted`` (author_id, posted_at) replaces ``ix_mentions_author``: it
  still serves the SET NULL of a deleted author, and finds an author's mentions in a range.
- ``ix_authors_ws_followers`` (workspace_id, followers): top authors by reach walk it from
  the top instead of grouping every mention of the range.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (old index, its columns, new index, its columns, table)
_REPLACED = (
    (
        "ix_mentions_ws_posted",
        ["workspace_id", "posted_at", "id"],
        "ix_mentions_ws_posted_cover",
        ["workspace_id", "posted_at", "id", "platform", "lang", "author_id"],
        "mentions",
    ),
    (
        "ix_matches_topic",
        ["topic_id"],
        "ix_matches_topic_mention",
        ["topic_id", "mention_id"],
        "matches",
    ),
    (
        "ix_mentions_author",
        ["author_id"],
        "ix_mentions_author_posted",
        ["author_id", "posted_at"],
        "mentions",
    ),
)


def upgrade() -> None:
    for old, _, new, columns, table in _REPLACED:
        op.create_index(new, table, columns)
        op.drop_index(old, table_name=table)
    op.create_index("ix_authors_ws_followers", "authors", ["workspace_id", "followers"])


def downgrade() -> None:
    op.drop_index("ix_authors_ws_followers", table_name="authors")
    for old, old_columns, new, _, table in _REPLACED:
        op.create_index(old, table, old_columns)
        op.drop_index(new, table_name=table)
