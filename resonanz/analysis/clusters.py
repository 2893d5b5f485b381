"""Topic clusters of mentions, built incrementally: batches in, labelled clusters out.

Online centroid clustering over sparse term vectors (docs/analysis.md, "Topic clusters"):

1. A post becomes a vector over its terms (``cluster_terms.post_terms``) hashed into
   ``dims`` buckets. A term weighs ``min(log(N / df), log(1 / common_share))``: every term
   alike, except terms in more than ``common_share`` of the posts seen so far (N posts,
   df of them with the term), which weigh less the commoner they are. Terms seen in fewer
   than ``min_df`` posts weigh nothing: they cannot link a post to anything yet.
2. Posts are taken ``step`` at a time. Each joins the open cluster whose centroid (the sum
   of its posts' unit vectors) is nearest by cosine, if that is at least ``threshold``.
   The others are grouped among themselves (leader clustering: a post joins the first
   earlier leftover of the step it is as similar to, or leads a new cluster).
3. Clusters that grew are compared with all open ones; centroids at least
   ``merge_threshold`` alike are merged into the larger cluster. ``resolve`` maps a
   merged-away id to the cluster it went into.
4. Clusters close: when no post joined them for ``max_idle_days`` of stream time (the
   median post time of the latest step), and, beyond ``max_active`` open clusters, the
   least recently grown. A closed cluster takes no posts; its summary is kept if it has
   two posts or more (up to ``max_kept``, the largest).
5. Memory is bounded: centroids keep their ``max_terms`` heaviest terms, document
   frequencies halve every ``df_window`` posts (so they follow the stream), and the
   limits above bound the rest.

Labels and representatives: ``cluster_labels``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from resonanz.analysis.cluster_labels import centrality, distinctive_terms
from resonanz.analysis.cluster_state import (
    Cluster,
    ClusterMeta,
    ClusterParams,
    ClusterState,
    ItemId,
    Representative,
)
from resonanz.analysis.cluster_terms import post_terms

__all__ = ["Assignment", "Cluster", "ClusterItem", "ClusterParams", "Clusterer"]

# Bucket numbers of recent terms; cleared when full (hashing is cheap, just not free).
_BUCKET_CACHE = 100_000
# Per-cluster term counts for labels: pruned to the commonest when twice this long.
_LABEL_POOL = 48


@dataclass(frozen=True)
class ClusterItem:
    """A post to cluster: its id (kept, never read), text, language and time."""

    id: ItemId
    text: str
    lang: str | None = None
    time: datetime | None = None


@dataclass(frozen=True)
class Assignment:
    """Where a post went: its cluster (None: no usable terms) and its similarity there."""

    item_id: ItemId
    cluster_id: int | None
    similarity: float


def _text(item: ClusterItem) -> str:
    text: Any = item.text
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace")
    return text if isinstance(text, str) else ""


def _time(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _representative(item_id: ItemId, vectors: Any, row: int) -> Representative:
    start, end = vectors.indptr[row], vectors.indptr[row + 1]
    cols = np.array(vectors.indices[start:end], dtype=np.int32)
    return Representative(item_id, cols, np.array(vectors.data[start:end]), 0.0)


def _row_norms(matrix: Any) -> npt.NDArray[np.float64]:
    squares = sp.csr_matrix((np.square(matrix.data), matrix.indices, matrix.indptr), matrix.shape)
    return np.sqrt(np.asarray(squares.sum(axis=1), dtype=np.float64).ravel())


class Clusterer:
    """Clusters posts batch by batch; ``to_bytes``/``from_bytes`` let a worker resume."""

    def __init__(self, params: ClusterParams | None = None) -> None:
        self._start(ClusterState.empty(params or ClusterParams()))

    def _start(self, state: ClusterState) -> None:
        self._state = state
        self._buckets: dict[str, int] = {}
        self._merged: list[tuple[int, int]] = []

    @property
    def params(self) -> ClusterParams:
        """The parameters in force."""
        return self._state.params

    @property
    def posts(self) -> int:
        """Posts seen so far."""
        return self._state.seen

    @property
    def merges(self) -> list[tuple[int, int]]:
        """(merged-away id, id it went into) for the merges of the latest ``add``."""
        return list(self._merged)

    def to_bytes(self) -> bytes:
        """The whole state, for ``from_bytes``."""
        return self._state.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Clusterer:
        """A clusterer that goes on exactly where the one that wrote ``data`` stopped."""
        clusterer = cls.__new__(cls)
        clusterer._start(ClusterState.from_bytes(data))
        return clusterer

    def resolve(self, cluster_id: int) -> int:
        """The cluster an id stands for now, following merges."""
        aliases = self._state.aliases
        for _ in range(len(aliases)):  # bounded: a tampered state could hold a cycle
            if cluster_id not in aliases:
                break
            cluster_id = aliases[cluster_id]
        return cluster_id

    def add(self, items: Sequence[ClusterItem]) -> list[Assignment]:
        """Cluster new posts; one assignment per item, in order, ids resolved."""
        state = self._state
        state.batch += 1
        self._merged = []
        out: list[Assignment] = []
        for start in range(0, len(items), state.params.step):
            out.extend(self._add_step(items[start : start + state.params.step]))
        return [
            a if a.cluster_id is None else replace(a, cluster_id=self.resolve(a.cluster_id))
            for a in out
        ]

    def clusters(self, min_size: int = 2) -> list[Cluster]:
        """Open and closed clusters of at least ``min_size`` posts, largest first."""
        found = [self._summary(m) for m in self._state.metas if m.size >= min_size]
        found += [c for c in self._state.closed.values() if c.size >= min_size]
        return sorted(found, key=lambda c: (-c.size, c.id))

    # -- one step ------------------------------------------------------------------------

    def _add_step(self, items: Sequence[ClusterItem]) -> list[Assignment]:
        state, params = self._state, self._state.params
        terms = [post_terms(_text(item), item.lang) for item in items]
        self._advance_clock(items)
        vectors = self._vectors(terms)
        n, known = len(items), len(state.metas)
        chosen = np.full(n, -1, dtype=np.int64)
        similarity = np.zeros(n, dtype=np.float64)
        if known and vectors.nnz:
            sims = (state.centroids @ vectors.T).toarray() / np.maximum(state.norms, 1e-12)[:, None]
            best = sims.argmax(axis=0)
            best_sim = sims[best, np.arange(n)]
            joins = best_sim >= params.threshold
            chosen[joins], similarity[joins] = best[joins], best_sim[joins]
        self._group_leftovers(vectors, chosen, similarity)
        ids = [m.id for m in state.metas]  # before merges renumber the rows
        out = [
            Assignment(item.id, ids[c] if c >= 0 else None, float(s))
            for item, c, s in zip(items, chosen.tolist(), similarity.tolist(), strict=True)
        ]
        state.step += 1
        members = np.flatnonzero(chosen >= 0)
        if members.size:
            # Posts without terms have no entries, so every entry's post has a cluster.
            owners = np.repeat(chosen, np.diff(vectors.indptr))
            grow = sp.csr_matrix(
                (vectors.data, (owners, vectors.indices)), shape=state.centroids.shape
            )
            state.centroids = (state.centroids + grow).tocsr()
            state.norms = _row_norms(state.centroids)
            for i in members.tolist():
                self._count(state.metas[chosen[i]], items[i], terms[i])
            grown = np.unique(chosen[members])
            joined = [
                (int(chosen[i]), _representative(items[i].id, vectors, i)) for i in members.tolist()
            ]
            self._update_representatives(grown, joined)
            self._merge(grown)
        self._prune_centroids()
        self._close_idle()
        return out

    def _advance_clock(self, items: Sequence[ClusterItem]) -> None:
        """The stream's time: the median post time of the step, never going back (one
        post dated far ahead cannot close every cluster)."""
        times = sorted(t for t in map(_time, (item.time for item in items)) if t is not None)
        if times:
            median = times[len(times) // 2]
            clock = self._state.clock
            self._state.clock = median if clock is None or median > clock else clock

    def _bucket(self, term: str) -> int:
        bucket = self._buckets.get(term)
        if bucket is None:
            if len(self._buckets) >= _BUCKET_CACHE:
                self._buckets.clear()
            bucket = zlib.crc32(term.encode("utf-8", "surrogatepass")) % self.params.dims
            self._buckets[term] = bucket
        return bucket

    def _vectors(self, terms: list[list[str]]) -> Any:
        """Unit term vectors of the posts (csr, one row each); counts them into df first."""
        state, params = self._state, self._state.params
        n, dims = len(terms), params.dims
        rows = [i for i, post in enumerate(terms) for _ in post]
        cols = [self._bucket(t) for post in terms for t in post]
        # One entry per (post, bucket) even where two terms of a post share a bucket.
        keys = np.unique(np.asarray(rows, dtype=np.int64) * dims + np.asarray(cols, np.int64))
        row, col = keys // dims, keys % dims
        np.add.at(state.df, col, 1.0)
        state.posts += n
        state.seen += n
        if state.posts >= params.df_window:
            state.df *= 0.5
            state.posts *= 0.5
        df = state.df[col].astype(np.float64)
        weight = np.minimum(
            np.log(state.posts / np.maximum(df, 1.0)), -math.log(params.common_share)
        )
        keep = (df >= params.min_df) & (weight > 0)
        row, col, weight = row[keep], col[keep], weight[keep]
        norms = np.sqrt(np.bincount(row, weights=weight**2, minlength=n))
        weight = weight / norms[row]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=n))))
        return sp.csr_matrix(
            (weight.astype(np.float32), col.astype(np.int32), indptr), shape=(n, dims)
        )

    def _group_leftovers(
        self, vectors: Any, chosen: npt.NDArray[np.int64], similarity: npt.NDArray[np.float64]
    ) -> None:
        """Leader clustering of the posts that joined no open cluster; new clusters."""
        state = self._state
        left = np.flatnonzero((chosen < 0) & (np.diff(vectors.indptr) > 0))
        if not left.size:
            return
        sub = vectors[left]
        # The same on the few columns in use: a transpose over all buckets costs more.
        used, local = np.unique(sub.indices, return_inverse=True)
        sub = sp.csr_matrix((sub.data, local, sub.indptr), shape=(left.size, used.size))
        sims = (sub @ sub.T).toarray()
        leaders: list[int] = []
        first_new = len(state.metas)
        for a, i in enumerate(left):
            if leaders:
                row = sims[a, leaders]
                j = int(row.argmax())
                if row[j] >= state.params.threshold:
                    chosen[i], similarity[i] = chosen[left[leaders[j]]], row[j]
                    continue
            leaders.append(a)
            chosen[i], similarity[i] = first_new + len(leaders) - 1, 1.0
        for _ in leaders:
            state.metas.append(ClusterMeta(id=state.next_id))
            state.next_id += 1
        empty = sp.csr_matrix((len(leaders), state.params.dims), dtype=np.float32)
        state.centroids = sp.vstack([state.centroids, empty], format="csr")
        state.norms = np.concatenate([state.norms, np.zeros(len(leaders))])

    def _count(self, meta: ClusterMeta, item: ClusterItem, terms: list[str]) -> None:
        state = self._state
        meta.size += 1
        meta.last_step = state.step
        if meta.growth_batch != state.batch:
            meta.growth, meta.growth_batch = 0, state.batch
        meta.growth += 1
        when = _time(item.time)
        if when is not None:
            if meta.first_seen is None or when < meta.first_seen:
                meta.first_seen = when
            if meta.last_seen is None or when > meta.last_seen:
                meta.last_seen = when
        counts = meta.terms
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        if len(counts) > 2 * _LABEL_POOL:
            top = sorted(counts.items(), key=lambda tc: (-tc[1], tc[0]))[:_LABEL_POOL]
            meta.terms = dict(top)

    def _update_representatives(
        self, rows: npt.NDArray[np.int64], joined: list[tuple[int, Representative]]
    ) -> None:
        """Keep each of ``rows``' posts nearest its centroid, among its own and ``joined``."""
        state, keep = self._state, self._state.params.representatives
        if not keep:
            return
        candidates = [(int(row), rep) for row in rows for rep in state.metas[row].reps]
        candidates += joined
        owners = np.asarray([owner for owner, _ in candidates], dtype=np.int64)
        scores = centrality([rep for _, rep in candidates], owners, state.centroids, state.norms)
        pools: dict[int, list[Representative]] = {int(row): [] for row in rows}
        for (owner, rep), score in zip(candidates, scores, strict=True):
            rep.score = float(score)
            pools[owner].append(rep)
        for row, pool in pools.items():
            pool.sort(key=lambda r: -r.score)  # stable: the earlier post wins a tie
            best: dict[ItemId, Representative] = {}  # once each, should a post come twice
            for rep in pool:
                best.setdefault(rep.item_id, rep)
            state.metas[row].reps = list(best.values())[:keep]

    # -- merging, pruning, closing ----------------------------------------------------------

    def _merge(self, rows: npt.NDArray[np.int64]) -> None:
        """Merge grown clusters with open ones whose centroids are alike enough."""
        state = self._state
        if len(state.metas) < 2:
            return
        unit = sp.diags(1.0 / np.maximum(state.norms, 1e-12)) @ state.centroids
        sims = (unit @ unit[rows].T).tocoo()
        close = (sims.data >= state.params.merge_threshold) & (sims.row != rows[sims.col])
        if not close.any():
            return
        parent = list(range(len(state.metas)))

        def root(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def rank(x: int) -> tuple[int, int]:  # the larger cluster survives, then the older
            return (-state.metas[x].size, state.metas[x].id)

        for a, b in zip(sims.row[close], rows[sims.col[close]], strict=True):
            ra, rb = root(int(a)), root(int(b))
            if ra != rb:
                keep, gone = (ra, rb) if rank(ra) < rank(rb) else (rb, ra)
                parent[gone] = keep
        roots = np.array([root(x) for x in range(len(parent))])
        survivors = np.flatnonzero(roots == np.arange(len(parent)))
        position = np.full(len(parent), -1)
        position[survivors] = np.arange(survivors.size)
        for row in np.flatnonzero(roots != np.arange(len(parent))).tolist():
            self._absorb(state.metas[roots[row]], state.metas[row])
        fold = sp.csr_matrix(
            (np.ones(len(parent), dtype=np.float32), (position[roots], np.arange(len(parent)))),
            shape=(survivors.size, len(parent)),
        )
        state.centroids = (fold @ state.centroids).tocsr()
        state.norms = _row_norms(state.centroids)
        state.metas = [state.metas[i] for i in survivors]
        self._update_representatives(
            np.unique(position[roots[roots != np.arange(len(parent))]]), []
        )

    def _absorb(self, keep: ClusterMeta, gone: ClusterMeta) -> None:
        state = self._state
        keep.size += gone.size
        keep.last_step = max(keep.last_step, gone.last_step)
        if gone.growth_batch == state.batch:
            if keep.growth_batch != state.batch:
                keep.growth, keep.growth_batch = 0, state.batch
            keep.growth += gone.growth
        for attr, pick in (("first_seen", min), ("last_seen", max)):
            times = [t for t in (getattr(keep, attr), getattr(gone, attr)) if t is not None]
            setattr(keep, attr, pick(times) if times else None)
        for term, count in gone.terms.items():
            keep.terms[term] = keep.terms.get(term, 0) + count
        keep.reps = keep.reps + gone.reps
        state.aliases[gone.id] = keep.id
        self._merged.append((gone.id, keep.id))
        while len(state.aliases) > state.params.max_aliases:
            del state.aliases[next(iter(state.aliases))]

    def _prune_centroids(self) -> None:
        """Keep the ``max_terms`` heaviest terms of centroids that grew twice as many."""
        state, cap = self._state, self._state.params.max_terms
        matrix = state.centroids
        lengths = np.diff(matrix.indptr)
        long_rows = np.flatnonzero(lengths > 2 * cap)
        if not long_rows.size:
            return
        for row in long_rows:
            part = matrix.data[matrix.indptr[row] : matrix.indptr[row + 1]]
            cut = np.partition(part, part.size - cap)[part.size - cap]
            part[part < cut] = 0.0
        matrix.eliminate_zeros()
        state.norms = _row_norms(matrix)

    def _close_idle(self) -> None:
        """Close clusters silent for ``max_idle_days`` and the least recently grown ones
        beyond ``max_active``."""
        state, params = self._state, self._state.params
        order = sorted(
            range(len(state.metas)),
            key=lambda r: (state.metas[r].last_step, state.metas[r].size, state.metas[r].id),
        )
        closing = set(order[: max(len(state.metas) - params.max_active, 0)])
        if state.clock is not None:
            silent_since = state.clock - timedelta(days=params.max_idle_days)
            closing.update(
                row
                for row, meta in enumerate(state.metas)
                if meta.last_seen is not None and meta.last_seen < silent_since
            )
        if not closing:
            return
        for row in sorted(closing):
            meta = state.metas[row]
            if meta.size >= 2 and params.max_kept:
                state.closed[meta.id] = replace(self._summary(meta), active=False)
        if len(state.closed) > params.max_kept:
            ranked = sorted(state.closed.values(), key=lambda c: (-c.size, -c.id))
            state.closed = {c.id: c for c in ranked[: params.max_kept]}
        keep = np.asarray([r for r in range(len(state.metas)) if r not in closing], np.int64)
        state.centroids = state.centroids[keep]
        state.norms = state.norms[keep]
        state.metas = [state.metas[i] for i in keep]

    # -- reporting ------------------------------------------------------------------------

    def _summary(self, meta: ClusterMeta) -> Cluster:
        state = self._state
        terms = distinctive_terms(
            meta.terms,
            meta.size,
            lambda term: float(state.df[self._bucket(term)]),
            posts=state.posts,
            limit=state.params.label_terms,
        )
        reps = sorted(meta.reps, key=lambda r: -r.score)[: state.params.representatives]
        return Cluster(
            id=meta.id,
            label=", ".join(terms[:3]),
            terms=tuple(terms),
            representatives=tuple(r.item_id for r in reps),
            size=meta.size,
            first_seen=meta.first_seen,
            last_seen=meta.last_seen,
            growth=meta.growth if meta.growth_batch == state.batch else 0,
        )
