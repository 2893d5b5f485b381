"""The aspect categories of each mention as rows (indexed, not only inside the enrichments
JSON): ``mention_aspects``, one row per mention and category named in
``enrichments["aspects"]``, kept by the store and filled here, in batches of ids, from
the mentions already stored. ``?aspect=`` reads it instead of the JSON of every mention.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # as mentions.id
# Mentions per INSERT: keeps each statement's locks and undo log small on big stores.
BATCH = 20_000

# Every element of enrichments["aspects"] (an array) whose category is a non-empty string,
# one row per mention and category (the first element of a category gives its polarity);
# anything else is left out, as the store leaves it out.
_BACKFILL = {
    "sqlite": """
        INSERT OR IGNORE INTO mention_aspects (mention_id, category, workspace_id, polarity)
        SELECT m.id, json_extract(m.enrichments, a.fullkey || '.category'), m.workspace_id,
               CASE WHEN json_type(m.enrichments, a.fullkey || '.polarity') = 'text'
                    THEN json_extract(m.enrichments, a.fullkey || '.polarity') END
        FROM mentions AS m, json_each(m.enrichments, '$.aspects') AS a
        WHERE m.id >= :lo AND m.id < :hi
          AND m.enrichments IS NOT NULL AND json_valid(m.enrichments)
          AND json_type(m.enrichments, '$.aspects') = 'array'
          AND a.type = 'object'
          AND json_type(m.enrichments, a.fullkey || '.category') = 'text'
          AND json_extract(m.enrichments, a.fullkey || '.category') <> ''
        ORDER BY m.id, a.key
    """,
    "postgresql": """
        INSERT INTO mention_aspects (mention_id, category, workspace_id, polarity)
        SELECT DISTINCT ON (m.id, a.value ->> 'category')
               m.id, a.value ->> 'category', m.workspace_id,
               CASE WHEN jsonb_typeof(a.value -> 'polarity') = 'string'
                    THEN a.value ->> 'polarity' END
        FROM mentions AS m
        CROSS JOIN LATERAL jsonb_array_elements(m.enrichments -> 'aspects')
             WITH ORDINALITY AS a(value, n)
        WHERE m.id >= :lo AND m.id < :hi
          AND jsonb_typeof(m.enrichments -> 'aspects') = 'array'
          AND jsonb_typeof(a.value) = 'object'
          AND jsonb_typeof(a.value -> 'category') = 'string'
          AND a.value ->> 'category' <> ''
        ORDER BY m.id, a.value ->> 'category', a.n
    """,
}


def upgrade() -> None:
    op.create_table(
        "mention_aspects",
        sa.Column(
            "mention_id",
            BIG_ID,
            sa.ForeignKey("mentions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category", sa.Text, primary_key=True),
        # The mention's workspace, so that the index leads with it (mentions.workspace_id).
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("polarity", sa.Text),
    )
    bind = op.get_bind()
    lo, hi = bind.execute(sa.text("SELECT min(id), max(id) FROM mentions")).one()
    if lo is not None:
        insert = sa.text(_BACKFILL[bind.dialect.name])
        for start in range(int(lo), int(hi) + 1, BATCH):
            bind.execute(insert, {"lo": start, "hi": start + BATCH})
    op.create_index(
        "ix_mention_aspects_ws_category",
        "mention_aspects",
        ["workspace_id", "category", "mention_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_mention_aspects_ws_category", table_name="mention_aspects")
    op.drop_table("mention_aspects")
