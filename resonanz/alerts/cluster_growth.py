"""Topic clusters that grew: the ``cluster_growth`` detector's test and what it reads.

At a tick the topic's stored clusters (``analytics.topic_clusters``) are brought up to date,
then every cluster's posts in the last ``window_minutes`` are set against its share of the
topic's posts in the ``BASELINE_DAYS`` before the window (or as much of them as the stored
history covers). A cluster's usual share is uncertain, the more so the fewer posts it is
estimated from, so it is taken as Beta(before + ½, others + ½) (Jeffreys' prior), and the
count in the window as beta-binomial over the window's posts: a cluster new in the window
has a usual share of about ½ / (baseline posts + 1), on a topic with no history yet about
one half (nothing can be surprising then). It grew when the window holds at least
``min_new`` of its posts, at least ``min_ratio`` times the expected count, and the tail
P(X ≥ count) is below the sensitivity (``alpha``). Sharing the topic's volume, a surge of
every cluster at once (the evening, a volume spike) is no cluster growth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from resonanz.alerts.rules import Rule
from resonanz.analysis.clusters import Cluster
from resonanz.analytics.spikes import SENSITIVITY
from resonanz.analytics.topic_clusters import (
    cluster_counts,
    update_topic_clusters,
)
from resonanz.store import Store

__all__ = [
    "BASELINE_DAYS",
    "ClusterGrowth",
    "GrowthParams",
    "GrowthView",
    "cluster_growth_view",
    "find_growth",
    "growth_params",
    "subject_cluster",
    "subject_of",
]

BASELINE_DAYS = 7
_PRIOR = 0.5  # Jeffreys: half a post on each side of a cluster's share
_SUBJECT = "cluster "


@dataclass(frozen=True)
class GrowthParams:
    """How sure the test must be, the fewest new posts and the least rise that count."""

    alpha: float = SENSITIVITY["normal"]
    min_new: int = 10
    min_ratio: float = 3.0
    window_min: int = 60
    max_clusters: int = 5


@dataclass(frozen=True)
class ClusterGrowth:
    """A cluster that grew in the window, against its share of the baseline."""

    cluster_id: int
    new: int  # the cluster's posts in the window
    window_posts: int  # the topic's posts in the window
    before: int  # the cluster's posts in the baseline
    baseline_posts: int  # the topic's posts in the baseline
    p_value: float
    label: str = ""
    baseline_hours: float = 0.0
    window_min: int = 60

    @property
    def expected(self) -> float:
        """The cluster's expected posts in the window from its usual share."""
        return self.window_posts * (self.before + _PRIOR) / (self.baseline_posts + 2 * _PRIOR)

    @property
    def ratio(self) -> float:
        return self.new / self.expected if self.expected > 0 else float("inf")

    def explain(self, lang: str) -> str:
        """'Cluster “streik, gdl” grew by 48 posts in the last 60 min (48 of 75 on the
        topic), expected 0.1 from its share of the 7 days before (2 of 3,120 posts, 0.0
        per hour)'."""
        hours = self.baseline_hours
        rate = _decimal(self.before / hours if hours > 0 else 0.0)
        expected = _decimal(self.expected)
        if lang == "de":
            span = _span_de(hours)
            return (
                f"Cluster „{self.label}“ wuchs in den letzten {self.window_min} Min. um "
                f"{self.new} Beiträge ({self.new} von {self.window_posts} zum Thema), erwartet "
                f"{expected} nach seinem Anteil an {span} davor ({self.before} von "
                f"{_thousands(self.baseline_posts, '.')} Beiträgen, {rate} pro Stunde)"
            )
        return (
            f"Cluster “{self.label}” grew by {self.new} posts in the last {self.window_min} min "
            f"({self.new} of {self.window_posts} on the topic), expected {expected} "
            f"from its share of {_span_en(hours)} before ({self.before} of "
            f"{_thousands(self.baseline_posts, ',')} posts, {rate} per hour)"
        )


def _decimal(x: float) -> str:
    """Two decimals below 1 (0.05 is not 0.0), one above."""
    return f"{x:.2f}" if x < 1 else f"{x:.1f}"


