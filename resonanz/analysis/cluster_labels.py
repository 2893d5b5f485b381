"""What a topic cluster is reported by: its distinctive terms and its most central posts.

Terms: the share of the cluster's posts with the term times ``log(N / df)`` (N posts seen,
df of them with the term), so a word all posts share says less than one that marks the
cluster; a hashtag stands in for its plain word (``#yycflood``, not ``yycflood`` too); in
clusters of three posts or more a term must occur twice. Representatives: the posts whose
vectors are nearest to the centroid by cosine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from resonanz.analysis.cluster_state import Representative

__all__ = ["centrality", "distinctive_terms"]


def distinctive_terms(
    counts: Mapping[str, int],
    size: int,
    df_of: Callable[[str], float],
    *,
    posts: float,
    limit: int,
) -> list[str]:
    """Up to ``limit`` terms of a cluster of ``size`` posts, most distinctive first."""
    least = 2 if size >= 3 else 1
    scored = []
    for term, count in counts.items():
        if count < least:
            continue
        df = max(df_of(term), 1.0)
        scored.append((count / max(size, 1) * math.log(max(posts, df) / df), count, term))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    chosen: list[str] = []
    place: dict[str, int] = {}  # plain word -> its place, for its hashtag to take over
    for _, _, term in scored:
        word = term.removeprefix("#")
        if word in place:
            if term.startswith("#") and not chosen[place[word]].startswith("#"):
                chosen[place[word]] = term
        elif len(chosen) < limit:
            place[word] = len(chosen)
            chosen.append(term)
    return chosen


def centrality(
    reps: list[Representative],
    owners: npt.NDArray[np.int64],
    centroids: Any,
    norms: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Cosine of each representative's vector to the centroid (row of the CSR matrix
    ``centroids``, norms ``norms``) of its owner."""
    if not reps:
        return np.zeros(0)
    dims = centroids.shape[1]
    centroids.sort_indices()
    # Entry keys row * dims + column ascend through a row-sorted CSR matrix, so each
    # representative entry finds its centroid weight by binary search (no row copies).
    rows = np.repeat(np.arange(centroids.shape[0], dtype=np.int64), np.diff(centroids.indptr))
    keys = rows * dims + centroids.indices
    widths = np.fromiter((len(r.cols) for r in reps), dtype=np.int64, count=len(reps))
    wanted = np.repeat(owners, widths) * dims + np.concatenate([r.cols for r in reps])
    products = np.zeros(wanted.size)
    if keys.size:
        at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        found = keys[at] == wanted
        products[found] = centroids.data[at[found]]
    products *= np.concatenate([r.vals for r in reps])
    dots = np.bincount(np.repeat(np.arange(len(reps)), widths), products, len(reps))
    return np.asarray(dots / np.maximum(norms[owners], 1e-12), dtype=np.float64)
