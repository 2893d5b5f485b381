"""A topic's conversation clusters: labelled groups of its mentions with their terms,
representative posts and recent growth (``analytics.topic_clusters``).

``GET /w/{slug}/topics/{topic_id}/clusters`` first feeds the topic's newest mentions into
its stored clusters, at most one bounded batch (``FEED_BATCH``) per request so the page
stays fast; a topic with a longer backlog says how many posts wait and catches up over the
next views (or at once with ``resonanz clusters TOPIC``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from resonanz.analytics.topic_clusters import cluster_overview, update_topic_clusters
from resonanz.store import MentionFilter
from resonanz.topics import topic_by_id
from resonanz.web.deps import StoreDep, Viewer
from resonanz.web.highlight import safe_url
from resonanz.web.templating import render

router = APIRouter()
SHOWN = 20
REPRESENTATIVES = 3


@router.get("/w/{slug}/topics/{topic_id}/clusters")
def topic_clusters(request: Request, access: Viewer, store: StoreDep, topic_id: int) -> Response:
    """The topic's largest clusters after feeding its newest mentions."""
    ws = access.workspace.id
    topic = topic_by_id(store, ws, topic_id)
    now = datetime.now(UTC)
    report = update_topic_clusters(store, ws, topic.id, now)
    waiting = 0
    if report.more:
        waiting = max(0, store.count_mentions(ws, MentionFilter(topic_id=topic.id)) - report.posts)
    context = {
        "nav": "topics",
        "topic": topic,
        "clusters": [
            (
                summary,
                [
                    (m, safe_url(m.url), m.created_at or m.collected_at)
                    for m in summary.representatives[:REPRESENTATIVES]
                ],
            )
            for summary in cluster_overview(store, ws, topic.id, now, limit=SHOWN)
        ],
        "clustered": report.posts,
        "waiting": waiting,
    }
    return render(request, "topic_clusters.html", context)
