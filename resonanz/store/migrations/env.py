"""Alembic environment: runs on the connection resonanz.store.migrate hands over."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "Resonanz migrations run online through resonanz.store.open_store(url) "
        "(or `resonanz init`), not through the alembic command line"
    )

context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
