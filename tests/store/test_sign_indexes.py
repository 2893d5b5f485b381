"""The partial indexes of mentions holding a hashtag or handle sign (migration 0017,
PostgreSQL only): the condition the store builds for the signs is the one the planner can
prove, so a window of keys reads the index alone; and hashtag searches find the same."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from resonanz.models import Workspace
from resonanz.query.fts import MARKERS
from resonanz.search import parse_query, search_mentions
from resonanz.store import SqlStore
from resonanz.store.engine import create_engine, normalise_url
from resonanz.store.reads import _contains_any
from resonanz.store.schema import mentions
from tests.store.conftest import MakeMention, run_alembic

TEXTS = {
    "1": "#DB wieder zu spät",
    "2": "db ohne Zeichen",
    "3": "＃db voll",
    "4": "@db_bahn antwortet",
    "5": "Titel frei",
    "6": "Fahrt mit #db",
}


@pytest.mark.parametrize(("sign", "index"), [("#", "hash_sign"), ("@", "at_sign")])
def test_keys_of_a_sign_come_from_its_index(
    store: SqlStore, ws: Workspace, make_mention: MakeMention, sign: str, index: str
) -> None:
    store.save_batch(ws.id, [make_mention(n, text=t) for n, t in TEXTS.items()])
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the partial indexes are PostgreSQL's (SQLite reads its FTS5 table)")
    keys = (
        sa.select(mentions.c.posted_at, mentions.c.id)
        .where(mentions.c.workspace_id == ws.id, _contains_any(MARKERS[sign]))
        .order_by(mentions.c.posted_at.desc(), mentions.c.id.desc())
        .limit(10)
    )
    with store.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        sql = keys.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        found = conn.execute(keys).all()
    assert f"Index Only Scan Backward using ix_mentions_ws_{index}" in plan
    wanted = {"#": {"1", "3", "6"}, "@": {"4"}}[sign]
    by_id = {m.id: m.native_id for m in store.iter_mentions(ws.id)}
    assert {by_id[row.id] for row in found} == wanted


def test_hashtag_search_reads_the_signs(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    store.save_batch(ws.id, [make_mention(n, text=t) for n, t in TEXTS.items()])
    # The query language reads "＃db" as no hashtag (query.text.hashtags): 3 is not a hit.
    hits = search_mentions(store, ws.id, parse_query("#db"), chunk_size=1)
    assert sorted(h.mention.native_id for h in hits) == ["1", "6"]
    hits = search_mentions(store, ws.id, parse_query("@db_bahn OR #nichts"), chunk_size=1)
    assert [h.mention.native_id for h in hits] == ["4"]


def test_migration_0017_up_down_up(store_url: str) -> None:
    postgres = store_url.startswith("postgresql")
    names = {"ix_mentions_ws_hash_sign", "ix_mentions_ws_at_sign"}

    def indexes() -> set[str]:
        engine = create_engine(normalise_url(store_url))
        try:
            return {ix["name"] for ix in sa.inspect(engine).get_indexes("mentions")}
        finally:
            engine.dispose()

    run_alembic(store_url, "upgrade", "0017")
    assert (names <= indexes()) is postgres
    run_alembic(store_url, "downgrade", "0016")
    assert not names & indexes()
    run_alembic(store_url, "upgrade", "0017")
    assert (names <= indexes()) is postgres
