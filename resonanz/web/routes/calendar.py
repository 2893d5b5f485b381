"""The publishing calendar: scheduled and sent posts by week or month in an IANA zone,
moved by drag and drop (static/calendar.js calls the REST /posts/{id}/schedule) or by each post's
"move" form (this module's POST, for keyboards, screen readers and no JavaScript)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from resonanz.errors import ConflictError, ValidationError
from resonanz.publishing import compose
from resonanz.publishing.when import zone
from resonanz.web.calendar_grid import VIEWS, Calendar, grid, place
from resonanz.web.deps import Access, Editor, Viewer
from resonanz.web.i18n import gettext as _
from resonanz.web.publishing_deps import Publishing, PublishingDep
from resonanz.web.templating import render

router = APIRouter()
FormStr = Annotated[str, Form()]
SESSION_TZ = "calendar_tz"


def _anchor(text: str | None) -> date:
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("The date %(value)s is not a date like 2026-03-29.") % {"value": text}
        ) from None


def _zone_name(request: Request, tz: str | None) -> str:
    """The zone asked for (remembered in the session), the remembered one, or UTC."""
    if tz:
        zone(tz)  # unknown: ValidationError
        request.session[SESSION_TZ] = tz
        return tz
    remembered = request.session.get(SESSION_TZ)
    return remembered if isinstance(remembered, str) else "UTC"


def build(publishing: Publishing, workspace_id: int, view: str, anchor: date, tz: str) -> Calendar:
    """The calendar with the workspace's scheduled posts of its days placed."""
    if view not in VIEWS:
        raise ValidationError(_("Unknown view %(view)s: use week or month.") % {"view": view})
    calendar = grid(view, anchor, zone(tz))
    posts = publishing.pub.scheduled_between(workspace_id, calendar.start, calendar.end)
    deliveries = publishing.pub.deliveries_of_posts(workspace_id, [p.id for p in posts])
    return place(calendar, posts, deliveries)


def _page(
    request: Request,
    access: Access,
    publishing: Publishing,
    *,
    view: str,
    anchor: date,
    tz: str,
    messages: dict[int, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    calendar = build(publishing, access.workspace.id, view, anchor, tz)
    placed = {e.post.id for day in calendar.days for e in day.entries}
    context: dict[str, Any] = {
        "nav": "publishing",
        "subnav": "calendar",
        "calendar": calendar,
        "today": datetime.now(UTC).astimezone(zone(tz)).date(),
        "messages": messages or {},
        # refusals for posts outside the days shown appear above the calendar
        "stray": {k: v for k, v in (messages or {}).items() if k not in placed},
        "notice": notice,
        "can_move": access.can("editor"),
    }
    return render(request, "calendar.html", context, status=status)


@router.get("/w/{slug}/calendar")
def calendar_page(
    request: Request,
    access: Viewer,
    publishing: PublishingDep,
    view: str = "week",
    date: str | None = None,
    tz: str | None = None,
) -> Response:
    """The week (default) or month around ``date`` in zone ``tz``."""
    zone_name = _zone_name(request, tz)
    return _page(request, access, publishing, view=view, anchor=_anchor(date), tz=zone_name)


@router.post("/w/{slug}/calendar/posts/{post_id}/move")
def move_post(
    request: Request,
    access: Editor,
    publishing: PublishingDep,
    post_id: int,
    day: FormStr = "",
    time: FormStr = "",
    tz: FormStr = "UTC",
    view: FormStr = "week",
) -> Response:
    """Reschedule a post to a wall time in ``tz`` (through publishing.compose: approval
    kept, claims of the old time released). A refusal (a past time, a bad date, a post
    being sent) is shown next to the post; the post stays where it was."""
    post = publishing.pub.get_post(access.workspace.id, post_id)
    shown_view = view if view in VIEWS else "week"
    try:
        done = compose.schedule(
            publishing.pub,
            publishing.classes,
            access.workspace.id,
            post_id,
            f"{day} {time}",
            timezone=tz,
        )
    except (ValidationError, ConflictError) as exc:
        tz_shown = tz if _known(tz) else "UTC"
        # The post stays where it was: show the days around its (unchanged) time.
        was = post.scheduled_at or datetime.now(UTC)
        return _page(
            request,
            access,
            publishing,
            view=shown_view,
            anchor=was.astimezone(zone(tz_shown)).date(),
            tz=tz_shown,
            messages={post_id: _("Not moved: %(reason)s") % {"reason": exc}},
            status=409 if isinstance(exc, ConflictError) else 422,
        )
    planned = done.planned
    assert planned is not None
    notice = _("Post %(id)s moved to %(time)s %(zone)s.") % {
        "id": post_id,
        "time": planned.local_time,
        "zone": planned.timezone,
    }
    if planned.note:
        notice += " " + planned.note
    anchor = planned.utc.astimezone(zone(tz)).date()
    return _page(request, access, publishing, view=shown_view, anchor=anchor, tz=tz, notice=notice)


def _known(tz: str) -> bool:
    try:
        zone(tz)
    except ValidationError:
        return False
    return True
