"""``create_app(settings, store)``: the FastAPI app of the dashboard and the REST API."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from resonanz.config import Settings
from resonanz.store import Store, open_store
from resonanz.web import errors
from resonanz.web.api import ROUTERS as API_ROUTERS
from resonanz.web.deps import check_csrf
from resonanz.web.facets import FacetCache
from resonanz.web.limits import BodyLimit
from resonanz.web.middleware import Locale, SecurityHeaders
from resonanz.web.routes import ROUTERS as PAGE_ROUTERS
from resonanz.web.security import LoginLimiter, signing_key
from resonanz.web.templating import environment

SESSION_COOKIE = "resonanz_session"


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The web app on ``store`` (opened from the settings when not given)."""
    if store is None:
        url = settings.resolved_database_url()
        if url.startswith("sqlite:///") and not settings.database_url:
            Path(settings.resolved_data_dir()).mkdir(parents=True, exist_ok=True)
        store = open_store(url)
    app = FastAPI(
        title="Resonanz",
        summary="Social listening, analysis and publishing: the REST API.",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.templates = environment()
    app.state.login_limiter = LoginLimiter(settings.login_attempts)
    app.state.facets = FacetCache()
    errors.install(app)
    # Added innermost first: SecurityHeaders wraps everything, Locale sees the session.
    app.add_middleware(Locale, default=settings.default_locale)
    app.add_middleware(
        SessionMiddleware,
        secret_key=signing_key(settings),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_days * 86400,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)
    static = resources.files("resonanz.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router, dependencies=[Depends(check_csrf)], include_in_schema=False)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(check_csrf)])
    return app
