"""Steps of the migration tests: alembic up or down on a test database, and the rows a
migration must keep."""

from __future__ import annotations

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
