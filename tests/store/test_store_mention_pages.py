"""The author filter and the ``after`` keyset cursor of iter_mentions (both backends)."""

from __future__ import annotations

from datetime import timedelta

from resonanz.models import Workspace
from resonanz.store import MentionFilter, SqlStore
from tests.store.conftest import T0, MakeMention


def _fill(store: SqlStore, ws: Workspace, make_mention: MakeMention) -> None:
    store.save_batch(
        ws.id,
        [make_mention(str(i), handle="Anna" if i % 2 else "bert") for i in range(6)],
    )


def test_author_filter_is_case_insensitive(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    _fill(store, ws, make_mention)
    for handle in ("anna", "@ANNA", " Anna "):
        got = [m.native_id for m in store.iter_mentions(ws.id, MentionFilter(author=handle))]
        assert got == ["5", "3", "1"], handle
    assert store.count_mentions(ws.id, MentionFilter(author="bert")) == 3
    assert store.count_mentions(ws.id, MentionFilter(author="nobody")) == 0


def test_iteration_starts_after_a_keyset_position(
    store: SqlStore, ws: Workspace, make_mention: MakeMention
) -> None:
    _fill(store, ws, make_mention)
    first = list(store.iter_mentions(ws.id, chunk_size=2))
    assert [m.native_id for m in first] == ["5", "4", "3", "2", "1", "0"]
    third = first[2]
    assert third.id is not None
    after = (T0 + timedelta(minutes=3), third.id)
    rest = store.iter_mentions(ws.id, after=after, chunk_size=2)
    assert [m.native_id for m in rest] == ["2", "1", "0"]
    older = store.iter_mentions(ws.id, newest_first=False, after=after)
    assert [m.native_id for m in older] == ["4", "5"]
