"""REST: a check of one publishing channel's stored credentials, and its removal (admins).
The list is ``GET /channels`` (api/posts.py). Secrets are never part of an answer."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from resonanz.errors import ConfigError, PublishError
from resonanz.publishing.connect import check_channel
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Admin, SettingsDep, StoreDep
from resonanz.web.publishing_deps import PublishingDep
from resonanz.web.routes.channels import channel_of

router = APIRouter(tags=["publishing"], responses=ERRORS)
PREFIX = "/workspaces/{slug}/channels"


class CheckOut(BaseModel):
    ok: bool
    status: str
    message: str | None


class RemovedOut(BaseModel):
    removed: str
    canceled: int = Field(description="Unsent deliveries canceled with it")


@router.post(PREFIX + "/{publish_channel_id}/test", response_model=CheckOut)
def test_channel(
    publish_channel_id: int, access: Admin, settings: SettingsDep, publishing: PublishingDep
) -> CheckOut:
    """Check the stored credentials against the platform (refused: disconnected)."""
    channel = channel_of(publishing, access, publish_channel_id)
    try:
        checked = check_channel(publishing.pub, settings, publishing.classes, channel)
    except (PublishError, ConfigError) as exc:
        now = publishing.pub.get_channel_by_id(channel.id)
        return CheckOut(ok=False, status=now.status, message=str(exc))
    return CheckOut(ok=True, status=checked.status, message=None)


@router.delete(PREFIX + "/{publish_channel_id}", response_model=RemovedOut)
def remove_channel(
    publish_channel_id: int, access: Admin, store: StoreDep, publishing: PublishingDep
) -> RemovedOut:
    """Remove the channel; its unsent deliveries are canceled (409 while one is sent)."""
    channel = channel_of(publishing, access, publish_channel_id)
    canceled = publishing.pub.remove_channel(
        access.workspace.id, channel.name, at=datetime.now(UTC)
    )
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "publish_channel.delete",
        channel.name,
        {"canceled": canceled},
    )
    return RemovedOut(removed=channel.name, canceled=canceled)
