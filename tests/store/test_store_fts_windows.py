"""Full-text searches in time order: every plan gives the same mentions (both backends).

Forced plans (the match's own list sorted, the index scanned against the match's ids,
FTS5 probes in windows) with tiny windows and probe budgets make every path run on a
small corpus: a common word found in the first windows, a rarer one that falls back
part-way, ties in the posting time, filters beside the search, and keyset positions.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from resonanz.models import Mention, Workspace
from resonanz.store import MentionFilter, SqlStore, reads
from tests.store.conftest import T0, MakeMention

N = 120
# (_SMALL_DF, _DF_CAP): the match's list; the index against its ids; probes, then the ids
PLANS = {"list": (10**9, 10**9), "scan": (-1, 10**9), "probe": (-1, 0)}


def _text(i: int) -> str:
    words = ["post"]
    if i % 2 == 0:
        words.append("common")
    if i % 17 == 3:
        words.append("rare")
    if i % 5 == 1:
        words.append("mid")
    return " ".join(words)


@pytest.fixture
def corpus(store: SqlStore, ws: Workspace, make_mention: MakeMention) -> list[Mention]:
    # Ids are not in time order, and every third pair shares its posting time.
    order = [(i * 37) % N for i in range(N)]
    batch = [
        make_mention(
            str(i),
            text=_text(i),
            created_at=T0 + timedelta(minutes=i - i % 3 // 2),
            platform="bluesky" if i % 3 else "mastodon",
        )
        for i in order
    ]
    store.save_batch(ws.id, batch)
    return list(store.iter_mentions(ws.id, chunk_size=N))


def _expected(
    every: list[Mention], word: str, newest_first: bool, platform: str | None = None
) -> list[str]:
    ordered = every if newest_first else every[::-1]
    return [
        m.native_id
        for m in ordered
        if word in m.text.split() and (platform is None or m.platform == platform)
    ]


@pytest.fixture(params=sorted(PLANS))
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    small, cap = PLANS[request.param]
    monkeypatch.setattr(reads, "_SMALL_DF", small)
    monkeypatch.setattr(reads, "_DF_CAP", cap)
    return str(request.param)


@pytest.mark.parametrize("word", ["common", "mid", "rare", "absent"])
@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("chunk_size", [1, 7, 50])
def test_windows_and_lists_give_the_same_order(
    store: SqlStore,
    ws: Workspace,
    corpus: list[Mention],
    monkeypatch: pytest.MonkeyPatch,
    plan: str,
    word: str,
    newest_first: bool,
    chunk_size: int,
) -> None:
    monkeypatch.setattr(reads, "_FIRST_WINDOW", 3)
    monkeypatch.setattr(reads, "_MAX_WINDOW", 8)
    monkeypatch.setattr(reads, "_PROBE_BUDGET", 20)
    flt = MentionFilter(fts=("term", word, False))
    got = store.iter_mentions(ws.id, flt, newest_first=newest_first, chunk_size=chunk_size)
    assert [m.native_id for m in got] == _expected(corpus, word, newest_first)
    flt = MentionFilter(fts=("term", word, False), platform="mastodon")
    got = store.iter_mentions(ws.id, flt, newest_first=newest_first, chunk_size=chunk_size)
    assert [m.native_id for m in got] == _expected(corpus, word, newest_first, "mastodon")


@pytest.mark.parametrize("budget", [0, 10**6])
def test_after_a_position_with_tied_times(
    store: SqlStore,
    ws: Workspace,
    corpus: list[Mention],
    monkeypatch: pytest.MonkeyPatch,
    plan: str,
    budget: int,
) -> None:
    monkeypatch.setattr(reads, "_FIRST_WINDOW", 2)
    monkeypatch.setattr(reads, "_PROBE_BUDGET", budget)
    expected = _expected(corpus, "common", True)
    by_id = {m.native_id: m for m in corpus}
    for cut in (0, 1, 5, len(expected) - 2):
        at = by_id[expected[cut]]
        assert at.id is not None and at.created_at is not None
        flt = MentionFilter(fts=("term", "common", False))
        rest = store.iter_mentions(ws.id, flt, after=(at.created_at, at.id), chunk_size=3)
        assert [m.native_id for m in rest] == expected[cut + 1 :]
