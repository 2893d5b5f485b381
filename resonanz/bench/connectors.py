"""Benchmark: the Bluesky firehose consumer on a replayed real stream, on one core.

The stream is ``data/bench/bluesky-firehose.bin``: frames recorded from a local PDS
(``scripts/record_bluesky_firehose.py``; posts, replies, quotes, likes, reposts, follows,
deletions, identity events), each a 4-byte big-endian length and the frame as sent. The
replay runs every frame through what a listening run does to it: decode (CBOR header and
body, CAR blocks of post creations), the raw item, the normaliser and the topic matcher
with the demo's topics. Events/s is over the whole replay; RSS growth is the resident
memory at the end minus after the first pass (warm caches), in MB.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from resonanz.demo import DEMO_TOPICS
from resonanz.errors import ParseError
from resonanz.models import RawItem
from resonanz.pipeline import document_of
from resonanz.query import Matcher
from resonanz.sources.bluesky.frames import FrameError, decode_frame
from resonanz.sources.bluesky.normalise import COMMIT_KIND, normalise_commit
from resonanz.sources.bluesky.stream import HandleCache

__all__ = ["bench_connectors", "read_frames"]

Progress = Callable[[str, int, int], None]
# Queries beside the demo's, shaped like what brands watch (names, hashtags, phrases).
_EXTRA_QUERIES = (
    '"deutsche bahn" AND (streik OR warnstreik)',
    "#bahnchaos OR #bahnstreik OR #9euroticket OR #deutschlandticket",
    "flixbus OR flixtrain OR blablacar",
    'lufthansa OR eurowings OR "condor"',
    "(ice OR ic OR re) NEAR/3 (ausfall OR verspätung)",
    "@db_bahn OR @db_info OR @flixbus",
    'site:bahn.de OR "bahn.de"',
    "klimaticket OR interrail OR eurail",
)


def _frames_path() -> Path:
    return Path(str(files("resonanz") / "data" / "bench" / "bluesky-firehose.bin"))


def read_frames(path: Path | None = None) -> list[bytes]:
    """The recorded frames, in order."""
    data = (path or _frames_path()).read_bytes()
    frames: list[bytes] = []
    offset = 0
    while offset + 4 <= len(data):
        (size,) = struct.unpack_from(">I", data, offset)
        frames.append(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return frames


def _rss_mb() -> float:
    """Resident memory now (not the peak), in MB."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _events(frames: list[bytes], limit: int, deadline: float | None) -> Iterator[bytes]:
    count = 0
    while True:
        for frame in frames:
            if count >= limit and deadline is None:
                return
            if deadline is not None and count % 256 == 0 and time.perf_counter() >= deadline:
                return
            count += 1
            yield frame


def bench_connectors(
    *,
    events: int = 100_000,
    minutes: float | None = None,
    path: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Replay ``events`` frames (or for ``minutes``) through decode, normalise and match."""
    frames = read_frames(path)
    if not frames:
        raise ParseError("the recorded stream holds no frames", where=str(path or _frames_path()))
    queries = [t.query for t in DEMO_TOPICS] + list(_EXTRA_QUERIES)
    matcher = Matcher.from_queries(enumerate(queries, start=1))
    handles = HandleCache()
    counts = {"events": 0, "posts": 0, "matched": 0, "skipped": 0, "ignored": 0}
    deadline = time.perf_counter() + minutes * 60 if minutes else None
    total = events if deadline is None else 0
    baseline: float | None = None
    rss_start = _rss_mb()
    started = time.perf_counter()
    fetched = datetime.now(UTC)
    for frame in _events(frames, events, deadline):
        counts["events"] += 1
        try:
            event = decode_frame(frame)
        except ValueError:
            counts["skipped"] += 1
            continue
        if isinstance(event, FrameError):
            counts["skipped"] += 1
            continue
        if event.did and event.kind == "#identity":
            handles.put(event.did, event.handle)
        counts["ignored"] += event.ignored
        counts["skipped"] += len(event.skipped)
        for post in event.posts:
            handle = handles.get(post["did"])
            item = RawItem(
                kind=COMMIT_KIND,
                payload=post,
                fetched_at=fetched,
                origin=post["did"],
                context={"handle": handle} if handle else {},
            )
            try:
                mention = normalise_commit(item)
            except ParseError:
                counts["skipped"] += 1
                continue
            counts["posts"] += 1
            if matcher.match(document_of(mention)):
                counts["matched"] += 1
        if counts["events"] == len(frames):
            baseline = _rss_mb()
        if progress is not None and counts["events"] % 5000 == 0:
            progress("replaying the firehose", counts["events"], total)
    elapsed = time.perf_counter() - started
    rss_end = _rss_mb()
    return {
        "stream_frames": len(frames),
        **counts,
        "seconds": round(elapsed, 3),
        "events_per_s": round(counts["events"] / elapsed, 1) if elapsed > 0 else 0.0,
        "posts_per_s": round(counts["posts"] / elapsed, 1) if elapsed > 0 else 0.0,
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_growth_mb": round(rss_end - (baseline if baseline is not None else rss_start), 2),
        "queries": len(queries),
    }
