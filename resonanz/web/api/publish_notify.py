"""REST: which alert channels get the workspace's publishing events, and in which
language (resonanz.publishing.notify; docs/publishing.md, "Notifications")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from resonanz.publishing.notify import DEFAULT_EVENTS, EVENTS, channel_names, chosen, configure
from resonanz.store.publish_notify import notify_store
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Admin, StoreDep, Viewer

router = APIRouter(tags=["publishing"], responses=ERRORS)
PATH = "/workspaces/{slug}/publishing/notifications"


class NotifyOut(BaseModel):
    channels: list[str] = Field(description="Alert channels that get publishing events")
    lang: str = Field(description="de | en")
    since: datetime | None = Field(description="Events from this time on are notified")
    events: list[str] = Field(description="The events that are notified")
    known_events: list[str] = Field(description="Every publishing event there is")


class NotifyIn(BaseModel):
    channels: list[str] = Field(
        max_length=20, description="Alert channel names; an empty list stops notifying"
    )
    lang: Literal["de", "en"] = "de"
    events: list[str] | None = Field(
        None,
        max_length=20,
        description="The events to notify (known_events); null: the delivery events, "
        "without approvals",
    )


def _out(store: StoreDep, workspace_id: int) -> NotifyOut:
    current = notify_store(store).get(workspace_id)
    if current is None:
        return NotifyOut(
            channels=[], lang="de", since=None, events=list(DEFAULT_EVENTS), known_events=[*EVENTS]
        )
    return NotifyOut(
        channels=channel_names(store, current),
        lang=current.lang,
        since=current.since,
        events=list(chosen(current)),
        known_events=list(EVENTS),
    )


@router.get(PATH, response_model=NotifyOut)
def get_notifications(access: Viewer, store: StoreDep) -> NotifyOut:
    """Where the workspace's publishing events go."""
    return _out(store, access.workspace.id)


@router.put(PATH, response_model=NotifyOut)
def put_notifications(body: NotifyIn, access: Admin, store: StoreDep) -> NotifyOut:
    """Choose the alert channels and the language of publishing notifications (admins);
    422 for a channel the workspace does not have."""
    configure(
        store,
        access.workspace.id,
        body.channels,
        lang=body.lang,
        events=body.events,
        user_id=access.user.id,
    )
    return _out(store, access.workspace.id)
