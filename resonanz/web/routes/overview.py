"""The workspace's overview page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from resonanz.store import MentionFilter
from resonanz.web.deps import StoreDep, Viewer
from resonanz.web.templating import render

router = APIRouter()


@router.get("/w/{slug}")
def overview(request: Request, access: Viewer, store: StoreDep) -> Response:
    ws = access.workspace
    flt = MentionFilter()
    context = {
        "nav": "overview",
        "total": store.count_mentions(ws.id, flt),
        "by_topic": store.count_by(ws.id, "topic", flt),
        "by_platform": store.count_by(ws.id, "platform", flt),
    }
    return render(request, "overview.html", context)
