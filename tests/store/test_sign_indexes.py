"""The partial indexes of mentions holding a hashtag or handle sign (migrations 0017 for
PostgreSQL, 0019 for SQLite): the condition the store builds for the signs is the one both
planners can prove, so a window of keys reads the index alone; other characters stay
escaped parameters; hashtag searches find the same."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from resonanz.models import Workspace
from resonanz.query.fts import MARKERS
from resonanz.search import parse_query, search_mentions
from resonanz.store import MentionFilter, SqlStore
from resonanz.store.engine import create_engine, normalise_url
from resonanz.store.reads import _contains_any
from resonanz.store.schema import mentions
from tests.migration_steps import run_alembic
from tests.store.conftest import MakeMention

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
    keys = (
        sa.select(mentions.c.posted_at, mentions.c.id)
        .where(mentions.c.workspace_id == ws.id, _contains_any(MARKERS[sign]))
        .order_by(mentions.c.posted_at.desc(), mentions.c.id.desc())
        .limit(10)
    )
    with store.engine.connect() as conn:
        sql = keys.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            used = f"Index Only Scan Backward using ix_mentions_ws_{index}"
        else:
            plan = "\n".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            used = f"INDEX ix_mentions_ws_{index}"  # USING (COVERING) INDEX
        found = conn.execute(keys).all()
    assert used in plan
    wanted = {"#": {"1", "3", "6"}, "@": {"4"}}[sign]
    by_id = {m.id: m.native_id for m in store.iter_mentions(ws.id)}
    assert {by_id[row.id] for row in found} == wanted


def test_other_characters_stay_parameters(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    texts = {"1": "100% sicher", "2": "a_b", "3": "it's", "4": "ohne", "5": "x/y", "6": "a\\b"}
    store.save_batch(ws.id, [make_mention(n, text=t) for n, t in texts.items()])
    for chars, wanted in [
        (("%",), {"1"}),
        (("_",), {"2"}),
        (("'",), {"3"}),
        (("/", "\\"), {"5", "6"}),
    ]:
        got = store.iter_mentions(ws.id, MentionFilter(contains_any=chars))
        assert {m.native_id for m in got} == wanted, chars


def test_hashtag_search_reads_the_signs(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    store.save_batch(ws.id, [make_mention(n, text=t) for n, t in TEXTS.items()])
    # The query language reads "＃db" as no hashtag (query.text.hashtags): 3 is not a hit.
    hits = search_mentions(store, ws.id, parse_query("#db"), chunk_size=1)
    assert sorted(h.mention.native_id for h in hits) == ["1", "6"]
    hits = search_mentions(store, ws.id, parse_query("@db_bahn OR #nichts"), chunk_size=1)
    assert [h.mention.native_id for h in hits] == ["4"]


def test_migrations_0017_and_0019_up_down_up(store_url: str) -> None:
    postgres = store_url.startswith("postgresql")
    names = {"ix_mentions_ws_hash_sign", "ix_mentions_ws_at_sign"}

    def indexes() -> set[str]:
        engine = create_engine(normalise_url(store_url))
        try:
            return {ix["name"] for ix in sa.inspect(engine).get_indexes("mentions")}
        finally:
            engine.dispose()

    run_alembic(store_url, "upgrade", "0019")
    assert names <= indexes()
    run_alembic(store_url, "downgrade", "0018")  # 0019 is SQLite's, 0017 PostgreSQL's
    assert (names <= indexes()) is postgres
    run_alembic(store_url, "downgrade", "0016")
    assert not names & indexes()
    run_alembic(store_url, "upgrade", "0019")
    assert names <= indexes()
