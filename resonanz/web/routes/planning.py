"""The planning page: recurring posts (their rule in words, the next occurrences, stop),
each channel's weekly queue slots (add, remove) and the best times to post as a heatmap
of hour of day by weekday (analytics.best_time: the workspace's own posts' smoothed
engagement, or, with too few posts, the audience's activity, labelled as such).

Viewers see everything; editors stop series and change slots, as in the CLI and the
REST API (web/api/planning.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.analytics.best_time import MIN_POSTS, WINDOW, BestTime, best_time
from resonanz.errors import NotFoundError, ValidationError
from resonanz.publishing.queue import add_slots, remove_slots, slot_label, slots_zone
from resonanz.publishing.recurrence import Rule, occurrences
from resonanz.publishing.series import stop_series
from resonanz.publishing.when import zone
from resonanz.store.post_series import ACTIVE, Series, series_of
from resonanz.store.queue_slots import slots_of
from resonanz.web import charts
from resonanz.web.deps import Access, Editor, Viewer, get_store
from resonanz.web.i18n import gettext as _
from resonanz.web.publishing_deps import Publishing, PublishingDep
from resonanz.web.routes.channels import channel_of
from resonanz.web.templating import format_number, render

router = APIRouter()
FormStr = Annotated[str, Form()]
NEXT = 3  # upcoming occurrences shown per series


def weekdays() -> list[str]:
    """Monday .. Sunday, short, in the request's language."""
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def describe_rule(rule: Rule) -> str:
    """How a series repeats, in the request's language (Rule.describe is English)."""
    names = weekdays()
    if rule.freq == "daily":
        text = _("daily at %(time)s") % {"time": rule.time}
    elif rule.freq == "weekly":
        days = ", ".join(names[d] for d in rule.weekdays)
        text = _("weekly on %(days)s at %(time)s") % {"days": days, "time": rule.time}
    else:
        text = _("monthly on day %(day)s at %(time)s") % {"day": rule.day, "time": rule.time}
    if rule.until:
        text += _(", until %(date)s") % {"date": rule.until.isoformat()}
    if rule.count:
        text += _(", %(count)s times in all") % {"count": rule.count}
    return text


def _series_rows(publishing: Publishing, workspace_id: int) -> list[dict[str, Any]]:
    channels = {c.id: c.name for c in publishing.pub.list_channels(workspace_id)}
    rows = []
    for series in series_of(publishing.pub).all(workspace_id):
        upcoming = (
            list(islice(occurrences(series.rule, skip=series.made), NEXT))
            if series.status == ACTIVE
            else []
        )
        rows.append(
            {
                "series": series,
                "repeats": describe_rule(series.rule),
                "channels": [channels.get(i, f"#{i}") for i in series.channel_ids],
                "next": upcoming,
                "status": _status(series),
            }
        )
    return rows


def _status(series: Series) -> str:
    return {"active": _("active"), "stopped": _("stopped"), "finished": _("finished")}.get(
        series.status, series.status
    )


def _n(value: float) -> str:
    return format_number(value, 2)


def _best_time_chart(found: BestTime) -> charts.Chart:
    labels = {"weekday": _("Weekday"), "hour": _("Hour")}
    cells: list[tuple[int, int, float, tuple[str, ...]]]
    extra: tuple[str, ...]
    if found.enough:
        labels["value"] = _("Typical engagement per post")
        cells = [
            (h.weekday, h.hour, h.engagement, (f"{_n(h.low)} – {_n(h.high)}", str(h.posts)))
            for h in found.cells
        ]
        extra = (_("90 % interval"), _("Posts"))
    else:
        labels["value"] = _("Mentions per week")
        cells = [(a.weekday, a.hour, a.per_week, (str(a.mentions),)) for a in found.audience_cells]
        extra = (_("Mentions in all"),)
    return charts.week_heatmap(cells, weekdays=weekdays(), labels=labels, extra=extra, shown=_n)


