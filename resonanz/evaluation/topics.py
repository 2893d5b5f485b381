"""`resonanz eval topics`: the topic clusterer against CrisisLex crisis events (NMI, ARI).

CrisisLex T26 (``<root>/<event>/<event>-tweets_labeled.csv``: tweet id, text, information
source, information type, informativeness) has about 1,000 crowd-labelled tweets for each
of 26 crises; CrisisLex T6 (``<event>-ontopic_offtopic.csv``: tweet id, text, label) about
10,000 for each of 6. Each event is one gold topic. The labelled tweets of all events
become one stream (posting-time order, from the tweet ids, or shuffled with the seed), fed
to a fresh ``Clusterer`` with the shipped defaults in batches, as a worker would. A
shuffled stream goes in without post times (it has no clock to close silent topics by).

The stream carries the off-topic tweets too ("Not related", "Not applicable", "off-topic":
a real stream has them), but ``nmi``/``ari`` score the on-topic ones only: an off-topic
tweet belongs to no event, so no cluster is right or wrong for it. ``nmi_all``/``ari_all``
score every tweet as if it belonged to its event. A tweet without usable terms is a
cluster of its own.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from resonanz.analysis.clusters import Clusterer, ClusterItem, ClusterParams
from resonanz.errors import ParseError, ValidationError
from resonanz.sources.filerows import csv_records

__all__ = ["LabelledPost", "adjusted_rand_index", "evaluate_topics", "load_crisislex", "nmi"]

Progress = Callable[[str, int, int], None]
ORDERS: tuple[str, ...] = ("time", "shuffled")


@dataclass(frozen=True)
class _Format:
    name: str
    suffix: str
    fields: int
    labels: dict[str, bool]  # label -> on topic


_FORMATS = (
    _Format(
        "crisislex-t26",
        "-tweets_labeled.csv",
        5,
        {
            "Related and informative": True,
            "Related - but not informative": True,
            "Not related": False,
            "Not applicable": False,
        },
    ),
    _Format("crisislex-t6", "-ontopic_offtopic.csv", 3, {"on-topic": True, "off-topic": False}),
)
_SHOWN_PROBLEMS = 5
# Twitter ids since November 2010 carry their posting time (ms) above bit 22.
_SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
_FIRST_SNOWFLAKE = 1 << 40


@dataclass(frozen=True)
class LabelledPost:
    """One labelled tweet: its event (the gold topic) and whether it is on topic."""

    id: str
    text: str
    event: str
    on_topic: bool
    time: datetime | None
    where: str


def _posting_time(tweet_id: int) -> datetime | None:
    if tweet_id < _FIRST_SNOWFLAKE:
        return None
    try:
        return datetime.fromtimestamp(((tweet_id >> 22) + _SNOWFLAKE_EPOCH_MS) / 1000, UTC)
    except (ValueError, OverflowError, OSError):  # an id from no real tweet: no time
        return None


def _read_event(file: Path, fmt: _Format, posts: list[LabelledPost], problems: list[str]) -> int:
    """Append the file's tweets to ``posts``; return the number of problems found."""
    found = 0
    allowed = ", ".join(fmt.labels)
    with file.open("rb") as handle:
        records = csv_records(handle, offset=0, line=0, delimiter=",", fields=(fmt.fields,) * 2)
        for index, record in enumerate(records):
            problem = record.problem
            row: list[str] = [] if problem else record.value
            tweet_id = row[0].strip().strip("'\"") if row else ""
            if not problem and index == 0:
                if tweet_id.lower() == "tweet id":
                    continue
                problem = "expected the header row (Tweet ID, ...)"
            elif not problem and not tweet_id.isdigit():
                problem = f"tweet id {tweet_id[:40]!r} is not a number"
            elif not problem and row[-1].strip() not in fmt.labels:
                problem = f"unknown label {row[-1].strip()[:60]!r} (allowed: {allowed})"
            if problem:
                found += 1
                if len(problems) < _SHOWN_PROBLEMS:
                    problems.append(f"{file.name}:{record.number}: {problem}")
                continue
            posts.append(
                LabelledPost(
                    id=tweet_id,
                    text=row[1],
                    event=file.parent.name,
                    on_topic=fmt.labels[row[-1].strip()],
                    time=_posting_time(int(tweet_id)),
                    where=f"{file}:{record.number}",
                )
            )
    return found


def load_crisislex(path: Path | str) -> tuple[list[LabelledPost], str]:
    """All labelled tweets under a CrisisLex T26 or T6 folder, and the format's name.

    ValidationError for a missing folder or fewer than two events; ParseError naming
    file:line for rows that are not CrisisLex rows.
    """
    root = Path(path)
    if not root.exists():
        raise ValidationError(f"{root}: no such folder")
    if not root.is_dir():
        raise ValidationError(f"{root} is not a folder (give the folder of the event folders)")
    for fmt in _FORMATS:
        files = sorted(root.glob(f"*/*{fmt.suffix}"))
        if files:
            break
    else:
        raise ParseError(
            "no CrisisLex event files here (expected <event>/<event>-tweets_labeled.csv "
            "for T26 or <event>/<event>-ontopic_offtopic.csv for T6)",
            where=str(root),
        )
    posts: list[LabelledPost] = []
    problems: list[str] = []
    count = sum(_read_event(file, fmt, posts, problems) for file in files)
    if count:
        more = f"; … and {count - len(problems)} more" if count > len(problems) else ""
        raise ParseError(
            f"{count} bad row(s) in {fmt.name} files: {'; '.join(problems)}{more}",
            where=str(root),
        )
    events = {p.event for p in posts}
    if len(events) < 2:
        raise ValidationError(
            f"{root}: topic clustering needs labelled tweets of two events or more, "
            f"found {len(events)}"
        )
    return posts, fmt.name


