"""Claims on PostgreSQL: a row locked by another transaction is skipped, not waited for
(SKIP LOCKED), and two schedulers claiming at once never get the same delivery."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy.engine import make_url

from resonanz.store import open_store
from resonanz.store.publishing import publishing_store

from .conftest import World


@pytest.fixture
def pg_world(postgres_schema_url: str) -> World:
    store = open_store(postgres_schema_url)
    return World(store, publishing_store(store), store.create_workspace("acme", "ACME"))


def _due(world: World, n: int) -> list[int]:
    channel = world.channel("masto")
    now = datetime.now(UTC)
    for i in range(n):
        post = world.pub.create_post(
            world.workspace.id,
            text=f"Post {i}",
            variants={},
            channels=[channel],
            author_id=None,
            timezone="UTC",
            at=now,
        )
        world.pub.schedule_post(
            world.workspace.id,
            post.id,
            scheduled_at=now - timedelta(seconds=1),
            timezone="UTC",
            local_time=None,
            at=now,
        )
    return [d.id for d in world.pub.deliveries(world.workspace.id)]


def test_a_locked_row_is_skipped_not_waited_for(pg_world: World, postgres_schema_url: str) -> None:
    ids = _due(pg_world, 3)
    url = make_url(postgres_schema_url)
    conninfo = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    schema = url.query["options"].split("=", 1)[1]  # type: ignore[union-attr]
    with psycopg.connect(conninfo) as other:
        other.execute(f'SET search_path TO "{schema}"')
        other.execute("SELECT id FROM post_deliveries WHERE id = %s FOR UPDATE", (ids[0],))
        # Another scheduler holds ids[0] in an open transaction: this claim returns at
        # once with the other two instead of waiting for it.
        claimed = pg_world.pub.claim_due("b", now=datetime.now(UTC), lease_s=60, limit=10)
        assert sorted(d.id for d in claimed) == ids[1:]
        other.rollback()
    assert [d.id for d in pg_world.pub.claim_due("b", now=datetime.now(UTC), lease_s=60)] == [
        ids[0]
    ]
    pg_world.store.close()


def test_concurrent_claimers_never_share_a_row(pg_world: World) -> None:
    ids = _due(pg_world, 60)
    got: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    start = threading.Barrier(3)

    def claim(runner: str) -> None:
        start.wait()
        while True:
            batch = pg_world.pub.claim_due(runner, now=datetime.now(UTC), lease_s=60, limit=4)
            if not batch:
                return
            got[runner].extend(d.id for d in batch)

    threads = [threading.Thread(target=claim, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    claimed = got["a"] + got["b"] + got["c"]
    assert sorted(claimed) == ids  # every row once, none twice
    assert sum(1 for name in got if got[name]) >= 2  # they really ran side by side
    rows = {d.id: d.claimed_by for d in pg_world.pub.deliveries(pg_world.workspace.id)}
    for name, mine in got.items():
        assert all(rows[i] == name for i in mine)
    pg_world.store.close()
