"""Errors as HTTP answers: JSON ``{"error": {"code", "message"}}`` under /api, pages elsewhere."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from resonanz.errors import (
    ConfigError,
    ConflictError,
    NotFoundError,
    QueryError,
    ResonanzError,
    StoreError,
    ValidationError,
)
from resonanz.web.deps import CsrfFailed, Forbidden, LoginRequired, require, required_role
from resonanz.web.i18n import gettext as _
from resonanz.web.templating import render


class TooManyAttempts(ResonanzError):
    """Login attempts used up for now (429)."""


# (error class, HTTP status, API code), most specific first
_STATUS: tuple[tuple[type[ResonanzError], int, str], ...] = (
    (LoginRequired, 401, "login_required"),
    (CsrfFailed, 403, "csrf_failed"),
    (Forbidden, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (QueryError, 422, "invalid_query"),
    (ValidationError, 422, "invalid"),
    (ConfigError, 422, "invalid_setting"),
    (TooManyAttempts, 429, "too_many_attempts"),
    (StoreError, 503, "store_unavailable"),
)


def is_api(request: Request) -> bool:
    """True for REST API paths (JSON errors)."""
    return request.url.path.startswith("/api/")


def error_json(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    """The API's error body."""
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status)


def _status_of(exc: ResonanzError) -> tuple[int, str]:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 400, "error"


def _page(request: Request, status: int, message: str) -> Response:
    titles = {
        401: _("Please log in"),
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Conflict"),
        413: _("Too large"),
        422: _("Invalid input"),
        429: _("Too many attempts"),
        503: _("Database unavailable"),
    }
    title = titles.get(status, _("Error"))
    return render(request, "error.html", {"title": title, "message": message}, status=status)


async def resonanz_error(request: Request, exc: Exception) -> Response:
    """A ResonanzError as JSON (API) or an error page; a missing login redirects pages."""
    assert isinstance(exc, ResonanzError)
    status, code = _status_of(exc)
    if is_api(request):
        extra: dict[str, object] = {}
        if isinstance(exc, QueryError):
            extra["position"] = exc.position
        return error_json(status, code, str(exc), **extra)
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return _page(request, status, str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors (unknown route, wrong method) in the same two shapes."""
    assert isinstance(exc, HTTPException)
    if is_api(request):
        return error_json(exc.status_code, f"http_{exc.status_code}", str(exc.detail))
    messages = {404: _("There is no page at this address."), 405: _("Method not allowed.")}
    return _page(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))


async def invalid_request(request: Request, exc: Exception) -> Response:
    """Request validation errors: each field and what is wrong with it.

    FastAPI validates the body before the route's dependencies run; for workspace routes
    the caller's access is checked here first, so an invalid body never tells an outsider
    more than "not found".
    """
    assert isinstance(exc, RequestValidationError)
    slug = request.path_params.get("slug")
    dependant = getattr(request.scope.get("route"), "dependant", None)
    role = required_role(dependant) if dependant is not None else None
    if isinstance(slug, str):
        try:
            require(role or "viewer")(request, slug)
        except ResonanzError as refused:
            return await resonanz_error(request, refused)
    fields = [
        {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    if is_api(request):
        return error_json(422, "invalid_request", summary, fields=fields)
    return _page(request, 422, summary)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(ResonanzError, resonanz_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