def _page(
    request: Request,
    access: Access,
    publishing: Publishing,
    *,
    channel: str = "",
    tz: str | None = None,
    error: str | None = None,
    slot_form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    pub, ws = publishing.pub, access.workspace.id
    listed = pub.list_channels(ws)
    default_zone = slots_zone(pub, ws)
    zone_name = tz or default_zone
    problems = []
    try:
        zone(zone_name)
    except ValidationError:
        problems.append(_("Unknown time zone %(zone)s: showing UTC.") % {"zone": zone_name})
        zone_name = "UTC"
    chosen = [c for c in listed if c.name == channel] if channel else listed
    if channel and not chosen:
        problems.append(_("No channel %(name)s: showing all channels.") % {"name": channel})
        chosen, channel = listed, ""
    found = best_time(get_store(request), ws, chosen, now=datetime.now(UTC), timezone=zone_name)
    slots = slots_of(pub).slots(ws)
    context: dict[str, Any] = {
        "nav": "publishing",
        "subnav": "planning",
        "series": _series_rows(publishing, ws),
        "channels": listed,
        "slots": {c.id: [s for s in slots if s.channel_id == c.id] for c in listed},
        "slot_label": slot_label,
        "slot_form": slot_form or {"channel": "", "slots": "", "timezone": default_zone},
        "best": found,
        "heatmap": _best_time_chart(found),
        "weekday_names": weekdays(),
        "min_posts": MIN_POSTS,
        "window_days": WINDOW.days,
        "channel": channel,
        "tz": zone_name,
        "problems": problems,
        "error": error,
        "can_edit": access.can("editor"),
    }
    return render(request, "planning.html", context, status=status)


def _back(access: Access, anchor: str) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/planning#{anchor}", status_code=303)


@router.get("/w/{slug}/planning")
def planning_page(
    request: Request,
    access: Viewer,
    publishing: PublishingDep,
    channel: str = "",
    tz: str | None = None,
) -> Response:
    """Recurring posts, queue slots and best times (for ``channel`` in zone ``tz``)."""
    return _page(request, access, publishing, channel=channel, tz=tz or None)


@router.post("/w/{slug}/planning/series/{series_id}/stop")
def series_stop(
    request: Request, access: Editor, publishing: PublishingDep, series_id: int
) -> Response:
    """Stop a recurring post; its upcoming unsent occurrences are deleted."""
    stop_series(publishing.pub, access.workspace.id, series_id)
    return _back(access, f"series-{series_id}")


@router.post("/w/{slug}/planning/slots")
def slots_add(
    request: Request,
    access: Editor,
    publishing: PublishingDep,
    channel: FormStr = "",
    slots: FormStr = "",
    timezone: FormStr = "UTC",
) -> Response:
    """Add weekly slots ("mon 09:00, thu 18:30") to a channel in a zone."""
    kept = {"channel": channel, "slots": slots, "timezone": timezone}
    specs = [part.strip() for part in slots.replace(";", ",").split(",") if part.strip()]
    try:
        found = publishing.pub.get_channel(access.workspace.id, channel)
        add_slots(publishing.pub, access.workspace.id, found.name, specs, timezone=timezone)
    except (ValidationError, NotFoundError) as exc:
        message = _("The slots were not added: %(reason)s") % {"reason": exc}
        code = 404 if isinstance(exc, NotFoundError) else 422
        return _page(request, access, publishing, error=message, slot_form=kept, status=code)
    return _back(access, "slots")


@router.post("/w/{slug}/planning/slots/{publish_channel_id}/remove")
def slot_remove(
    request: Request,
    access: Editor,
    publishing: PublishingDep,
    publish_channel_id: int,
    slot: FormStr = "",
) -> Response:
    """Remove one slot ("mon 09:00") of the channel."""
    found = channel_of(publishing, access, publish_channel_id)
    try:
        remove_slots(publishing.pub, access.workspace.id, found.name, [slot])
    except (ValidationError, NotFoundError) as exc:
        message = _("The slot was not removed: %(reason)s") % {"reason": exc}
        code = 404 if isinstance(exc, NotFoundError) else 422
        return _page(request, access, publishing, error=message, status=code)
    return _back(access, "slots")
