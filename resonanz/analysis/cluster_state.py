"""What a topic clusterer remembers between batches, and its byte format for resuming.

The bytes are a NumPy ``.npz`` archive (zip, compressed; read back without pickle):
arrays for the term document frequencies, the centroid matrix and the representatives'
vectors, plus one JSON document (``meta``) with the parameters, counters and every
cluster's bookkeeping. ``FORMAT``/``VERSION`` in the JSON guard against reading anything
else.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from resonanz.errors import ParseError, ValidationError

__all__ = ["Cluster", "ClusterMeta", "ClusterParams", "ClusterState", "Representative"]

FORMAT = "resonanz-topic-clusters"
VERSION = 1
_WHERE = "topic cluster state"

ItemId = str | int
FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class ClusterParams:
    """How topic clusters form; the defaults are what Resonanz ships (docs/analysis.md)."""

    threshold: float = 0.15
    """Least cosine similarity of a post to a cluster's centroid for it to join."""
    merge_threshold: float = 0.35
    """Least cosine similarity of two centroids for the clusters to become one."""
    min_df: int = 2
    """A term counts once it occurs in this many posts (hapaxes cannot link posts)."""
    common_share: float = 0.25
    """Terms in more than this share of posts weigh less (a workspace's own brand name)."""
    max_active: int = 2_000
    """Clusters kept open to new posts; beyond, the least recently grown are closed."""
    max_terms: int = 400
    """Terms kept per centroid (the heaviest)."""
    max_idle_days: float = 14.0
    """Clusters no post joined for this long (in post time) close."""
    max_kept: int = 2_000
    """Closed clusters (of two posts or more) still reported; the smallest go first."""
    label_terms: int = 10
    """Terms reported per cluster; the label is the first three."""
    representatives: int = 3
    """Most central posts reported per cluster."""
    dims: int = 1 << 18
    """Hash buckets for terms: the vocabulary's bound."""
    step: int = 256
    """Posts compared with each other at once; longer batches are cut into steps."""
    df_window: int = 200_000
    """Document frequencies halve after this many posts, so they follow the stream."""
    max_aliases: int = 50_000
    """Merged-away cluster ids remembered for ``Clusterer.resolve``."""

    def __post_init__(self) -> None:
        if not self.max_idle_days > 0:
            raise ValidationError("cluster parameter max_idle_days must be positive")
        for name in ("threshold", "merge_threshold", "common_share"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValidationError(f"cluster parameter {name} must be in (0, 1], not {value}")
        for name in ("min_df", "max_active", "max_terms", "label_terms", "step", "df_window"):
            if getattr(self, name) < 1:
                raise ValidationError(f"cluster parameter {name} must be at least 1")
        for name in ("max_kept", "representatives", "max_aliases"):
            if getattr(self, name) < 0:
                raise ValidationError(f"cluster parameter {name} must not be negative")
        if not 1 << 8 <= self.dims <= 1 << 26:
            raise ValidationError("cluster parameter dims must be between 2**8 and 2**26")
        if self.max_active * self.step > 1 << 24:
            raise ValidationError("max_active x step must stay below 2**24 (memory per step)")


@dataclass(frozen=True)
class Cluster:
    """A topic: its label, terms, most central posts, size and when it was seen.

    ``growth`` is how many posts joined in the latest ``Clusterer.add``; ``active`` is
    False once the cluster was closed (it takes no new posts).
    """

    id: int
    label: str
    terms: tuple[str, ...]
    representatives: tuple[ItemId, ...]
    size: int
    first_seen: datetime | None
    last_seen: datetime | None
    growth: int
    active: bool = True


@dataclass
class Representative:
    """A candidate for a cluster's most central post: its id, vector and centrality."""

    item_id: ItemId
    cols: IntArray
    vals: FloatArray
    score: float


@dataclass
class ClusterMeta:
    """Bookkeeping of one open cluster (its centroid is a row of the state's matrix)."""

    id: int
    size: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_step: int = 0
    growth: int = 0
    growth_batch: int = 0
    terms: dict[str, int] = field(default_factory=dict)
    reps: list[Representative] = field(default_factory=list)


@dataclass
class ClusterState:
    """Everything a clusterer needs to go on where it stopped."""

    params: ClusterParams
    df: FloatArray
    centroids: Any  # scipy.sparse.csr_matrix, float32, one row per open cluster
    norms: npt.NDArray[np.float64]
    metas: list[ClusterMeta] = field(default_factory=list)
    closed: dict[int, Cluster] = field(default_factory=dict)
    aliases: dict[int, int] = field(default_factory=dict)
    posts: float = 0.0
    seen: int = 0
    clock: datetime | None = None
    next_id: int = 1
    step: int = 0
    batch: int = 0

    @classmethod
    def empty(cls, params: ClusterParams) -> ClusterState:
        """A state that has seen nothing."""
        return cls(
            params=params,
            df=np.zeros(params.dims, dtype=np.float32),
            centroids=sp.csr_matrix((0, params.dims), dtype=np.float32),
            norms=np.zeros(0, dtype=np.float64),
        )

    def to_bytes(self) -> bytes:
        """The state as bytes (see the module docstring)."""
        reps = [rep for meta in self.metas for rep in meta.reps]
        seen = np.flatnonzero(self.df)
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "params": asdict(self.params),
            "posts": self.posts,
            "seen": self.seen,
            "clock": _time_json(self.clock),
            "next_id": self.next_id,
            "step": self.step,
            "batch": self.batch,
            "clusters": [_meta_json(m) for m in self.metas],
            "closed": [_cluster_json(c) for c in self.closed.values()],
            "aliases": [[a, b] for a, b in self.aliases.items()],
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            df_index=seen.astype(np.int64),
            df_value=self.df[seen],
            data=self.centroids.data,
            indices=self.centroids.indices,
            indptr=self.centroids.indptr,
            norms=self.norms,
            rep_cols=_concat([r.cols for r in reps], np.int32),
            rep_vals=_concat([r.vals for r in reps], np.float32),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ClusterState:
        """Read bytes from ``to_bytes``; ParseError for anything else."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            meta = json.loads(arrays["meta"].tobytes())
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ParseError("not a topic cluster state", where=_WHERE)
            if meta.get("version") != VERSION:
                raise ParseError(f"unknown version {meta.get('version')!r}", where=_WHERE)
            return cls._build(meta, arrays)
        except ParseError:
            raise
        except (OSError, EOFError, zipfile.BadZipFile, KeyError, IndexError, TypeError) as exc:
            raise ParseError(f"unreadable ({type(exc).__name__}: {exc})", where=_WHERE) from exc
        except ValueError as exc:  # bad JSON, array shapes, parameters
            raise ParseError(f"unreadable ({exc})", where=_WHERE) from exc

    @classmethod
    def _build(cls, meta: dict[str, Any], arrays: dict[str, Any]) -> ClusterState:
        names = {f.name for f in fields(ClusterParams)}
        params = ClusterParams(**{k: v for k, v in meta["params"].items() if k in names})
        df = np.zeros(params.dims, dtype=np.float32)
        df[arrays["df_index"]] = arrays["df_value"]
        metas, start = [], 0
        for raw in meta["clusters"]:
            metas.append(_meta_from(raw, arrays["rep_cols"], arrays["rep_vals"], start))
            start += sum(int(width) for _, _, width in raw["reps"])
        centroids = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]),
            shape=(len(metas), params.dims),
        )
        norms = arrays["norms"].astype(np.float64)
        if norms.shape != (len(metas),):
            raise ValueError("centroid norms do not match the clusters")
        return cls(
            params=params,
            df=df,
            centroids=centroids,
            norms=norms,
            metas=metas,
            closed={c.id: c for c in map(_cluster_from, meta["closed"])},
            aliases={int(a): int(b) for a, b in meta["aliases"]},
            posts=float(meta["posts"]),
            seen=int(meta["seen"]),
            clock=_time_from(meta["clock"]),
            next_id=int(meta["next_id"]),
            step=int(meta["step"]),
            batch=int(meta["batch"]),
        )


def _concat(parts: list[Any], dtype: type[np.generic]) -> Any:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _time_json(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time_from(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _item_id(value: Any) -> ItemId:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise ValueError(f"an item id must be a string or an integer, not {value!r}")


def _meta_json(m: ClusterMeta) -> dict[str, Any]:
    return {
        "id": m.id,
        "size": m.size,
        "first_seen": _time_json(m.first_seen),
        "last_seen": _time_json(m.last_seen),
        "last_step": m.last_step,
        "growth": m.growth,
        "growth_batch": m.growth_batch,
        "terms": [[t, c] for t, c in m.terms.items()],
        "reps": [[r.item_id, r.score, len(r.cols)] for r in m.reps],
    }


def _meta_from(raw: dict[str, Any], cols: IntArray, vals: FloatArray, start: int) -> ClusterMeta:
    """One cluster's bookkeeping; its representatives' vectors start at ``start``."""
    reps = []
    for item_id, score, width in raw["reps"]:
        end = start + int(width)
        if end > len(cols):
            raise ValueError("representative vectors are missing")
        reps.append(
            Representative(_item_id(item_id), cols[start:end], vals[start:end], float(score))
        )
        start = end
    return ClusterMeta(
        id=int(raw["id"]),
        size=int(raw["size"]),
        first_seen=_time_from(raw["first_seen"]),
        last_seen=_time_from(raw["last_seen"]),
        last_step=int(raw["last_step"]),
        growth=int(raw["growth"]),
        growth_batch=int(raw["growth_batch"]),
        terms={str(t): int(c) for t, c in raw["terms"]},
        reps=reps,
    )


def _cluster_json(c: Cluster) -> dict[str, Any]:
    out = asdict(c)
    out["first_seen"] = _time_json(c.first_seen)
    out["last_seen"] = _time_json(c.last_seen)
    return out


def _cluster_from(raw: dict[str, Any]) -> Cluster:
    return Cluster(
        id=int(raw["id"]),
        label=str(raw["label"]),
        terms=tuple(str(t) for t in raw["terms"]),
        representatives=tuple(_item_id(i) for i in raw["representatives"]),
        size=int(raw["size"]),
        first_seen=_time_from(raw["first_seen"]),
        last_seen=_time_from(raw["last_seen"]),
        growth=int(raw["growth"]),
        active=bool(raw["active"]),
    )
