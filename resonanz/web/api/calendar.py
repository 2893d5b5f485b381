"""REST: the publishing calendar, the scheduled (and sent) posts of a week or month by
local day in an IANA zone (days of 23 or 25 hours on DST switches). Moving a post is
``POST /posts/{post_id}/schedule`` (api/posts.py), which the calendar's drag and drop
calls."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import date as date_type

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from resonanz.web.api.models import ERRORS
from resonanz.web.calendar_grid import Entry
from resonanz.web.deps import Viewer
from resonanz.web.publishing_deps import PublishingDep
from resonanz.web.routes.calendar import build

router = APIRouter(tags=["publishing"], responses=ERRORS)
WS = "/workspaces/{slug}"


class CalendarPostOut(BaseModel):
    post_id: int
    scheduled_at: datetime
    local_time: str = Field(description="Wall time in the calendar's zone")
    state: str = Field(description="scheduled | pending | partial | attention | sent")
    excerpt: str
    channels: list[str]


class CalendarDayOut(BaseModel):
    day: date_type
    hours: float = Field(description="23 or 25 on DST switch days")
    posts: list[CalendarPostOut]


class CalendarOut(BaseModel):
    view: str
    timezone: str
    start: datetime
    end: datetime
    days: list[CalendarDayOut]


def _entry(entry: Entry) -> CalendarPostOut:
    assert entry.post.scheduled_at is not None
    return CalendarPostOut(
        post_id=entry.post.id,
        scheduled_at=entry.post.scheduled_at,
        local_time=f"{entry.at:%Y-%m-%d %H:%M %Z}",
        state=entry.state,
        excerpt=entry.excerpt,
        channels=list(entry.channels),
    )


@router.get(WS + "/calendar", response_model=CalendarOut)
def calendar(
    access: Viewer,
    publishing: PublishingDep,
    view: str = Query("week", description="week or month"),
    date: date_type | None = Query(None, description="A day inside the week or month"),
    tz: str = Query("UTC", max_length=100, description="IANA zone"),
) -> CalendarOut:
    """Scheduled (and sent) posts by local day of a week or month."""
    anchor = date or datetime.now(UTC).date()
    cal = build(publishing, access.workspace.id, view, anchor, tz)
    return CalendarOut(
        view=cal.view,
        timezone=cal.zone,
        start=cal.start,
        end=cal.end,
        days=[
            CalendarDayOut(day=d.day, hours=d.hours, posts=[_entry(e) for e in d.entries])
            for d in cal.days
        ],
    )
