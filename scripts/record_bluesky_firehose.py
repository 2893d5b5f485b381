"""Record real firehose frames from a local PDS into resonanz/data/bench/bluesky-firehose.bin.

Needs the PDS peer (scripts/install_pds_peer.sh). Accounts post the bundled sample texts
(with hashtag, link and mention facets, replies and quotes) and like, repost, follow and
delete as people do; every frame of ``com.atproto.sync.subscribeRepos`` is then read from
seq 0 and written as a 4-byte big-endian length and the frame's bytes, as received.
Usage: .venv/bin/python scripts/record_bluesky_firehose.py [--posts 60]
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
from pathlib import Path
from typing import Any

from atproto import client_utils
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sources"))

from pds_peer import PdsPeer, peer_missing, start_pds  # noqa: E402

from resonanz.demo import sample_texts  # noqa: E402

OUT = ROOT / "resonanz" / "data" / "bench" / "bluesky-firehose.bin"
USERS = ("anna", "ben", "cem", "dora", "emil", "fiona")


def _create(peer: PdsPeer, who: str, collection: str, record: dict[str, Any]) -> dict[str, str]:
    made = peer.account(who).com.atproto.repo.create_record(
        {"repo": peer.dids[who], "collection": collection, "record": record}
    )
    return {"uri": str(made.uri), "cid": str(made.cid)}


def _text(rng: random.Random, body: str, peer: PdsPeer) -> client_utils.TextBuilder:
    builder = client_utils.TextBuilder().text(body[:200].strip() + " ")
    roll = rng.random()
    if roll < 0.3:
        builder.tag("#bahn", "bahn")
    elif roll < 0.5:
        builder.link("bahn.de/angebot...", "https://www.bahn.de/angebot/sparpreis")
    elif roll < 0.6:
        other = rng.choice(USERS)
        builder.mention(f"@{other}.test", peer.dids[other])
    return builder


def record(posts: int, seed: int = 0) -> bytes:
    """Run the scripted activity on a fresh PDS and return the recorded frames."""
    rng = random.Random(seed)
    texts = sample_texts()
    peer = start_pds()
    try:
        for name in USERS:
            peer.account(name)
        made: list[dict[str, str]] = []
        when = "2026-03-01T09:30:00.000Z"
        for number in range(posts):
            who = rng.choice(USERS)
            builder = _text(rng, rng.choice(texts), peer)
            facets = [
                f.model_dump(by_alias=True, exclude_none=True) for f in builder.build_facets()
            ]
            post: dict[str, Any] = {
                "$type": "app.bsky.feed.post",
                "text": builder.build_text(),
                "createdAt": when,
                "langs": ["de"],
                "facets": facets,
            }
            if made and number % 5 == 1:
                parent = rng.choice(made)
                post["reply"] = {"root": parent, "parent": parent}
            elif made and number % 7 == 3:
                post["embed"] = {"$type": "app.bsky.embed.record", "record": rng.choice(made)}
            made.append(_create(peer, who, "app.bsky.feed.post", post))
            for _ in range(2):
                subject = rng.choice(made)
                kind = rng.choice(("app.bsky.feed.like", "app.bsky.feed.like", "repost"))
                collection = "app.bsky.feed.repost" if kind == "repost" else kind
                _create(
                    peer,
                    rng.choice(USERS),
                    collection,
                    {"$type": collection, "subject": subject, "createdAt": when},
                )
            if number % 10 == 0:
                who, other = rng.sample(USERS, 2)
                _create(
                    peer,
                    who,
                    "app.bsky.graph.follow",
                    {
                        "$type": "app.bsky.graph.follow",
                        "subject": peer.dids[other],
                        "createdAt": when,
                    },
                )
            if number % 25 == 24:
                victim = made.pop(rng.randrange(len(made)))
                owner = next(
                    n for n, d in peer.dids.items() if victim["uri"].startswith(f"at://{d}/")
                )
                peer.account(owner).delete_post(victim["uri"])
        frames: list[bytes] = []
        url = f"{peer.firehose_url}/xrpc/com.atproto.sync.subscribeRepos?cursor=0"
        with connect(url, max_size=None) as stream:
            while True:
                try:
                    message = stream.recv(timeout=2)
                except TimeoutError:
                    break
                assert isinstance(message, bytes)
                frames.append(message)
    finally:
        peer.stop()
    return b"".join(struct.pack(">I", len(f)) + f for f in frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=60)
    args = parser.parse_args()
    missing = peer_missing()
    if missing:
        raise SystemExit(missing)
    data = record(args.posts)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
