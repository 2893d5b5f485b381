"""Topic clusters per topic (``SqlStore.clusters``): the clusterer's state, the cursor of
the mentions fed into it, and which cluster each fed mention joined.

The state (``Clusterer.to_bytes()``), the cursor and the fed mentions' clusters are saved
in one transaction, and only when nobody saved since they were read (``version``): a
feeder that crashed before saving, or lost a race, changed nothing, and the next one feeds
the same mentions again into the state it reads. The cursor is the newest ``fed`` mention
ids rather than one number, so a mention whose transaction committed after a later-numbered
one was fed (two writers on PostgreSQL) is still picked up while it is among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from resonanz.models import titled_text
from resonanz.store.bulk import bulk_upsert, chunks
from resonanz.store.schema import (
    authors,
    matches,
    mentions,
    topic_cluster_posts,
    topic_clusters,
)
from resonanz.store.transactions import TxStore
from resonanz.store.types import to_utc

__all__ = ["ClusterPost", "ClusterStore", "PendingPost", "StoredClusters"]

_tc, _tp = topic_clusters.c, topic_cluster_posts.c


@dataclass(frozen=True)
class StoredClusters:
    """A topic's saved clusterer: its state bytes, the cursor and the save counter."""

    topic_id: int
    state: bytes
    fed: tuple[int, ...]  # the newest mention ids fed, ascending; every id below is done
    version: int
    posts: int  # mentions fed in all
    updated_at: datetime


@dataclass(frozen=True)
class PendingPost:
    """A topic mention not fed yet: what the clusterer reads of it."""

    id: int
    text: str
    lang: str | None
    posted_at: datetime


@dataclass(frozen=True)
class ClusterPost:
    """A fed mention with its cluster, as an example of the cluster."""

    mention_id: int
    cluster_id: int
    handle: str
    text: str
    url: str | None
    posted_at: datetime


