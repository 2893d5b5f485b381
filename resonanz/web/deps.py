"""Who is asking and what they may do: the dependencies every route declares.

A request is authenticated by an API token (``Authorization: Bearer rz_...``, scoped to one
workspace, no cookies, no CSRF) or by the signed session cookie (then every unsafe method
needs the session's CSRF token in the ``X-CSRF-Token`` header or a ``csrf_token`` form
field). ``require(role)`` gives a route the workspace of its ``{slug}`` path parameter with
the caller's membership; a workspace the caller is not a member of is "not found", a role
too low is "forbidden".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from resonanz.accounts import ApiToken, Membership, User, has_role, role_rank
from resonanz.config import Settings
from resonanz.errors import NotFoundError, ResonanzError
from resonanz.models import Workspace
from resonanz.store import Store
from resonanz.web.security import csrf_matches

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(ResonanzError):
    """No valid session or token: pages redirect to the login, the API answers 401."""


class Forbidden(ResonanzError):
    """Logged in, but the role does not allow this (403)."""


class CsrfFailed(ResonanzError):
    """An unsafe request with a session cookie but without its CSRF token (403)."""


@dataclass(frozen=True)
class Access:
    """The workspace a route acts on, who acts, and their role there."""

    workspace: Workspace
    user: User
    membership: Membership
    token: ApiToken | None = None

    @property
    def role(self) -> str:
        return self.membership.role

    def can(self, role: str) -> bool:
        """True when the caller's role grants what ``role`` grants."""
        return has_role(self.membership.role, role)


def get_store(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def optional_user(request: Request) -> User | None:
    """The caller, or None; also sets request.state.user and request.state.token."""
    if hasattr(request.state, "user"):
        user: User | None = request.state.user
        return user
    store = get_store(request)
    user = None
    token = None
    secret = _bearer(request)
    if secret is not None:
        token = store.accounts.token_for(secret)
        if token is None:
            raise LoginRequired("the API token is invalid or revoked")
        user = store.accounts.get_user(token.user_id)
    else:
        uid = request.session.get("uid")
        if isinstance(uid, int):
            try:
                found = store.accounts.get_user(uid)
            except NotFoundError:
                found = None
            if found is not None and request.session.get("sv") == found.session_version:
                user = found
            else:
                request.session.clear()
    request.state.user = user
    request.state.token = token
    return user


def current_user(request: Request) -> User:
    """The caller; LoginRequired when there is none."""
    user = optional_user(request)
    if user is None:
        raise LoginRequired("please log in")
    return user


async def check_csrf(request: Request) -> None:
    """Refuse unsafe cookie-authenticated requests without the session's CSRF token."""
    if request.method not in UNSAFE_METHODS or _bearer(request) is not None:
        return
    expected = request.session.get("csrf")
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not csrf_matches(expected, given):
        raise CsrfFailed("the form has expired or did not come from this site; please reload")


def require(role: str) -> Callable[[Request, str], Access]:
    """A dependency: the ``{slug}`` workspace, if the caller has at least ``role`` there."""

    def dependency(request: Request, slug: str) -> Access:
        user = current_user(request)
        store = get_store(request)
        token: ApiToken | None = request.state.token
        try:
            workspace = store.get_workspace(slug)
        except NotFoundError:
            raise NotFoundError(f"workspace '{slug}' does not exist") from None
        membership = store.accounts.membership(workspace.id, user.id)
        if membership is None or (token is not None and token.workspace_id != workspace.id):
            raise NotFoundError(f"workspace '{slug}' does not exist")
        access = Access(workspace, user, membership, token)
        if not access.can(role):
            raise Forbidden(f"this needs the role '{role}' in workspace '{slug}'")
        request.state.access = access
        return access

    dependency.required_role = role  # type: ignore[attr-defined]  # read by the authz tests
    return dependency


def required_role(dependant: Any) -> str | None:
    """The highest role a route's ``require(role)`` dependencies ask for (None: none)."""
    roles: list[str] = []
    stack = [dependant]
    while stack:
        current = stack.pop()
        role = getattr(current.call, "required_role", None)
        if isinstance(role, str):
            roles.append(role)
        stack.extend(current.dependencies)
    return max(roles, key=role_rank) if roles else None


Viewer = Annotated[Access, Depends(require("viewer"))]
Analyst = Annotated[Access, Depends(require("analyst"))]
Editor = Annotated[Access, Depends(require("editor"))]
Admin = Annotated[Access, Depends(require("admin"))]
Owner = Annotated[Access, Depends(require("owner"))]
CurrentUser = Annotated[User, Depends(current_user)]
