"""Delivery status: every delivery that needs a look (needs-attention and failed first,
with the platform's message and the likely reason), the overdue ones with the sweeper's
reasons, what waits and what was sent lately; retry (publish now) per post, the
workspace's "pause all publishing" switch, the channels with their state and when
their credentials end, and (admins) which alert channels get which publishing events
(web/publish_notify_form.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.errors import ConflictError, ValidationError
from resonanz.publishing import compose, sweeper
from resonanz.publishing import states as st
from resonanz.publishing.diagnosis import diagnose
from resonanz.publishing.models import Delivery, PublishChannel
from resonanz.publishing.oauth_tokens import describe_end
from resonanz.web import publish_notify_form as notify_form
from resonanz.web.deps import Access, Admin, Editor, StoreDep, Viewer, get_store
from resonanz.web.i18n import gettext as _
from resonanz.web.publishing_deps import Publishing, PublishingDep
from resonanz.web.templating import render

router = APIRouter()
FormStr = Annotated[str, Form()]
RECENT = 50
PAUSE_REASON_MAX = 500


def channel_rows(publishing: Publishing, workspace_id: int, now: datetime) -> list[dict[str, Any]]:
    """The workspace's channels with when their credentials end (as 'channels list')."""
    rows = []
    for channel in publishing.pub.list_channels(workspace_id):
        cls = publishing.classes.get(channel.kind)
        rows.append(
            {
                "channel": channel,
                "ends": describe_end(cls, channel.config, now) if cls is not None else "?",
                "account": channel.config.get("account") or channel.config.get("handle") or "",
            }
        )
    return rows


def _with_reasons(
    deliveries: list[Delivery], channels: dict[int, PublishChannel]
) -> list[dict[str, Any]]:
    return [
        {
            "delivery": d,
            "diagnosis": diagnose(d, channels.get(d.channel_id or 0)),
        }
        for d in deliveries
    ]


def status(publishing: Publishing, workspace_id: int, now: datetime) -> dict[str, Any]:
    """Everything the page shows, grouped."""
    pub = publishing.pub
    channels = {c.id: c for c in pub.list_channels(workspace_id)}
    trouble = pub.deliveries(workspace_id, states=(st.NEEDS_ATTENTION, st.FAILED))
    trouble.sort(key=lambda d: (d.state != st.NEEDS_ATTENTION, d.id))
    overdue = sweeper.overdue(pub, now=now, workspace_id=workspace_id)
    late = {item.delivery.id for item in overdue}
    waiting = [d for d in pub.deliveries(workspace_id, states=st.UNSENT) if d.id not in late]
    return {
        "attention": _with_reasons(trouble, channels),
        "overdue": overdue,
        "waiting": waiting,
        "recent": pub.latest_deliveries(workspace_id, states=(st.SENT, st.CANCELED), limit=RECENT),
        "pause": pub.paused(workspace_id),
    }


def _page(
    request: Request,
    access: Access,
    publishing: Publishing,
    *,
    messages: dict[int, str] | None = None,
    pause_error: str | None = None,
    notify: notify_form.NotifyForm | None = None,
    status_code: int = 200,
) -> Response:
    now = datetime.now(UTC)
    context = {
        "nav": "publishing",
        "subnav": "delivery",
        **status(publishing, access.workspace.id, now),
        "channels": channel_rows(publishing, access.workspace.id, now),
        "messages": messages or {},
        "pause_error": pause_error,
        "can_act": access.can("editor"),
        "recent_limit": RECENT,
        "notify": notify_form.block(get_store(request), access.workspace.id, notify),
        "can_admin": access.can("admin"),
    }
    return render(request, "delivery.html", context, status=status_code)


def _back(access: Access) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/delivery", status_code=303)


@router.get("/w/{slug}/delivery")
def delivery_page(request: Request, access: Viewer, publishing: PublishingDep) -> Response:
    """Deliveries by state, overdue ones, the pause switch and the channels."""
    return _page(request, access, publishing)


@router.post("/w/{slug}/delivery/posts/{post_id}/retry")
def retry_post(
    request: Request, access: Editor, publishing: PublishingDep, post_id: int
) -> Response:
    """Publish now: every unsent delivery of the post (failed and needs-attention ones
    too) is due at the scheduler's next tick."""
    try:
        compose.publish_now(publishing.pub, publishing.classes, access.workspace.id, post_id)
    except (ValidationError, ConflictError) as exc:
        message = _("Not retried: %(reason)s") % {"reason": exc}
        code = 409 if isinstance(exc, ConflictError) else 422
        return _page(request, access, publishing, messages={post_id: message}, status_code=code)
    return _back(access)


@router.post("/w/{slug}/delivery/pause")
def pause(
    request: Request,
    access: Editor,
    store: StoreDep,
    publishing: PublishingDep,
    reason: FormStr = "",
) -> Response:
    """Hold all publishing of the workspace from the scheduler's next tick on."""
    text = reason.strip()
    if len(text) > PAUSE_REASON_MAX:
        message = _("The reason is %(length)s characters long; at most %(max)s.") % {
            "length": len(text),
            "max": PAUSE_REASON_MAX,
        }
        return _page(request, access, publishing, pause_error=message, status_code=422)
    publishing.pub.pause(access.workspace.id, reason=text, at=datetime.now(UTC))
    store.accounts.audit(
        access.workspace.id, access.user.id, "publishing.pause", "publishing", {"reason": text}
    )
    return _back(access)


@router.post("/w/{slug}/delivery/resume")
def resume(access: Editor, store: StoreDep, publishing: PublishingDep) -> Response:
    """Lift the pause: due deliveries go out at the scheduler's next tick."""
    if publishing.pub.resume(access.workspace.id):
        store.accounts.audit(access.workspace.id, access.user.id, "publishing.resume", "publishing")
    return _back(access)


@router.post("/w/{slug}/delivery/notifications")
def notifications(
    request: Request,
    access: Admin,
    publishing: PublishingDep,
    store: StoreDep,
    channels: Annotated[list[str] | None, Form()] = None,
    events: Annotated[list[str] | None, Form()] = None,
    lang: FormStr = "de",
) -> Response:
    """Choose the alert channels, events and language of publishing notifications."""
    ws, user = access.workspace.id, access.user.id
    form = notify_form.save(store, ws, user, channels or [], lang, events or [])
    if form.errors:
        return _page(request, access, publishing, notify=form, status_code=422)
    return RedirectResponse(f"/w/{access.workspace.slug}/delivery#notify", status_code=303)
