"""The start page: the caller's workspaces and creating one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.errors import ConflictError, ValidationError
from resonanz.models import check_workspace_slug
from resonanz.web.deps import CurrentUser, StoreDep
from resonanz.web.i18n import gettext as _
from resonanz.web.templating import render

router = APIRouter()


def check_slug(slug: str) -> str:
    """A valid workspace slug, with the message in the UI's language."""
    slug = slug.strip()
    try:
        return check_workspace_slug(slug)
    except ValidationError:
        raise ValidationError(
            _("The short name may use a-z, 0-9 and hyphens (up to 63 characters).")
        ) from None


@router.get("/")
def home(request: Request, user: CurrentUser, store: StoreDep) -> Response:
    mine = store.accounts.workspaces_of(user.id)
    if len(mine) == 1:
        return RedirectResponse(f"/w/{mine[0][0].slug}", status_code=303)
    return RedirectResponse("/w", status_code=303)


@router.get("/w")
def workspace_list(request: Request, user: CurrentUser, store: StoreDep) -> Response:
    mine = store.accounts.workspaces_of(user.id)
    return render(request, "workspaces.html", {"mine": mine, "errors": {}, "form": {}})


@router.post("/w")
def workspace_create(
    request: Request,
    user: CurrentUser,
    store: StoreDep,
    name: Annotated[str, Form()] = "",
    slug: Annotated[str, Form()] = "",
) -> Response:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Please enter a name.")
    try:
        slug = check_slug(slug)
    except ValidationError as exc:
        errors["slug"] = str(exc)
    if not errors:
        try:
            workspace = store.create_workspace(slug, name.strip())
        except ConflictError:
            errors["slug"] = _("This short name is taken.")
        else:
            store.accounts.add_member(workspace.id, user.id, "owner", approver=True)
            store.accounts.audit(workspace.id, user.id, "workspace.create", slug)
            return RedirectResponse(f"/w/{workspace.slug}", status_code=303)
    mine = store.accounts.workspaces_of(user.id)
    context = {"mine": mine, "errors": errors, "form": {"name": name, "slug": slug}}
    return render(request, "workspaces.html", context, status=422)
