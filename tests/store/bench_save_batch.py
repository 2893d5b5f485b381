"""Measure save_batch throughput: python tests/store/bench_save_batch.py [URL] [N].

Not a test (pytest does not collect it). Uses a fresh workspace and deletes it afterwards;
without URL it writes to a temporary SQLite file.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from resonanz.models import Author, Engagement, Mention, TopicMatch
from resonanz.store import open_store

BATCH = 500
VOCABULARY = [
    *("der", "die", "das", "flixbus", "bahn", "öpnv", "zug", "verspätung", "heute", "morgen"),
    *("super", "schlecht", "gut", "danke", "berlin", "münchen", "hamburg", "the", "and", "or"),
    *("not", "near", "fahrt", "ticket", "preis"),
]


def _mentions(n: int, topic_id: int) -> list[Mention]:
    rng = random.Random(1)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        text = " ".join(rng.choice(VOCABULARY) for _ in range(30))
        out.append(
            Mention(
                platform="bluesky",
                native_id=f"at://did:plc:{i}",
                text=text,
                collected_at=base + timedelta(seconds=i),
                created_at=base + timedelta(seconds=i),
                url=f"https://bsky.app/p/{i}",
                author=Author("bluesky", f"user{i % 3000}", f"User {i % 3000}", i % 1000),
                lang="de",
                lang_score=0.9,
                reply_to=f"at://did:plc:{i - 1}" if i % 10 == 0 else None,
                engagement=Engagement(likes=i % 50, reposts=1, replies=2, quotes=0),
                raw={
                    "uri": f"at://did:plc:{i}",
                    "record": {"text": text, "createdAt": "2024-01-01T00:00:00Z", "langs": ["de"]},
                    "likeCount": i % 50,
                    "author": {"handle": f"user{i % 3000}", "displayName": "User"},
                },
                raw_kind="bluesky",
                enrichments={"sentiment": {"label": "neg", "score": -0.4}},
                matches=(TopicMatch(topic_id, ("flixbus",)),) if i % 2 else (),
            )
        )
    return out


def main() -> None:
    """Run the measurement and print mentions per second."""
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    with open_store(url) as store:
        ws = store.create_workspace(f"bench-{random.randrange(10**9)}", "Benchmark")
        topic = store.add_topic(ws.id, "Flixbus", "flixbus", "brand")
        source = store.add_source(ws.id, "bluesky", "bsky", {})
        mentions = _mentions(n, topic.id)
        for label in ("new mentions", "re-saved (all updates)"):
            start = time.perf_counter()
            for k in range(0, n, BATCH):
                store.save_batch(
                    ws.id, mentions[k : k + BATCH], source_id=source.id, cursor={"k": k}
                )
            print(f"{label}: {n / (time.perf_counter() - start):,.0f}/s")
        start = time.perf_counter()
        count = sum(1 for _ in store.iter_mentions(ws.id))
        print(f"iter_mentions: {count / (time.perf_counter() - start):,.0f}/s")
        store.delete_workspace(ws.slug)


if __name__ == "__main__":
    main()