# -- partition agreement ----------------------------------------------------------------


def _entropy(counts: Sequence[int], n: int) -> float:
    return -sum(c / n * math.log(c / n) for c in counts if c)


def nmi(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Normalised mutual information, arithmetic mean (scikit-learn's default)."""
    if len(gold) != len(predicted):
        raise ValidationError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    n = len(gold)
    classes, clusters = Counter(gold), Counter(predicted)
    if len(classes) == len(clusters) <= 1:
        return 1.0
    joint = Counter(zip(gold, predicted, strict=True))
    mutual = sum(
        c / n * math.log(c * n / (classes[g] * clusters[p])) for (g, p), c in joint.items()
    )
    if mutual <= 0:
        return 0.0
    mean = (_entropy(list(classes.values()), n) + _entropy(list(clusters.values()), n)) / 2
    return mutual / mean


def adjusted_rand_index(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Adjusted Rand index (Hubert and Arabie), as scikit-learn computes it."""
    if len(gold) != len(predicted):
        raise ValidationError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    n = len(gold)
    classes, clusters = Counter(gold), Counter(predicted)
    # Pair counts in exact integers: both in one cluster and one class, and so on.
    together = sum(c * c for c in Counter(zip(gold, predicted, strict=True)).values()) - n
    same_class = sum(c * c for c in classes.values()) - n
    same_cluster = sum(c * c for c in clusters.values()) - n
    both_apart = n * n - same_class - same_cluster + together - n
    only_cluster, only_class = same_cluster - together, same_class - together
    if only_class == only_cluster == 0:  # the same partition (or no data)
        return 1.0
    numerator = 2 * (together * both_apart - only_class * only_cluster)
    denominator = (together + only_class) * (only_class + both_apart) + (
        together + only_cluster
    ) * (only_cluster + both_apart)
    return numerator / denominator


# -- the run ------------------------------------------------------------------------------


def _stream(
    posts: list[LabelledPost], *, order: str, limit: int | None, seed: int
) -> list[LabelledPost]:
    rng = random.Random(seed)
    chosen = list(posts)
    if limit is not None and limit < len(chosen):
        chosen = rng.sample(chosen, limit)
    if order == "shuffled":
        rng.shuffle(chosen)
    else:
        oldest = datetime.min.replace(tzinfo=UTC)
        chosen.sort(key=lambda p: (p.time or oldest, p.event, p.id))
    return chosen


def evaluate_topics(
    path: Path | str,
    *,
    limit: int | None = None,
    seed: int = 0,
    order: str = "time",
    batch_size: int = 500,
    params: ClusterParams | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Cluster the CrisisLex tweets under ``path`` as a stream; NMI/ARI against the events.

    ``limit`` samples that many tweets (with ``seed``) from all events; ``order`` is "time"
    (posting time) or "shuffled" (with ``seed``). Returns one JSON-ready report.
    """
    if limit is not None and limit < 2:
        raise ValidationError("--limit must be at least 2")
    if order not in ORDERS:
        raise ValidationError(f"unknown order {order!r}; known: {', '.join(ORDERS)}")
    if batch_size < 1:
        raise ValidationError("--batch-size must be at least 1")
    posts, fmt = load_crisislex(path)
    stream = _stream(posts, order=order, limit=limit, seed=seed)
    clusterer = Clusterer(params)
    # A shuffled stream has no clock: its posts go in without their times.
    items = [ClusterItem(p.id, p.text, None, p.time if order == "time" else None) for p in stream]
    assigned: list[int | None] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for start in range(0, len(items), batch_size):
        assigned += [a.cluster_id for a in clusterer.add(items[start : start + batch_size])]
        if progress:
            progress("clustering", min(start + batch_size, len(items)), len(items))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    # Ids from early batches may have been merged away since; alone: -1 - position.
    final = [-1 - i if c is None else clusterer.resolve(c) for i, c in enumerate(assigned)]
    on = [i for i, p in enumerate(stream) if p.on_topic]
    if len({stream[i].event for i in on}) < 2:
        raise ValidationError(f"{path}: fewer than two events have on-topic tweets")
    gold, predicted = [stream[i].event for i in on], [final[i] for i in on]
    sizes = Counter(predicted)
    return {
        "dataset": str(path),
        "format": fmt,
        "order": order,
        "seed": seed,
        "batch_size": batch_size,
        "n": len(on),
        "n_stream": len(stream),
        "events": len(set(gold)),
        "nmi": nmi(gold, predicted),
        "ari": adjusted_rand_index(gold, predicted),
        "nmi_all": nmi([p.event for p in stream], final),
        "ari_all": adjusted_rand_index([p.event for p in stream], final),
        "clusters": len(sizes),
        "clusters_5plus": sum(1 for size in sizes.values() if size >= 5),
        "unclustered": sum(1 for c in assigned if c is None),
        "posts_per_s": len(items) / seconds if seconds > 0 else 0.0,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "largest": _largest(clusterer, stream, final),
        "params": asdict(clusterer.params),
    }


def _largest(
    clusterer: Clusterer, stream: list[LabelledPost], final: list[int], top: int = 10
) -> list[dict[str, Any]]:
    """The largest clusters: label, size and the event most of their tweets belong to."""
    events: dict[int, Counter[str]] = {}
    for post, cluster_id in zip(stream, final, strict=True):
        events.setdefault(cluster_id, Counter())[post.event] += 1
    out = []
    for cluster in clusterer.clusters()[:top]:
        event, count = events.get(cluster.id, Counter({"": 0})).most_common(1)[0]
        out.append(
            {
                "label": cluster.label,
                "size": cluster.size,
                "event": event,
                "event_share": count / cluster.size if cluster.size else 0.0,
            }
        )
    return out
