"""Migration 0018 (the approval e-mail outbox, the chosen publishing events) goes up,
down and up again on SQLite and PostgreSQL: the notification settings are kept (their
events NULL: the default ones), an e-mail is unique per decision and recipient."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from resonanz.store.engine import create_engine, normalise_url
from tests.migration_steps import run_alembic

MAIL = (
    "INSERT INTO approval_mails (workspace_id, decision_id, user_id, kind, subject, body,"
    " status, attempts, next_attempt_at, created_at) VALUES (:ws, :d, :u, 'approved', 's',"
    " 'b', 'pending', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def _insert(conn: sa.Connection, sql: str, **values: object) -> int:
    return int(conn.execute(sa.text(sql + " RETURNING id"), values).scalar_one())


def test_migration_0018_up_down_up(store_url: str) -> None:
    assert "approval_mails" not in run_alembic(store_url, "upgrade", "0017")
    engine = create_engine(normalise_url(store_url))
    try:
        with engine.begin() as conn:
            ws = _insert(
                conn,
                "INSERT INTO workspaces (slug, name, created_at) "
                "VALUES ('acme', 'ACME', CURRENT_TIMESTAMP)",
            )
            conn.execute(
                sa.text(
                    "INSERT INTO publish_notify (workspace_id, channels, lang, since)"
                    " VALUES (:ws, '[]', 'de', CURRENT_TIMESTAMP)"
                ),
                {"ws": ws},
            )
            user = _insert(
                conn,
                "INSERT INTO users (email, name, password_hash, is_admin, session_version,"
                " created_at) VALUES ('ed@acme.test', 'Ed', 'x', false, 1, CURRENT_TIMESTAMP)",
            )
            post = _insert(
                conn,
                "INSERT INTO posts (workspace_id, text, variants, status, timezone, version,"
                " created_at, updated_at) VALUES (:ws, 'Hallo', '{}', 'draft', 'UTC', 1,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                ws=ws,
            )
            decision = _insert(
                conn,
                "INSERT INTO post_approvals (workspace_id, post_id, round, user_id, decision,"
                " version, created_at) VALUES (:ws, :p, 1, :u, 'submitted', 1, CURRENT_TIMESTAMP)",
                ws=ws,
                p=post,
                u=user,
            )
        assert "approval_mails" in run_alembic(store_url, "upgrade", "0018")
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT events FROM publish_notify")).scalar() is None
            conn.execute(sa.text(MAIL), {"ws": ws, "d": decision, "u": user})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(sa.text(MAIL), {"ws": ws, "d": decision, "u": user})
        assert "approval_mails" not in run_alembic(store_url, "downgrade", "0017")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT lang FROM publish_notify")).scalar() == "de"
        assert "approval_mails" in run_alembic(store_url, "upgrade", "0018")
    finally:
        engine.dispose()
