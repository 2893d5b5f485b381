"""Page routers, one module per resource; ``ROUTERS`` is what the app mounts."""

from fastapi import APIRouter

from resonanz.web.routes import (
    alerts,
    approvals,
    auth,
    calendar,
    channels,
    clusters,
    delivery,
    media,
    mentions,
    overview,
    planning,
    posts,
    redirect,
    settings,
    sources,
    topics,
    workspaces,
)

ROUTERS: tuple[APIRouter, ...] = (auth.router, workspaces.router, overview.router, mentions.router)
ROUTERS += (topics.router, clusters.router, sources.router, alerts.router, settings.router)
ROUTERS += (redirect.router, media.router, posts.router)
ROUTERS += (calendar.router, approvals.router, delivery.router, channels.router)
ROUTERS += (planning.router,)
