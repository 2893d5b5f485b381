"""Workspace-trained classifiers: labelled examples, the trained models, and the sentiment
of each mention as columns (filterable and indexed, not only inside the enrichments JSON).

- ``training_examples``: a labelled text per row; at most one label per mention and task
  (labelling a mention again updates its row).
- ``workspace_models``: trained models (the model file as bytes, its cross-validated
  quality as JSON); at most one active per workspace and task.
- ``mentions.sentiment`` / ``mentions.sentiment_score``: copied by the store from
  ``enrichments["sentiment"]``; filled here from the mentions already stored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_LABELS = "('negative', 'neutral', 'positive')"

# The sentiment label and score inside the enrichments JSON, as each backend reads it;
# anything that is not a known label or not a number is left NULL.
_BACKFILL = {
    "sqlite": f"""
        UPDATE mentions SET
            sentiment = json_extract(enrichments, '$.sentiment.label'),
            sentiment_score = CASE
                WHEN json_type(enrichments, '$.sentiment.score') IN ('integer', 'real')
                THEN json_extract(enrichments, '$.sentiment.score') END
        WHERE enrichments IS NOT NULL AND json_valid(enrichments)
          AND json_type(enrichments, '$.sentiment') = 'object'
          AND json_extract(enrichments, '$.sentiment.label') IN {_LABELS}
    """,
    "postgresql": f"""
        UPDATE mentions SET
            sentiment = enrichments -> 'sentiment' ->> 'label',
            sentiment_score = CASE
                WHEN jsonb_typeof(enrichments -> 'sentiment' -> 'score') = 'number'
                THEN (enrichments -> 'sentiment' ->> 'score')::double precision END
        WHERE jsonb_typeof(enrichments -> 'sentiment') = 'object'
          AND enrichments -> 'sentiment' ->> 'label' IN {_LABELS}
    """,
}


def _fk(table: str, column: str, *, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        column, sa.Integer, sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "training_examples",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("workspaces", "workspace_id"),
        sa.Column("task", sa.String(20), nullable=False),  # sentiment | relevance
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(20)),
        sa.Column("label", sa.String(20), nullable=False),
        # BigInteger like mentions.id (an Integer on SQLite, where it is the rowid).
        sa.Column(
            "mention_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("mentions.id", ondelete="SET NULL"),
        ),
        sa.Column("source", sa.String(10), nullable=False),  # csv | ui | api
        _fk("users", "created_by", ondelete="SET NULL", nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        # NULL mention ids never collide: only labels of stored mentions are unique.
        sa.UniqueConstraint("workspace_id", "task", "mention_id"),
    )
    op.create_index(
        "ix_training_examples_label", "training_examples", ["workspace_id", "task", "label"]
    )
    # Serves the SET NULL when a mention is deleted.
    op.create_index("ix_training_examples_mention", "training_examples", ["mention_id"])
    op.create_table(
        "workspace_models",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("workspaces", "workspace_id"),
        sa.Column("task", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("n_examples", sa.Integer, nullable=False),
        sa.Column("quality", JSON_DOC, nullable=False),
        sa.Column("blob", sa.LargeBinary, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_index("ix_workspace_models_task", "workspace_models", ["workspace_id", "task"])
    op.create_index(
        "ux_workspace_models_active",
        "workspace_models",
        ["workspace_id", "task"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.add_column("mentions", sa.Column("sentiment", sa.String(10)))
    op.add_column("mentions", sa.Column("sentiment_score", sa.Float))
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    op.create_index(
        "ix_mentions_ws_sentiment", "mentions", ["workspace_id", "sentiment", "posted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_ws_sentiment", table_name="mentions")
    op.drop_column("mentions", "sentiment_score")
    op.drop_column("mentions", "sentiment")
    op.drop_table("workspace_models")
    op.drop_table("training_examples")
