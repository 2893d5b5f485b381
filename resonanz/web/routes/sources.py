"""Sources page: health at a glance, adding RSS/Atom feeds, enabling, disabling, removing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.sources.configure import masked_config, source_state, source_target
from resonanz.store import Store
from resonanz.web.deps import Access, Editor, StoreDep, Viewer
from resonanz.web.sources_admin import SourceInputError, add_feed, source_by_id
from resonanz.web.templating import render

router = APIRouter()

FormStr = Annotated[str, Form()]


def _page(
    request: Request,
    access: Access,
    store: Store,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    rows = [
        {
            "source": s,
            "state": source_state(s),
            "target": source_target(s),
            "config": masked_config(s.config),
        }
        for s in store.list_sources(access.workspace.id)
    ]
    context = {
        "nav": "sources",
        "rows": rows,
        "form": form or {"url": "", "name": ""},
        "errors": errors or {},
    }
    return render(request, "sources.html", context, status=status)


def _to_list(access: Access) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/sources", status_code=303)


@router.get("/w/{slug}/sources")
def source_list(request: Request, access: Viewer, store: StoreDep) -> Response:
    """The workspace's sources with their health."""
    return _page(request, access, store)


@router.post("/w/{slug}/sources")
def source_add(
    request: Request, access: Editor, store: StoreDep, url: FormStr = "", name: FormStr = ""
) -> Response:
    """Add an RSS/Atom feed (checked like ``resonanz source add rss URL``)."""
    try:
        source = add_feed(request, store, access.workspace.id, url, name)
    except SourceInputError as exc:
        form = {"url": url, "name": name}
        return _page(request, access, store, form=form, errors={exc.field: str(exc)}, status=422)
    store.accounts.audit(
        access.workspace.id, access.user.id, "source.create", source.name, {"kind": source.kind}
    )
    return _to_list(access)


@router.post("/w/{slug}/sources/{source_id}/enabled")
def source_enable(
    access: Editor, store: StoreDep, source_id: int, enabled: FormStr = "0"
) -> Response:
    """Enable or disable a source."""
    source = source_by_id(store, access.workspace.id, source_id)
    on = enabled in ("1", "true", "on")
    store.update_source(source.id, enabled=on)
    action = "source.enable" if on else "source.disable"
    store.accounts.audit(access.workspace.id, access.user.id, action, source.name)
    return _to_list(access)


@router.post("/w/{slug}/sources/{source_id}/delete")
def source_delete(access: Editor, store: StoreDep, source_id: int) -> Response:
    """Remove a source (its mentions stay)."""
    source = source_by_id(store, access.workspace.id, source_id)
    store.remove_source(access.workspace.id, source.name)
    store.accounts.audit(access.workspace.id, access.user.id, "source.delete", source.name)
    return _to_list(access)
