"""search_mentions sizes its next chunk of candidates by the hits so far until a page is
full, and finds exactly what the query matches, in time order; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

import pytest

from resonanz.models import Mention, Workspace
from resonanz.search import parse_query, search_mentions
from resonanz.store import SqlStore
from tests.store.conftest import MakeMention


def test_a_not_query_reads_what_the_page_needs(
    store: SqlStore, ws: Workspace, make_mention: MakeMention, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = {str(i): "zug verspätung" if i % 3 == 0 else "zug pünktlich" for i in range(60)}
    store.save_batch(ws.id, [make_mention(n, text=t) for n, t in texts.items()])
    asked: list[int] = []
    iter_mentions = store.iter_mentions

    def recording(*args: Any, **kwargs: Any) -> Iterator[Mention]:
        asked.append(kwargs["chunk_size"])
        return iter_mentions(*args, **kwargs)

    monkeypatch.setattr(store, "iter_mentions", recording)
    node = parse_query("zug NOT verspätung")
    wanted = [str(i) for i in range(59, -1, -1) if i % 3]  # newest first
    page = [
        h.mention.native_id for h in islice(search_mentions(store, ws.id, node, chunk_size=10), 10)
    ]
    assert page == wanted[:10]
    # 10 candidates held 7 hits: 3 more need ~5 candidates (at least 16), not 40.
    assert asked == [10, 16]
    asked.clear()
    every = [h.mention.native_id for h in search_mentions(store, ws.id, node, chunk_size=10)]
    assert every == wanted
    assert asked[:2] == [10, 16] and asked[2] == 64
