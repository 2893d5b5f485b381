"""mention_counts(_daily): mentions per hour / day, topic, platform and language.

``topic_id`` 0 counts every mention once, a topic id counts the mentions matching that
topic, -1 the mentions matching none. Filled here from the existing mentions; from then
on ``store.rollup`` keeps it exact in the same transactions that change mentions and
matches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

# The hour / day of posted_at, as each backend stores timestamps (UTC).
_BUCKET = {
    "hour": {
        "sqlite": "substr(m.posted_at, 1, 13) || ':00:00.000000'",
        "postgresql": "date_trunc('hour', m.posted_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    },
    "day": {
        "sqlite": "substr(m.posted_at, 1, 10) || ' 00:00:00.000000'",
        "postgresql": "date_trunc('day', m.posted_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    },
}
# (table, time column, bucket)
_TABLES = (("mention_counts", "hour", "hour"), ("mention_counts_daily", "day", "day"))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, column, bucket in _TABLES:
        op.create_table(
            table,
            sa.Column(
                "workspace_id",
                sa.Integer,
                sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("topic_id", sa.Integer, nullable=False),
            sa.Column(column, TS, nullable=False),
            sa.Column("platform", sa.String(50), nullable=False),
            sa.Column("lang", sa.String(20), nullable=False),
            sa.Column("n", sa.BigInteger, nullable=False),
            sa.PrimaryKeyConstraint("workspace_id", "topic_id", column, "platform", "lang"),
            # Clustered by the key on SQLite: a range of hours is one contiguous read.
            sqlite_with_rowid=False,
        )
        at = _BUCKET[bucket][dialect]
        lang = "coalesce(m.lang, 'und')"
        op.execute(
            f"""
            INSERT INTO {table} (workspace_id, topic_id, {column}, platform, lang, n)
            SELECT workspace_id, topic_id, at, platform, lang, count(*) FROM (
                SELECT m.workspace_id, 0 AS topic_id, {at} AS at, m.platform, {lang} AS lang
                FROM mentions m
                UNION ALL
                SELECT m.workspace_id, t.topic_id, {at}, m.platform, {lang}
                FROM mentions m JOIN matches t ON t.mention_id = m.id
                UNION ALL
                SELECT m.workspace_id, -1, {at}, m.platform, {lang}
                FROM mentions m
                WHERE NOT EXISTS (SELECT 1 FROM matches t WHERE t.mention_id = m.id)
            ) AS contributions
            GROUP BY workspace_id, topic_id, at, platform, lang
            """
        )


def downgrade() -> None:
    for table, _, _ in _TABLES:
        op.drop_table(table)
