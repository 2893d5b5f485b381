"""Initial schema: workspaces, topics, sources, authors, mentions, matches, full-text index.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types in resonanz.store.types: a migration never changes later.
TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
JSON_RAW = sa.JSON()
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TOPIC_KINDS = ("brand", "competitor", "product", "campaign", "keyword")
LINKS = (("reply_to", "reply_to_id"), ("repost_of", "repost_of_id"), ("quote_of", "quote_of_id"))


def _ws_fk() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "workspace_id",
        sa.Integer,
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
    )


def _partial(condition: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("slug", name="uq_workspaces_slug"),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("workspace_id", "name", name="uq_topics_workspace_name"),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in TOPIC_KINDS) + ")", name="ck_topics_kind"
        ),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("config", JSON_DOC, nullable=False),
        sa.Column("cursor", JSON_DOC, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("last_run_at", TS),
        sa.Column("last_success_at", TS),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", TS),
        sa.Column("items_total", sa.BigInteger, nullable=False, server_default="0"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_sources_workspace_name"),
    )
    op.create_table(
        "authors",
        sa.Column("id", BIG_ID, primary_key=True),
        _ws_fk(),
        sa.Column("platform", sa.String(50), nullable=False),
        sa.Column("handle", sa.String(300), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("followers", sa.BigInteger),
        sa.Column("url", sa.Text),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint(
            "workspace_id", "platform", "handle", name="uq_authors_workspace_platform_handle"
        ),
    )
    link_columns = []
    for native, resolved in LINKS:
        link_columns.append(sa.Column(native, sa.String(500)))
        link_columns.append(
            sa.Column(resolved, BIG_ID, sa.ForeignKey("mentions.id", ondelete="SET NULL"))
        )
    op.create_table(
        "mentions",
        sa.Column("id", BIG_ID, primary_key=True),
        _ws_fk(),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
        sa.Column("platform", sa.String(50), nullable=False),
        sa.Column("native_id", sa.String(500), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("author_id", BIG_ID, sa.ForeignKey("authors.id", ondelete="SET NULL")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("lang", sa.String(20)),
        sa.Column("lang_score", sa.Float),
        sa.Column("created_at", TS),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("posted_at", TS, nullable=False),
        *link_columns,
        sa.Column("likes", sa.BigInteger),
        sa.Column("reposts", sa.BigInteger),
        sa.Column("replies", sa.BigInteger),
        sa.Column("quotes", sa.BigInteger),
        sa.Column("views", sa.BigInteger),
        sa.Column("raw", JSON_RAW, nullable=False),
        sa.Column("raw_kind", sa.String(50), nullable=False, server_default=""),
        sa.Column("enrichments", JSON_DOC),
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint(
            "workspace_id", "platform", "native_id", name="uq_mentions_workspace_platform_native"
        ),
    )
    # The unique constraint above also serves (workspace_id, platform) lookups.
    op.create_index("ix_mentions_ws_posted", "mentions", ["workspace_id", "posted_at", "id"])
    op.create_index("ix_mentions_ws_lang", "mentions", ["workspace_id", "lang"])
    # Deleting an author or source sets mentions' references to NULL: index them so a
    # workspace delete does not scan all mentions once per author.
    op.create_index("ix_mentions_author", "mentions", ["author_id"])
    op.create_index("ix_mentions_source", "mentions", ["source_id"])
    for native, resolved in LINKS:
        op.create_index(
            f"ix_mentions_{resolved}",
            "mentions",
            [resolved],
            **_partial(f"{resolved} IS NOT NULL"),
        )
        # Only children still waiting for their original: small, and all save_batch needs.
        op.create_index(
            f"ix_mentions_unresolved_{native}",
            "mentions",
            ["workspace_id", "platform", native],
            **_partial(f"{native} IS NOT NULL AND {resolved} IS NULL"),
        )
    op.create_table(
        "matches",
        sa.Column(
            "mention_id",
            BIG_ID,
            sa.ForeignKey("mentions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "topic_id",
            sa.Integer,
            sa.ForeignKey("topics.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("terms", JSON_DOC, nullable=False),
    )
    op.create_index("ix_matches_topic", "matches", ["topic_id"])

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_fts_up()
    else:
        op.execute(
            "CREATE INDEX ix_mentions_fts ON mentions "
            "USING gin (to_tsvector('simple'::regconfig, search_text))"
        )


def _sqlite_fts_up() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE mentions_fts USING fts5("
        "search_text, content='mentions', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN "
        "INSERT INTO mentions_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN "
        "INSERT INTO mentions_fts(mentions_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    )
    # Only a change of search_text touches the index; engagement updates stay cheap.
    op.execute(
        "CREATE TRIGGER mentions_fts_update AFTER UPDATE OF search_text ON mentions BEGIN "
        "INSERT INTO mentions_fts(mentions_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO mentions_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("mentions_fts_insert", "mentions_fts_delete", "mentions_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS mentions_fts")
    for table in ("matches", "mentions", "authors", "sources", "topics", "workspaces"):
        op.drop_table(table)
