"""REST: the workspace's sources with their health; adding feeds and platform connectors,
changing options (renewing credentials), enabling, disabling, removing."""

from __future__ import annotations

from fastapi import APIRouter, Request

from resonanz.errors import ValidationError
from resonanz.models import SourceConfig
from resonanz.sources.configure import masked_config, source_state
from resonanz.web.api.models import ERRORS, SourceHealthOut, SourceIn, SourceOut, SourcePatch
from resonanz.web.deps import Editor, StoreDep, Viewer
from resonanz.web.sources_admin import SourceInputError, add_source, source_by_id, update_options

router = APIRouter(tags=["sources"], responses=ERRORS)
PREFIX = "/workspaces/{slug}/sources"


def _out(source: SourceConfig) -> SourceOut:
    h = source.health
    return SourceOut(
        id=source.id,
        name=source.name,
        kind=source.kind,
        enabled=source.enabled,
        config=masked_config(source.config),
        health=SourceHealthOut(
            state=source_state(source),
            last_run_at=h.last_run_at,
            last_success_at=h.last_success_at,
            last_error=h.last_error,
            last_error_at=h.last_error_at,
            items_total=h.items_total,
            attention=h.attention,
            lag_seconds=h.lag_seconds,
            items_per_minute=h.items_per_minute,
        ),
    )


@router.get(PREFIX, response_model=list[SourceOut])
def list_sources(access: Viewer, store: StoreDep) -> list[SourceOut]:
    """The workspace's sources (credentials masked) with their health."""
    return [_out(s) for s in store.list_sources(access.workspace.id)]


@router.post(PREFIX, response_model=SourceOut, status_code=201)
def create_source(body: SourceIn, request: Request, access: Editor, store: StoreDep) -> SourceOut:
    """Add a source of any connector kind but ``file``, checked as the CLI checks it;
    private-network addresses are refused unless the server allows them."""
    target = body.url if body.kind == "rss" else body.target
    try:
        source = add_source(
            request, store, access.workspace.id, body.kind, target, body.options, body.name
        )
    except SourceInputError as exc:
        raise ValidationError(f"{exc.field}: {exc}") from None
    details = {"kind": source.kind, "options": sorted(body.options)}
    store.accounts.audit(access.workspace.id, access.user.id, "source.create", source.name, details)
    return _out(source)


@router.get(PREFIX + "/{source_id}", response_model=SourceOut)
def get_source(source_id: int, access: Viewer, store: StoreDep) -> SourceOut:
    """One source."""
    return _out(source_by_id(store, access.workspace.id, source_id))


@router.patch(PREFIX + "/{source_id}", response_model=SourceOut)
def patch_source(
    source_id: int, body: SourcePatch, request: Request, access: Editor, store: StoreDep
) -> SourceOut:
    """Enable or disable a source, or change its options (renewing credentials resumes a
    paused source)."""
    source = source_by_id(store, access.workspace.id, source_id)
    if body.options is not None:
        try:
            source = update_options(request, store, source, body.options)
        except SourceInputError as exc:
            raise ValidationError(f"{exc.field}: {exc}") from None
        details = {"options": sorted(body.options)}
        store.accounts.audit(
            access.workspace.id, access.user.id, "source.update", source.name, details
        )
    if body.enabled is not None:
        source = store.update_source(source.id, enabled=body.enabled)
        action = "source.enable" if body.enabled else "source.disable"
        store.accounts.audit(access.workspace.id, access.user.id, action, source.name)
    return _out(source)


@router.delete(PREFIX + "/{source_id}", status_code=204)
def delete_source(source_id: int, access: Editor, store: StoreDep) -> None:
    """Remove a source (its mentions stay)."""
    source = source_by_id(store, access.workspace.id, source_id)
    store.remove_source(access.workspace.id, source.name)
    store.accounts.audit(access.workspace.id, access.user.id, "source.delete", source.name)
