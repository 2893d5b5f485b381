"""Alerts page: the workspace's incidents with their explanation and delivery state, its
rules and its channels (with their last error). Read-only: rules and channels are set up
with `resonanz alerts ...` for now."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from resonanz.alerts.channels import describe_channel
from resonanz.alerts.engine import mentions_path
from resonanz.web.deps import SettingsDep, StoreDep, Viewer
from resonanz.web.templating import render

router = APIRouter()


@router.get("/w/{slug}/alerts")
def alert_list(
    request: Request, access: Viewer, store: StoreDep, settings: SettingsDep
) -> Response:
    """Incidents (newest first), rules and channels."""
    ws = access.workspace
    incidents = store.alerts.history(ws.id, limit=100)
    deliveries = store.alerts.deliveries(i.id for i in incidents)
    channels = store.alerts.list_channels(ws.id)
    names = {c.id: c.name for c in channels}
    context = {
        "nav": "alerts",
        "incidents": [
            (
                i,
                [d for d in deliveries if d.incident_id == i.id],
                mentions_path(ws.slug, i.topic, i.started_at - timedelta(minutes=15)),
            )
            for i in incidents
        ],
        "rules": [
            (r, [names.get(c, "?") for c in r.channel_ids]) for r in store.alerts.list_rules(ws.id)
        ],
        "channels": [(c, describe_channel(store, settings, c)) for c in channels],
    }
    return render(request, "alerts.html", context)
