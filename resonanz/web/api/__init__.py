"""REST API routers under /api/v1, one module per resource; ``ROUTERS`` is what the app mounts."""

from fastapi import APIRouter

from resonanz.web.api import (
    alerts,
    approvals,
    calendar,
    clusters,
    delivery,
    links,
    members,
    mentions,
    planning,
    posts,
    publish_channels,
    publish_notify,
    sources,
    topics,
    workspaces,
)

ROUTERS: tuple[APIRouter, ...] = (workspaces.router, mentions.router)
ROUTERS += (topics.router, sources.router, members.router)
ROUTERS += (alerts.router, clusters.router)
ROUTERS += (links.router, approvals.router, posts.router)
ROUTERS += (calendar.router, delivery.router, publish_channels.router)
ROUTERS += (publish_notify.router,)
ROUTERS += (planning.router,)
