"""The publishing channels page: each channel with its account, status, last error and
when its credentials end; admins test and remove channels, add Mastodon (instance +
access token) and Bluesky (handle + app password) ones, and connect (or reconnect)
Mastodon, X, LinkedIn, Threads, Facebook Page and Instagram channels with OAuth
(web.channel_connect).
Secrets are write-only: checked against the platform, stored encrypted, never shown back
(not even after an error)."""

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
from resonanz.web.channel_connect import (
    OAUTH_KINDS,
    ConnectForm,
    PageChoice,
    begin_flow,
    choose_page,
    finish_flow,
    page_choice,
    redirect_uri,
    take_flow,
)
from resonanz.web.deps import Access, Admin, SettingsDep, StoreDep, Viewer
from resonanz.web.i18n import gettext as _
from resonanz.web.publishing_deps import Publishing, PublishingDep
from resonanz.web.routes.delivery import channel_rows
from resonanz.web.templating import render

router = APIRouter()
FormStr = Annotated[str, Form()]
DEFAULT_PDS = "https://bsky.social"
FLASH = "channels_flash"  # a connect flow's refusal, shown once on the channels page


def _page(
    request: Request,
    access: Access,
    publishing: Publishing,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    results: dict[int, str] | None = None,
    connect: dict[str, str] | None = None,
    connect_error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    settings = request.app.state.settings
    slug = access.workspace.slug
    context: dict[str, Any] = {
        "nav": "publishing",
        "subnav": "channels",
        "channels": channel_rows(publishing, access.workspace.id, datetime.now(UTC)),
        "form": form or {"kind": "", "name": "", "instance": "", "handle": "", "pds": ""},
        "error": error,
        "results": results or {},
        "is_admin": access.can("admin"),
        "default_pds": DEFAULT_PDS,
        "oauth_kinds": OAUTH_KINDS,
        "connect": connect
        or {"kind": "", "name": "", "client_id": "", "author": "", "page": "", "instance": ""},
        "connect_error": connect_error,
        # Mastodon's is registered by Resonanz itself (publishing.mastodon_connect).
        "redirect_uris": {
            kind: redirect_uri(settings, slug, kind) for kind in OAUTH_KINDS if kind != "mastodon"
        },
        "notice": notice,
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
def channels_page(
    request: Request,
    access: Viewer,
    publishing: PublishingDep,
    reconnect: int | None = None,
    connected: int | None = None,
) -> Response:
    """Channels with status, last error and credentials' end; forms for admins
    (``reconnect``: the connect form filled in for that channel; ``connected``: the
    channel a connect flow has just stored)."""
    connect = None
    notice = None
    flash = request.session.pop(FLASH, None)
    flash = flash if isinstance(flash, dict) else {}
    if isinstance(flash.get("connect"), dict):
        connect = {k: str(v) for k, v in flash["connect"].items()}
    if reconnect is not None and access.can("admin"):
        old = channel_of(publishing, access, reconnect)
        if old.kind in OAUTH_KINDS:
            connect = {
                "kind": old.kind,
                "name": old.name,
                "client_id": "",
                "author": str(old.config.get("author") or ""),
                "page": str(old.config.get("page") or ""),
                "instance": str(old.config.get("instance") or ""),
            }
    if connected is not None:
        done = channel_of(publishing, access, connected)
        notice = _("Channel %(name)s (%(kind)s) connected as %(account)s.") % {
            "name": done.name,
            "kind": done.kind,
            "account": done.config.get("account") or done.name,
        }
    error = str(flash["error"]) if flash.get("error") else None
    return _page(request, access, publishing, connect=connect, connect_error=error, notice=notice)


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


@router.post("/w/{slug}/channels/connect")
def channel_connect(
    request: Request,
    access: Admin,
    settings: SettingsDep,
    publishing: PublishingDep,
    kind: FormStr = "",
    name: FormStr = "",
    client_id: FormStr = "",
    client_secret: FormStr = "",
    author: FormStr = "",
    page: FormStr = "",
    api: FormStr = "",
    instance: FormStr = "",
) -> Response:
    """Start an OAuth connect flow: a page that sends the browser on to the platform
    (a redirect straight from the form would break the CSP's form-action 'self')."""
    form = ConnectForm(kind, name, client_id, client_secret, author, page, api, instance)
    try:
        url = begin_flow(
            request.session, settings, publishing.classes, publishing.pub, access, form
        )
    except (ValidationError, ConfigError) as exc:
        message = _("The connection was not started: %(reason)s") % {"reason": exc}
        return _page(
            request, access, publishing, connect=form.shown(), connect_error=message, status=422
        )
    context = {"nav": "publishing", "subnav": "channels", "url": url, "kind": kind}
    return render(request, "channels_connect.html", context)


@router.get("/w/{slug}/channels/callback/{kind}")
def channel_callback(
    request: Request,
    access: Admin,
    store: StoreDep,
    settings: SettingsDep,
    publishing: PublishingDep,
    kind: str,
    code: str = "",
    state: str = "",
    error: str = "",
    error_description: str = "",
) -> Response:
    """Where the platform sends the browser back: the state checked (this session's
    flow, user, workspace and kind), the code exchanged, the channel stored. Always
    answered with a redirect to the channels page (the code and state leave the
    address bar); a refusal is shown there once."""
    back = f"/w/{access.workspace.slug}/channels"
    try:
        flow = take_flow(request.session, settings, access, kind, state)
    except (ValidationError, ConfigError) as exc:  # ConfigError: sealed with a retired key
        message = _("The channel was not connected: %(reason)s") % {"reason": exc}
        request.session[FLASH] = {"error": message}
        return RedirectResponse(f"{back}#connect", status_code=303)
    shown = {"kind": kind, "name": str(flow["name"]), "client_id": str(flow["client_id"])}
    shown.update(page=str(flow.get("page") or ""), api=str(flow.get("api") or ""))
    shown["author"] = str((flow.get("config") or {}).get("author") or "")
    shown["instance"] = str((flow.get("config") or {}).get("instance") or "")
    if error:
        said = (error_description or error)[:300]
        message = _("The platform refused access: %(reason)s") % {"reason": said}
        request.session[FLASH] = {"error": message, "connect": shown}
        return RedirectResponse(f"{back}#connect", status_code=303)
    try:
        channel = finish_flow(
            request.session, publishing.pub, settings, publishing.classes, access, kind, flow, code
        )
    except (ValidationError, ConfigError, ConflictError, PublishError) as exc:
        message = _("The channel was not connected: %(reason)s") % {"reason": exc}
        request.session[FLASH] = {"error": message, "connect": shown}
        return RedirectResponse(f"{back}#connect", status_code=303)
    if isinstance(channel, PageChoice):
        return RedirectResponse(f"{back}/connect/page", status_code=303)
    return _connected(store, access, channel)


def _connected(store: Any, access: Access, channel: PublishChannel) -> Response:
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "publish_channel.connect",
        channel.name,
        {"kind": channel.kind},
    )
    return RedirectResponse(
        f"/w/{access.workspace.slug}/channels?connected={channel.id}", status_code=303
    )


@router.get("/w/{slug}/channels/connect/page")
def page_choice_page(request: Request, access: Admin, settings: SettingsDep) -> Response:
    """The Pages a Facebook Login granted, to pick one (id, name, linked account; no
    token)."""
    try:
        choice = page_choice(request.session, settings, access)
    except (ValidationError, ConfigError) as exc:
        message = _("The channel was not connected: %(reason)s") % {"reason": exc}
        request.session[FLASH] = {"error": message}
        return RedirectResponse(f"/w/{access.workspace.slug}/channels#connect", status_code=303)
    context = {"nav": "publishing", "subnav": "channels", "choice": choice}
    return render(request, "channels_page_choice.html", context)


@router.post("/w/{slug}/channels/connect/page")
def page_chosen(
    request: Request,
    access: Admin,
    store: StoreDep,
    settings: SettingsDep,
    publishing: PublishingDep,
    page: FormStr = "",
) -> Response:
    """Connect the picked Page (the waiting choice is used once)."""
    try:
        channel = choose_page(
            request.session, publishing.pub, settings, publishing.classes, access, page
        )
    except (ValidationError, ConfigError, ConflictError, PublishError) as exc:
        message = _("The channel was not connected: %(reason)s") % {"reason": exc}
        request.session[FLASH] = {"error": message}
        return RedirectResponse(f"/w/{access.workspace.slug}/channels#connect", status_code=303)
    return _connected(store, access, channel)
