"""Page routers, one module per resource; ``ROUTERS`` is what the app mounts."""

from fastapi import APIRouter

from resonanz.web.routes import auth, overview, workspaces

ROUTERS: tuple[APIRouter, ...] = (auth.router, workspaces.router, overview.router)
