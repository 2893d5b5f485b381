"""Sources page: health at a glance, adding feeds and platform connectors, renewing options
(credentials), enabling, disabling, removing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.sources.configure import masked_config, source_state, source_target
from resonanz.store import Store
from resonanz.web.deps import Access, Editor, StoreDep, Viewer
from resonanz.web.sources_admin import (
    SourceInputError,
    add_source,
    parse_option_lines,
    source_by_id,
    update_options,
    web_kinds,
)
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
        "kinds": [k for k in web_kinds(request) if k != "rss"],
        "form": form or {"url": "", "name": "", "kind": "", "target": "", "options": ""},
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
    request: Request,
    access: Editor,
    store: StoreDep,
    url: FormStr = "",
    name: FormStr = "",
    kind: FormStr = "rss",
    target: FormStr = "",
    options: FormStr = "",
) -> Response:
    """Add a feed (``url``) or a platform connector (``kind``, ``target``, ``options`` as
    key=value lines), checked like ``resonanz source add KIND TARGET -o ...``."""
    form = {"url": url, "name": name, "kind": kind, "target": target, "options": options}
    try:
        parsed = parse_option_lines(options)
        what = url if kind == "rss" else target
        source = add_source(request, store, access.workspace.id, kind, what, parsed, name)
    except SourceInputError as exc:
        return _page(request, access, store, form=form, errors={exc.field: str(exc)}, status=422)
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "source.create",
        source.name,
        {"kind": source.kind, "options": sorted(parsed)},  # names only: values may be secrets
    )
    return _to_list(access)


@router.post("/w/{slug}/sources/{source_id}/options")
def source_options(
    request: Request, access: Editor, store: StoreDep, source_id: int, options: FormStr = ""
) -> Response:
    """Change a source's options or renew its credentials (a paused source resumes)."""
    source = source_by_id(store, access.workspace.id, source_id)
    try:
        parsed = parse_option_lines(options)
        update_options(request, store, source, parsed)
    except SourceInputError as exc:
        errors = {f"options-{source.id}": str(exc)}
        return _page(request, access, store, errors=errors, status=422)
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "source.update",
        source.name,
        {"options": sorted(parsed)},
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