def _thousands(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def _span_en(hours: float) -> str:
    if hours >= 48:
        return f"the {round(hours / 24)} days"
    return f"the {max(1, round(hours))} hours" if hours >= 1.5 else "the hour"


def _span_de(hours: float) -> str:
    if hours >= 48:
        return f"den {round(hours / 24)} Tagen"
    return f"den {max(1, round(hours))} Stunden" if hours >= 1.5 else "der Stunde"


def find_growth(
    window: Mapping[int, int],
    window_posts: int,
    baseline: Mapping[int, int],
    baseline_posts: int,
    params: GrowthParams,
) -> list[ClusterGrowth]:
    """Clusters whose window count (``window``: cluster id -> posts) is improbably high
    for their share of the baseline; most surprising first, at most ``max_clusters``."""
    # scipy.stats costs ~1.4 s to import; every CLI command loads this module through the
    # alerts engine, few of them test clusters.
    from scipy.stats import betabinom

    found: list[ClusterGrowth] = []
    for cluster_id, new in window.items():
        if new < params.min_new or new > window_posts:
            continue
        before = min(baseline.get(cluster_id, 0), baseline_posts)
        finding = ClusterGrowth(cluster_id, new, window_posts, before, baseline_posts, 1.0)
        if new < params.min_ratio * finding.expected:
            continue
        a, b = before + _PRIOR, baseline_posts - before + _PRIOR
        p_value = float(betabinom.sf(new - 1, window_posts, a, b))
        if p_value < params.alpha:
            found.append(
                ClusterGrowth(cluster_id, new, window_posts, before, baseline_posts, p_value)
            )
    found.sort(key=lambda g: (g.p_value, -g.new, g.cluster_id))
    return found[: params.max_clusters]


def growth_params(rule: Rule) -> GrowthParams:
    """The detector settings of a cluster-growth rule."""
    p = rule.params
    return GrowthParams(
        alpha=SENSITIVITY[str(p.get("sensitivity", "normal"))],
        min_new=int(p.get("min_new", 10)),
        min_ratio=float(p.get("min_ratio", 3.0)),
        window_min=int(p.get("window_minutes", 60)),
    )


@dataclass(frozen=True)
class GrowthView:
    """What the detector found at a tick, with what it needs for the incidents."""

    found: list[ClusterGrowth]
    clusters: dict[int, Cluster]  # the topic's clusters of two posts or more, by id
    saved_ids: dict[int, tuple[int, ...]]  # per cluster, the ids its window posts were saved as
    resolve: Callable[[int], int]  # an id as saved -> the cluster it stands for now
    since: datetime  # the window's start

    def label(self, cluster_id: int) -> str:
        """The cluster's label, or '#id' for one without (or no longer reported)."""
        cluster = self.clusters.get(cluster_id)
        return cluster.label if cluster is not None and cluster.label else f"#{cluster_id}"


def subject_cluster(subject: str) -> int | None:
    """The cluster id of an incident subject ('cluster 17'), None for anything else."""
    number = subject.removeprefix(_SUBJECT)
    return int(number) if subject.startswith(_SUBJECT) and number.isdigit() else None


def subject_of(cluster_id: int) -> str:
    """The incident subject of a cluster."""
    return f"{_SUBJECT}{cluster_id}"


def cluster_growth_view(
    store: Store, workspace_id: int, topic_id: int, params: GrowthParams, now: datetime
) -> GrowthView | None:
    """Feed the topic's new mentions into its clusters, then test every cluster's window;
    None while the clusters are still catching up with the stored mentions."""
    fed = update_topic_clusters(store, workspace_id, topic_id, now)
    if fed.more or fed.clusterer is None:
        return None
    clusterer = fed.clusterer
    since = now - timedelta(minutes=params.window_min)
    window = cluster_counts(store, topic_id, clusterer, since, now)
    first = store.clusters.first_posted(topic_id)
    start = since - timedelta(days=BASELINE_DAYS)
    if first is not None and first > start:
        start = min(first, since)
    baseline = cluster_counts(store, topic_id, clusterer, start, since)
    clusters = {c.id: c for c in clusterer.clusters(min_size=2)}
    hours = (since - start).total_seconds() / 3600
    found = [
        ClusterGrowth(
            g.cluster_id,
            g.new,
            g.window_posts,
            g.before,
            g.baseline_posts,
            g.p_value,
            label=clusters[g.cluster_id].label or f"#{g.cluster_id}",
            baseline_hours=hours,
            window_min=params.window_min,
        )
        for g in find_growth(
            window.per_cluster, window.total, baseline.per_cluster, baseline.total, params
        )
        if g.cluster_id in clusters
    ]
    return GrowthView(found, clusters, window.saved_ids, clusterer.resolve, since)
