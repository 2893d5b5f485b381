"""Top terms: content words and hashtags, once per mention, newest mentions only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resonanz.analytics.terms import top_terms
from resonanz.models import TopicMatch, Workspace
from resonanz.store import MentionFilter, SqlStore
from tests.store.conftest import T0


def test_terms_and_hashtags_once_per_mention(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    store.save_batch(
        ws.id,
        [
            make_mention("1", text="Der Zug Zug Zug ist spät #Bahn", title="Verspätung"),
            make_mention("2", text="Zug fällt aus, die Bahn schweigt #bahn #Streik"),
            make_mention("3", text="und der und die 2024 ab"),
        ],
    )
    terms = dict(top_terms(store, ws.id, limit=20))
    assert terms["zug"] == 2  # three times in one post counts once
    assert terms["#bahn"] == 2 and terms["#streik"] == 1
    assert terms["verspaetung"] == 1  # the title counts, folded like queries
    assert "und" not in terms and "der" not in terms and "2024" not in terms and "ab" not in terms


def test_only_the_newest_sample_in_the_filter(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    store.save_batch(
        ws.id,
        [make_mention(str(i), text="altes thema" if i < 5 else "neues thema") for i in range(10)],
    )
    newest = dict(top_terms(store, ws.id, sample=5))
    assert newest == {"neues": 5, "thema": 5}
    early = MentionFilter(until=T0 + timedelta(minutes=5))
    assert dict(top_terms(store, ws.id, early)) == {"altes": 5, "thema": 5}


def test_newest_sample_of_a_topic_in_a_range(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    flix = store.get_topic(ws.id, "Flixbus").id
    texts = {0: "alter bus", 2: "neuer bus", 3: "fremde bahn", 4: "neuester bus", 6: "spaeter bus"}
    store.save_batch(
        ws.id,
        [
            make_mention(
                str(i), text=text, matches=(TopicMatch(flix, ("bus",)),) if "bus" in text else ()
            )
            for i, text in texts.items()
        ],
    )
    # Mentions 2 and 4 are the topic's newest two before minute 5; 3 is not the topic's.
    flt = MentionFilter(
        topic_id=flix, since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=5)
    )
    assert dict(top_terms(store, ws.id, flt, sample=2)) == {"bus": 2, "neuer": 1, "neuester": 1}
    assert dict(top_terms(store, ws.id, flt, sample=1)) == {"bus": 1, "neuester": 1}
