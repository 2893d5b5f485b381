"""The top emotion of each mention as a column (filterable and indexed, not only inside the
enrichments JSON): ``mentions.emotion``, copied by the store from
``enrichments["emotion"]["top"]`` and filled here, in batches of ids, from the mentions
already stored.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Mentions per UPDATE: keeps each statement's locks and undo log small on big stores.
BATCH = 20_000
_EMOTIONS = "('joy', 'trust', 'fear', 'surprise', 'sadness', 'disgust', 'anger', 'anticipation')"

# The top emotion inside the enrichments JSON, as each backend reads it; anything that is
# not one of the eight emotions is left NULL.
_BACKFILL = {
    "sqlite": f"""
        UPDATE mentions SET emotion = json_extract(enrichments, '$.emotion.top')
        WHERE id >= :lo AND id < :hi
          AND enrichments IS NOT NULL AND json_valid(enrichments)
          AND json_type(enrichments, '$.emotion') = 'object'
          AND json_type(enrichments, '$.emotion.top') = 'text'
          AND json_extract(enrichments, '$.emotion.top') IN {_EMOTIONS}
    """,
    "postgresql": f"""
        UPDATE mentions SET emotion = enrichments -> 'emotion' ->> 'top'
        WHERE id >= :lo AND id < :hi
          AND jsonb_typeof(enrichments -> 'emotion') = 'object'
          AND jsonb_typeof(enrichments -> 'emotion' -> 'top') = 'string'
          AND enrichments -> 'emotion' ->> 'top' IN {_EMOTIONS}
    """,
}


def upgrade() -> None:
    op.add_column("mentions", sa.Column("emotion", sa.String(12)))
    bind = op.get_bind()
    lo, hi = bind.execute(sa.text("SELECT min(id), max(id) FROM mentions")).one()
    if lo is not None:
        update = sa.text(_BACKFILL[bind.dialect.name])
        for start in range(int(lo), int(hi) + 1, BATCH):
            bind.execute(update, {"lo": start, "hi": start + BATCH})
    op.create_index("ix_mentions_ws_emotion", "mentions", ["workspace_id", "emotion", "posted_at"])


def downgrade() -> None:
    op.drop_index("ix_mentions_ws_emotion", table_name="mentions")
    op.drop_column("mentions", "emotion")
