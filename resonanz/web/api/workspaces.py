"""REST: the caller and their workspaces."""

from __future__ import annotations

from fastapi import APIRouter

from resonanz.errors import ConflictError
from resonanz.web.api.models import ERRORS, UserOut, WorkspaceIn, WorkspaceOut
from resonanz.web.deps import CurrentUser, Owner, StoreDep, Viewer

router = APIRouter(tags=["workspaces"], responses=ERRORS)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    """The logged-in user (or the owner of the API token)."""
    return UserOut(id=user.id, email=user.email, name=user.name, locale=user.locale)


@router.get("/workspaces", response_model=list[WorkspaceOut])
def list_workspaces(user: CurrentUser, store: StoreDep) -> list[WorkspaceOut]:
    """The workspaces the caller belongs to, with their role."""
    return [
        WorkspaceOut(slug=w.slug, name=w.name, role=m.role, created_at=w.created_at)
        for w, m in store.accounts.workspaces_of(user.id)
    ]


@router.post("/workspaces", response_model=WorkspaceOut, status_code=201)
def create_workspace(body: WorkspaceIn, user: CurrentUser, store: StoreDep) -> WorkspaceOut:
    """Create a workspace; the caller becomes its owner."""
    try:
        workspace = store.create_workspace(body.slug, body.name.strip())
    except ConflictError:
        raise ConflictError(f"the short name '{body.slug}' is taken") from None
    store.accounts.add_member(workspace.id, user.id, "owner", approver=True)
    store.accounts.audit(workspace.id, user.id, "workspace.create", workspace.slug)
    return WorkspaceOut(
        slug=workspace.slug, name=workspace.name, role="owner", created_at=workspace.created_at
    )


@router.get("/workspaces/{slug}", response_model=WorkspaceOut)
def get_workspace(access: Viewer) -> WorkspaceOut:
    """One workspace of the caller's."""
    w = access.workspace
    return WorkspaceOut(slug=w.slug, name=w.name, role=access.role, created_at=w.created_at)


@router.delete("/workspaces/{slug}", status_code=204)
def delete_workspace(access: Owner, store: StoreDep) -> None:
    """Delete a workspace with all its topics, sources and mentions (owners only)."""
    store.delete_workspace(access.workspace.slug)
