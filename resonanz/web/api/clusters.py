"""REST: a topic's conversation clusters (fed with its newest mentions first, one bounded
batch per request, as on the page)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from resonanz.analytics.topic_clusters import (
    cluster_overview,
    summary_record,
    update_topic_clusters,
)
from resonanz.topics import topic_by_id
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import StoreDep, Viewer

router = APIRouter(tags=["topics"], responses=ERRORS)


class RepresentativeOut(BaseModel):
    """One of a cluster's most central posts."""

    id: int
    author: str | None
    text: str
    url: str | None
    posted_at: str


class ClusterOut(BaseModel):
    """A cluster: label, size, terms, when seen, posts in the last hour and day."""

    id: int
    label: str
    size: int
    terms: list[str]
    first_seen: str | None
    last_seen: str | None
    last_hour: int
    last_day: int
    active: bool
    representatives: list[RepresentativeOut]


class ClustersOut(BaseModel):
    """The topic's largest clusters and how far clustering has come."""

    topic_id: int
    clustered: int  # mentions fed so far
    more_waiting: bool  # more mentions wait to be fed (the next request feeds them)
    clusters: list[ClusterOut]


@router.get("/workspaces/{slug}/topics/{topic_id}/clusters", response_model=ClustersOut)
def list_clusters(access: Viewer, store: StoreDep, topic_id: int, limit: int = 20) -> ClustersOut:
    """The topic's ``limit`` (1-100) largest clusters of two posts or more."""
    ws = access.workspace.id
    topic = topic_by_id(store, ws, topic_id)
    now = datetime.now(UTC)
    report = update_topic_clusters(store, ws, topic.id, now)
    found = cluster_overview(store, ws, topic.id, now, limit=max(1, min(100, limit)))
    return ClustersOut(
        topic_id=topic.id,
        clustered=report.posts,
        more_waiting=report.more,
        clusters=[ClusterOut.model_validate(summary_record(s)) for s in found],
    )
