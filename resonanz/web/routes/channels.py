"""The publishing channels page: each channel with its account, status, last error and
when its credentials end; admins test and remove channels and add Mastodon (instance +
access token) and Bluesky (handle + app password) ones. Secrets are write-only: checked
against the platform, stored encrypted, never shown back (not even after an error)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.errors import (
    ConfigError,
    ConflictError,
    NotFoundError,
    PublishError,
    ValidationError,
)
from resonanz.publishing.connect import add_channel, check_channel
from resonanz.publishing.models import PublishChannel
from resonanz.web.deps import Access, Admin, SettingsDep, StoreDep, Viewer
from resonanz.web.i18n import gettext as _
from resonanz.web.publishing_deps import Publishing, PublishingDep
from resonanz.web.routes.delivery import channel_rows
from resonanz.web.templating import render

router = APIRouter()
FormStr = Annotated[str, Form()]
DEFAULT_PDS = "https://bsky.social"


def _page(
    request: Request,
    access: Access,
    publishing: Publishing,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    results: dict[int, str] | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "nav": "publishing",
        "subnav": "channels",
        "channels": channel_rows(publishing, access.workspace.id, datetime.now(UTC)),
        "form": form or {"kind": "", "name": "", "instance": "", "handle": "", "pds": ""},
        "error": error,
        "results": results or {},
        "is_admin": access.can("admin"),
        "default_pds": DEFAULT_PDS,
    }
    return render(request, "channels.html", context, status=status)


def channel_of(publishing: Publishing, access: Access, channel_id: int) -> PublishChannel:
    """The workspace's channel with this id (another workspace's: not found)."""
    channel = publishing.pub.get_channel_by_id(channel_id)
    if channel.workspace_id != access.workspace.id:
        raise NotFoundError(f"no publishing channel with id {channel_id}")
    return channel


def _back(access: Access) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/channels", status_code=303)


@router.get("/w/{slug}/channels")
def channels_page(request: Request, access: Viewer, publishing: PublishingDep) -> Response:
    """Channels with status, last error and credentials' end; forms for admins."""
    return _page(request, access, publishing)


@router.post("/w/{slug}/channels")
def channel_add(
    request: Request,
    access: Admin,
    store: StoreDep,
    settings: SettingsDep,
    publishing: PublishingDep,
    kind: FormStr = "",
    name: FormStr = "",
    instance: FormStr = "",
    token: FormStr = "",
    handle: FormStr = "",
    app_password: FormStr = "",
    pds: FormStr = "",
) -> Response:
    """Add a Mastodon or Bluesky channel; its credentials are checked first."""
    kept = {"kind": kind, "name": name, "instance": instance, "handle": handle, "pds": pds}
    if kind == "mastodon":
        config: dict[str, Any] = {"instance": instance.strip(), "visibility": "public"}
        secrets = {"token": token.strip()}
        missing = not (instance.strip() and token.strip())
    elif kind == "bluesky":
        config = {"pds": pds.strip() or DEFAULT_PDS, "handle": handle.strip().lstrip("@")}
        secrets = {"app_password": app_password.strip()}
        missing = not (handle.strip() and app_password.strip())
    else:
        message = _("Choose Mastodon or Bluesky.")
        return _page(request, access, publishing, form=kept, error=message, status=422)
    if missing or not name.strip():
        message = _("Fill in the name and every field of the form.")
        return _page(request, access, publishing, form=kept, error=message, status=422)
    try:
        channel = add_channel(
            publishing.pub,
            settings,
            publishing.classes,
            access.workspace.id,
            kind,
            name,
            config,
            secrets,
        )
    except (ValidationError, ConfigError, ConflictError, PublishError) as exc:
        message = _("The channel was not added: %(reason)s") % {"reason": exc}
        code = 409 if isinstance(exc, ConflictError) else 422
        return _page(request, access, publishing, form=kept, error=message, status=code)
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "publish_channel.create",
        channel.name,
        {"kind": channel.kind},
    )
    return _back(access)


@router.post("/w/{slug}/channels/{publish_channel_id}/test")
def channel_test(
    request: Request,
    access: Admin,
    settings: SettingsDep,
    publishing: PublishingDep,
    publish_channel_id: int,
) -> Response:
    """Check the stored credentials again and show the result next to the channel."""
    channel = channel_of(publishing, access, publish_channel_id)
    try:
        check_channel(publishing.pub, settings, publishing.classes, channel)
    except (PublishError, ConfigError) as exc:
        result = _("The check failed: %(reason)s") % {"reason": exc}
    else:
        result = _("The channel works.")
    return _page(request, access, publishing, results={channel.id: result})


@router.post("/w/{slug}/channels/{publish_channel_id}/remove")
def channel_remove(
    request: Request,
    access: Admin,
    store: StoreDep,
    publishing: PublishingDep,
    publish_channel_id: int,
) -> Response:
    """Remove a channel; its unsent deliveries are canceled (kept, with the reason)."""
    channel = channel_of(publishing, access, publish_channel_id)
    try:
        canceled = publishing.pub.remove_channel(
            access.workspace.id, channel.name, at=datetime.now(UTC)
        )
    except ConflictError as exc:
        message = _("Not removed: %(reason)s") % {"reason": exc}
        return _page(request, access, publishing, results={channel.id: message}, status=409)
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "publish_channel.delete",
        channel.name,
        {"canceled": canceled},
    )
    return _back(access)
