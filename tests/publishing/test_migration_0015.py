"""Migration 0015 (publishing events in the alert delivery queue, publish_notify) goes
up, down and up again on SQLite and PostgreSQL: alert channels are kept, an event's key
is unique per channel, and the event deliveries (which have no incident) are dropped on
the way down."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from resonanz.store.engine import create_engine, normalise_url
from tests.migration_steps import add_workspace, run_alembic

EVENT = (
    "INSERT INTO alert_deliveries (incident_id, channel_id, sequence, status, attempts,"
    " next_attempt_at, message, created_at, event_key) VALUES (NULL, :ch, 0, 'pending', 0,"
    " CURRENT_TIMESTAMP, '{}', CURRENT_TIMESTAMP, 'publishing-delivery-1')"
)


def test_migration_0015_up_down_up(store_url: str) -> None:
    assert "publish_notify" not in run_alembic(store_url, "upgrade", "0014")
    engine = create_engine(normalise_url(store_url))
    try:
        with engine.begin() as conn:
            ws = add_workspace(conn)
            channel = conn.execute(
                sa.text(
                    "INSERT INTO alert_channels (workspace_id, name, kind, config, created_at)"
                    " VALUES (:ws, 'hook', 'webhook', '{}', CURRENT_TIMESTAMP) RETURNING id"
                ),
                {"ws": ws},
            ).scalar_one()
        assert "publish_notify" in run_alembic(store_url, "upgrade", "0015")
        with engine.begin() as conn:
            conn.execute(sa.text(EVENT), {"ch": channel})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(sa.text(EVENT), {"ch": channel})  # the same event for the channel
        assert "publish_notify" not in run_alembic(store_url, "downgrade", "0014")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM alert_deliveries")).scalar() == 0
            assert conn.execute(sa.text("SELECT name FROM alert_channels")).scalar() == "hook"
        assert "publish_notify" in run_alembic(store_url, "upgrade", "0015")
    finally:
        engine.dispose()
