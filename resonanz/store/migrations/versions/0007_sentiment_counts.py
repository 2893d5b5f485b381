"""mention_counts(_daily) count per sentiment label too.

The overview's sentiment over time and sentiment per topic then sum a few rows per hour
or day, like the volume, instead of reading every labelled mention of the period.
``sentiment`` is the mention's label or ``'none'`` without one; it joins the primary key.
Both tables are rebuilt from the mentions (as 0004 filled them), sentiment included.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
# (table, its time column: also the unit posted_at is cut to)
_TABLES = (("mention_counts", "hour"), ("mention_counts_daily", "day"))


def _bucket(dialect: str, unit: str) -> str:
    """SQL for the UTC hour or day of m.posted_at, as each backend stores timestamps."""
    if dialect == "sqlite":  # 'YYYY-MM-DD HH:MM:SS.ffffff'
        width, rest = (13, ":00:00.000000") if unit == "hour" else (10, " 00:00:00.000000")
        return f"substr(m.posted_at, 1, {width}) || '{rest}'"
    return f"date_trunc('{unit}', m.posted_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def _rebuild(*, with_sentiment: bool) -> None:
    """Drop both count tables, then create and fill them again from the mentions."""
    dialect = op.get_bind().dialect.name
    # (column, its value for a mention m)
    values = [("platform", "m.platform"), ("lang", "coalesce(m.lang, 'und')")]
    if with_sentiment:
        values.append(("sentiment", "coalesce(m.sentiment, 'none')"))
    named = ", ".join(name for name, _ in values)
    first = ", ".join(f"{expr} AS {name}" for name, expr in values)
    rest = ", ".join(expr for _, expr in values)
    for table, column in _TABLES:
        op.drop_table(table)
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
            *([sa.Column("sentiment", sa.String(10), nullable=False)] if with_sentiment else []),
            sa.Column("n", sa.BigInteger, nullable=False),
            sa.PrimaryKeyConstraint("workspace_id", "topic_id", column, *(n for n, _ in values)),
            # Clustered by the key on SQLite: a range of hours is one contiguous read.
            sqlite_with_rowid=False,
        )
        at = _bucket(dialect, column)
        op.execute(
            f"""
            INSERT INTO {table} (workspace_id, topic_id, {column}, {named}, n)
            SELECT workspace_id, topic_id, at, {named}, count(*) FROM (
                SELECT m.workspace_id, 0 AS topic_id, {at} AS at, {first}
                FROM mentions m
                UNION ALL
                SELECT m.workspace_id, t.topic_id, {at}, {rest}
                FROM mentions m JOIN matches t ON t.mention_id = m.id
                UNION ALL
                SELECT m.workspace_id, -1, {at}, {rest}
                FROM mentions m
                WHERE NOT EXISTS (SELECT 1 FROM matches t WHERE t.mention_id = m.id)
            ) AS contributions
            GROUP BY workspace_id, topic_id, at, {named}
            """
        )


def upgrade() -> None:
    _rebuild(with_sentiment=True)


def downgrade() -> None:
    _rebuild(with_sentiment=False)
