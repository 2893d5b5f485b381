"""Steps of the migration tests: alembic up or down on a test database, and the rows a
migration must keep."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import command

from resonanz.store.engine import WRITE, create_engine, normalise_url
from resonanz.store.migrate import alembic_config


def run_alembic(store_url: str, action: str, revision: str) -> set[str]:
    """``alembic upgrade|downgrade revision`` on the store's database, in one transaction;
    the table names afterwards."""
    engine = create_engine(normalise_url(store_url))
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                config = alembic_config()
                config.attributes["connection"] = conn
                getattr(command, action)(config, revision)
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def add_workspace(conn: sa.Connection) -> int:
    """A workspace 'acme' (raw SQL: any revision); its id."""
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO workspaces (slug, name, created_at) "
                "VALUES ('acme', 'ACME', CURRENT_TIMESTAMP) RETURNING id"
            )
        ).scalar_one()
    )


def add_enriched_mentions(
    conn: sa.Connection,
    docs: Mapping[str, str | None],
    at: datetime,
    *,
    id_step: int = 1,
    minutes_step: int = 0,
) -> None:
    """Workspace 1 'w' and one mention per native id with that enrichments JSON (None:
    none) (raw SQL: any revision); ids 1, 1 + id_step, …, posted ``minutes_step`` apart."""
    conn.exec_driver_sql(
        "INSERT INTO workspaces (id, slug, name, created_at) "
        "VALUES (1, 'w', 'W', '2024-03-01 12:00:00')"
    )
    doc_sql = "CAST(:doc AS jsonb)" if conn.dialect.name == "postgresql" else ":doc"
    insert = sa.text(
        "INSERT INTO mentions (id, workspace_id, platform, native_id, text, "
        "collected_at, posted_at, raw, raw_kind, enrichments, search_text) "
        f"VALUES (:id, 1, 'rss', :native, 't', :at, :at, '{{}}', 'rss', {doc_sql}, 't')"
    )
    for i, (native, doc) in enumerate(docs.items()):
        when = at + timedelta(minutes=i * minutes_step)
        conn.execute(insert, {"id": 1 + i * id_step, "native": native, "doc": doc, "at": when})


def add_draft_post(engine: sa.Engine) -> int:
    """A workspace 'acme' with one draft post 'Hallo' (raw SQL: any revision since 0010);
    the workspace id."""
    with engine.begin() as conn:
        ws = add_workspace(conn)
        conn.execute(
            sa.text(
                "INSERT INTO posts (workspace_id, text, variants, status, timezone, version,"
                " created_at, updated_at) VALUES (:ws, 'Hallo', '{}', 'draft', 'UTC', 1,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"ws": ws},
        )
    return ws