class ClusterStore(TxStore):
    """Reads and writes of the stored topic clusters."""

    def load(self, workspace_id: int, topic_id: int) -> StoredClusters | None:
        """The topic's saved clusterer, or None before its first save."""
        stmt = sa.select(topic_clusters).where(
            _tc.topic_id == topic_id, _tc.workspace_id == workspace_id
        )
        with self._read("reading topic clusters") as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        fed = row.cursor.get("fed", []) if isinstance(row.cursor, dict) else []
        return StoredClusters(
            topic_id=row.topic_id,
            state=bytes(row.state),
            fed=tuple(sorted(int(i) for i in fed)),
            version=int(row.version),
            posts=int(row.posts),
            updated_at=to_utc(row.updated_at),
        )

    def pending(
        self, workspace_id: int, topic_id: int, fed: Sequence[int], limit: int
    ) -> list[PendingPost]:
        """Up to ``limit`` of the topic's mentions not fed yet, by id: those above the
        cursor's first id that are not in it."""
        floor = min(fed) if fed else 0
        done = set(fed)
        ids_stmt = (
            sa.select(matches.c.mention_id)
            .join(mentions, mentions.c.id == matches.c.mention_id)
            .where(
                matches.c.topic_id == topic_id,
                matches.c.mention_id >= floor,
                mentions.c.workspace_id == workspace_id,
            )
            .order_by(matches.c.mention_id)
            .limit(len(done) + limit)
        )
        m = mentions.c
        with self._read("reading mentions to cluster") as conn:
            ids = [i for (i,) in conn.execute(ids_stmt) if i not in done][:limit]
            rows: list[Any] = []
            for part in chunks(ids):
                rows += conn.execute(
                    sa.select(m.id, m.title, m.text, m.lang, m.posted_at).where(m.id.in_(part))
                ).all()
        rows.sort(key=lambda r: r.id)
        return [
            PendingPost(r.id, titled_text(r.title, r.text), r.lang, to_utc(r.posted_at))
            for r in rows
        ]

    def save(
        self,
        workspace_id: int,
        topic_id: int,
        *,
        state: bytes,
        fed: Sequence[int],
        version: int,
        posts: Sequence[tuple[int, int | None, datetime]],
        keep_since: datetime,
        at: datetime,
    ) -> bool:
        """Save the state, the cursor and the fed ``posts`` (mention id, cluster id or None,
        posted time) in one transaction, forgetting posts from before ``keep_since``.

        ``version`` is the one loaded (0: nothing was); False, and nothing written, when
        someone saved in between.
        """
        values = {
            "state": state,
            "cursor": {"fed": sorted(fed)},
            "version": version + 1,
            "updated_at": at,
        }
        with self._write("saving topic clusters") as conn:
            if version == 0:
                insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert
                stmt = (
                    insert(topic_clusters)
                    .values(topic_id=topic_id, workspace_id=workspace_id, **values)
                    .values(posts=len(posts))
                    .on_conflict_do_nothing(index_elements=[_tc.topic_id])
                )
            else:
                stmt = (
                    sa.update(topic_clusters)
                    .where(
                        _tc.topic_id == topic_id,
                        _tc.workspace_id == workspace_id,
                        _tc.version == version,
                    )
                    .values(posts=_tc.posts + len(posts), **values)
                )
            if conn.execute(stmt.returning(_tc.topic_id)).first() is None:
                return False
            rows = [
                {"topic_id": topic_id, "mention_id": i, "cluster_id": c, "posted_at": t}
                for i, c, t in posts
                if to_utc(t) >= to_utc(keep_since)
            ]
            for part in chunks(rows):
                bulk_upsert(
                    conn,
                    topic_cluster_posts,
                    part,
                    conflict=("topic_id", "mention_id"),
                    refresh=lambda new: {"cluster_id": new.cluster_id},
                    returning=(),
                )
            conn.execute(
                sa.delete(topic_cluster_posts).where(
                    _tp.topic_id == topic_id, _tp.posted_at < keep_since
                )
            )
        return True

    def reset(self, workspace_id: int, topic_id: int) -> None:
        """Forget the topic's clusters: the next update starts from its first mention."""
        with self._write("resetting topic clusters") as conn:
            found = conn.execute(
                sa.delete(topic_clusters).where(
                    _tc.topic_id == topic_id, _tc.workspace_id == workspace_id
                )
            ).rowcount
            if found:
                conn.execute(sa.delete(topic_cluster_posts).where(_tp.topic_id == topic_id))

    def counts(self, topic_id: int, since: datetime, until: datetime) -> dict[int | None, int]:
        """Fed mentions of the topic posted in [since, until) per cluster id as saved
        (None: no usable terms); merged-away ids are the caller's to resolve."""
        stmt = (
            sa.select(_tp.cluster_id, sa.func.count())
            .where(_tp.topic_id == topic_id, _tp.posted_at >= since, _tp.posted_at < until)
            .group_by(_tp.cluster_id)
        )
        with self._read("counting cluster posts") as conn:
            return {cluster: int(n) for cluster, n in conn.execute(stmt)}

    def first_posted(self, topic_id: int) -> datetime | None:
        """The posting time of the oldest fed mention kept: where the history starts."""
        stmt = sa.select(sa.func.min(_tp.posted_at)).where(_tp.topic_id == topic_id)
        with self._read("reading cluster history") as conn:
            first = conn.execute(stmt).scalar()
        return None if first is None else to_utc(first)

    def newest_posts(
        self,
        workspace_id: int,
        topic_id: int,
        cluster_ids: Iterable[int],
        since: datetime,
        until: datetime,
        limit: int,
    ) -> list[ClusterPost]:
        """The newest fed mentions of these clusters (ids as saved) posted in [since, until)."""
        wanted = sorted(set(cluster_ids))
        m = mentions.c
        stmt = (
            sa.select(_tp.mention_id, _tp.cluster_id, authors.c.handle, m.text, m.url, m.posted_at)
            .join(mentions, m.id == _tp.mention_id)
            .outerjoin(authors, authors.c.id == m.author_id)
            .where(
                _tp.topic_id == topic_id,
                _tp.cluster_id.in_(wanted),
                _tp.posted_at >= since,
                _tp.posted_at < until,
                m.workspace_id == workspace_id,
            )
            .order_by(_tp.posted_at.desc(), _tp.mention_id.desc())
            .limit(limit)
        )
        with self._read("reading cluster posts") as conn:
            return [
                ClusterPost(
                    r.mention_id, r.cluster_id, r.handle or "", r.text, r.url, to_utc(r.posted_at)
                )
                for r in conn.execute(stmt)
            ]
