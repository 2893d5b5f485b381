"""Topic clusters per workspace topic, fed as mentions arrive, and how each cluster grew.

``update_topic_clusters`` loads the topic's stored clusterer (``store.clusters``), feeds it
the topic's mentions not fed yet, oldest id first and at most ``limit`` per call, and saves
the state, the cursor and which cluster each mention joined in one transaction. A crash
before the save changes nothing: the next call feeds the same mentions into the state
saved before (nothing is counted twice). Which cluster each mention joined is kept for
``KEEP`` (8 days) of posting time: the growth the ``cluster_growth`` detector and
``resonanz clusters`` read.

A topic whose query changed keeps its clusters; mentions it matches anew that are older
than the cursor are not fed (``reset_topic_clusters`` starts over).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from resonanz.analysis.clusters import Cluster, Clusterer, ClusterItem
from resonanz.errors import NotFoundError
from resonanz.models import Mention
from resonanz.store import Store

__all__ = [
    "FEED_BATCH",
    "KEEP",
    "ClusterCounts",
    "ClusterSummary",
    "FeedReport",
    "TopicClusters",
    "cluster_counts",
    "cluster_overview",
    "load_topic_clusters",
    "reset_topic_clusters",
    "summary_record",
    "update_topic_clusters",
]

# Mentions fed per call: a few hundred milliseconds of one core (docs/analysis.md).
FEED_BATCH = 5_000
# How long the cluster of each fed mention is kept (the detector's baseline is 7 days).
KEEP = timedelta(days=8)
# Newest fed ids kept as the cursor: a mention committed late is fed while it is among them.
LATE_IDS = 1_000


@dataclass(frozen=True)
class FeedReport:
    """What one update did: mentions fed, whether more wait, mentions fed in all, and the
    clusterer as saved (None when another process saved first)."""

    fed: int
    more: bool
    posts: int
    clusterer: Clusterer | None = None


@dataclass(frozen=True)
class TopicClusters:
    """A topic's clusterer as stored (a fresh one before the first update)."""

    clusterer: Clusterer
    posts: int
    updated_at: datetime | None


def load_topic_clusters(store: Store, workspace_id: int, topic_id: int) -> TopicClusters:
    """The topic's clusterer as last saved."""
    stored = store.clusters.load(workspace_id, topic_id)
    if stored is None:
        return TopicClusters(Clusterer(), 0, None)
    return TopicClusters(Clusterer.from_bytes(stored.state), stored.posts, stored.updated_at)


def update_topic_clusters(
    store: Store, workspace_id: int, topic_id: int, now: datetime, *, limit: int = FEED_BATCH
) -> FeedReport:
    """Feed the topic's next ``limit`` unfed mentions into its clusterer and save it."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    stored = store.clusters.load(workspace_id, topic_id)
    fed = stored.fed if stored else ()
    posts = stored.posts if stored else 0
    pending = store.clusters.pending(workspace_id, topic_id, fed, limit + 1)
    batch = pending[:limit]
    clusterer = Clusterer.from_bytes(stored.state) if stored else Clusterer()
    if not batch:
        return FeedReport(0, False, posts, clusterer)
    assigned = clusterer.add([ClusterItem(p.id, p.text, p.lang, p.posted_at) for p in batch])
    saved = store.clusters.save(
        workspace_id,
        topic_id,
        state=clusterer.to_bytes(),
        fed=sorted({*fed, *(p.id for p in batch)})[-LATE_IDS:],
        version=stored.version if stored else 0,
        posts=[(p.id, a.cluster_id, p.posted_at) for p, a in zip(batch, assigned, strict=True)],
        keep_since=now - KEEP,
        at=now,
    )
    if not saved:  # another process saved first: its state stands, ours is dropped
        return FeedReport(0, True, posts)
    return FeedReport(len(batch), len(pending) > limit, posts + len(batch), clusterer)


def reset_topic_clusters(store: Store, workspace_id: int, topic_id: int) -> None:
    """Forget the topic's clusters; the next update starts from its first mention."""
    store.clusters.reset(workspace_id, topic_id)


@dataclass(frozen=True)
class ClusterCounts:
    """Fed mentions of a topic posted in a time range: per cluster (merges followed), in
    all (those without a cluster included), and the saved ids behind each cluster."""

    per_cluster: dict[int, int]
    total: int
    saved_ids: dict[int, tuple[int, ...]]


def cluster_counts(
    store: Store, topic_id: int, clusterer: Clusterer, since: datetime, until: datetime
) -> ClusterCounts:
    """Per current cluster, the fed mentions posted in [since, until)."""
    per: dict[int, int] = {}
    saved: dict[int, tuple[int, ...]] = {}
    total = 0
    for cluster_id, n in store.clusters.counts(topic_id, since, until).items():
        total += n
        if cluster_id is not None:
            now_id = clusterer.resolve(cluster_id)
            per[now_id] = per.get(now_id, 0) + n
            saved[now_id] = (*saved.get(now_id, ()), cluster_id)
    return ClusterCounts(per, total, saved)


@dataclass(frozen=True)
class ClusterSummary:
    """A stored cluster as listed: the cluster, its posts in the last hour and day, and
    its representative mentions (those still stored)."""

    cluster: Cluster
    last_hour: int
    last_day: int
    representatives: list[Mention]


def cluster_overview(
    store: Store, workspace_id: int, topic_id: int, now: datetime, *, limit: int = 20
) -> list[ClusterSummary]:
    """The topic's ``limit`` largest stored clusters (two posts or more), largest first."""
    clusterer = load_topic_clusters(store, workspace_id, topic_id).clusterer
    hour = cluster_counts(store, topic_id, clusterer, now - timedelta(hours=1), now)
    day = cluster_counts(store, topic_id, clusterer, now - timedelta(days=1), now)
    out = []
    for cluster in clusterer.clusters(min_size=2)[:limit]:
        reps = []
        for item_id in cluster.representatives:
            try:
                reps.append(store.get_mention(workspace_id, int(item_id)))
            except NotFoundError:  # deleted since it was fed
                continue
        out.append(
            ClusterSummary(
                cluster,
                hour.per_cluster.get(cluster.id, 0),
                day.per_cluster.get(cluster.id, 0),
                reps,
            )
        )
    return out


def summary_record(summary: ClusterSummary) -> dict[str, Any]:
    """A listed cluster as plain JSON values (the CLI's --json and the REST API)."""
    c = summary.cluster
    return {
        "id": c.id,
        "label": c.label,
        "size": c.size,
        "terms": list(c.terms),
        "first_seen": c.first_seen.isoformat() if c.first_seen else None,
        "last_seen": c.last_seen.isoformat() if c.last_seen else None,
        "last_hour": summary.last_hour,
        "last_day": summary.last_day,
        "active": c.active,
        "representatives": [
            {
                "id": m.id,
                "author": m.author.handle if m.author else None,
                "text": m.text,
                "url": m.url,
                "posted_at": (m.created_at or m.collected_at).isoformat(),
            }
            for m in summary.representatives
        ],
    }
