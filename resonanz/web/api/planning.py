"""REST: planning posts. Best times to post and hashtag suggestions (viewers), a
channel's weekly queue slots (viewers read, editors change), queuing a post into the next
free slot (editors), recurring posts (viewers list, editors create and stop). See
docs/publishing.md for how each is computed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from resonanz.analytics.best_time import best_time, best_time_record
from resonanz.analytics.hashtag_suggestions import suggest_hashtags, suggestions_record
from resonanz.errors import ValidationError
from resonanz.publishing.queue import add_slots, queue_post, remove_slots, slot_label, slots_zone
from resonanz.publishing.series import new_series, stop_series
from resonanz.store.post_series import Series, series_of
from resonanz.store.queue_slots import Slot, slots_of
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Editor, StoreDep, Viewer
from resonanz.web.publishing_deps import PublishingDep
from resonanz.web.routes.channels import channel_of

router = APIRouter(tags=["publishing"], responses=ERRORS)
WS = "/workspaces/{slug}"
SLOTS = WS + "/channels/{publish_channel_id}/slots"


class SlotOut(BaseModel):
    slot: str = Field(examples=["mon 09:00"])
    weekday: int = Field(description="0 Monday .. 6 Sunday")
    time: str
    timezone: str


class SlotsIn(BaseModel):
    slots: list[str] = Field(min_length=1, max_length=100, examples=[["mon 09:00", "thu 18:30"]])
    timezone: str = Field("UTC", max_length=100, examples=["Europe/Berlin"])


class QueuedOut(BaseModel):
    post_id: int
    scheduled_at: datetime
    local_time: str
    timezone: str


class SeriesOut(BaseModel):
    id: int
    status: str = Field(description="active | stopped | finished")
    repeats: str = Field(examples=["weekly on mon, thu at 09:00 until 2027-03-01"])
    rule: dict[str, Any]
    timezone: str
    text: str
    next_local: str | None = Field(description="The next occurrence not made yet")
    made: int = Field(description="Occurrences made or skipped so far")
    note: str | None
    post_ids: list[int] = Field(description="The posts made from it")


class SeriesIn(BaseModel):
    text: str = Field(min_length=1, max_length=100_000)
    channels: list[str] = Field(min_length=1, max_length=50, description="Channel names")
    variants: dict[str, str] = Field(default_factory=dict, description="Channel name -> text")
    at: str = Field(examples=["2027-01-04 09:00"], description="The first wall time")
    timezone: str = Field("UTC", max_length=100, examples=["Europe/Berlin"])
    repeat: str = Field(examples=["weekly"], description="daily | weekly | monthly")
    on: str | None = Field(None, examples=["mon,thu"], description="weekly: the weekdays")
    day: int | None = Field(None, description="monthly: the day of the month")
    until: str | None = Field(None, examples=["2027-03-01"], description="The last day")
    count: int | None = Field(None, description="How many times in all")


class StoppedOut(BaseModel):
    series: SeriesOut
    deleted_post_ids: list[int] = Field(description="Upcoming occurrences deleted")


def _slots(found: list[Slot]) -> list[SlotOut]:
    return [
        SlotOut(slot=slot_label(s), weekday=s.weekday, time=s.time, timezone=s.timezone)
        for s in found
    ]


def _series(series: Series, publishing: Any) -> SeriesOut:
    posts = series_of(publishing.pub).occurrence_posts(series.id)
    return SeriesOut(
        id=series.id,
        status=series.status,
        repeats=series.rule.describe(),
        rule=series.rule.to_json(),
        timezone=series.timezone,
        text=series.text,
        next_local=series.next_local,
        made=series.made,
        note=series.note,
        post_ids=[p.post_id for p in posts],
    )


@router.get(WS + "/publishing/best-time")
def get_best_time(
    access: Viewer,
    store: StoreDep,
    publishing: PublishingDep,
    channel: list[str] = Query(default=[], description="Only these channels' accounts"),
    tz: str | None = Query(None, description="IANA zone (default: the queue slots' zone)"),
) -> dict[str, Any]:
    """Hours of the week to post from the engagement of the workspace's own posts, with
    intervals and the number of posts behind each; with too few posts, the audience's
    activity (labelled)."""
    pub = publishing.pub
    ws = access.workspace.id
    chosen = [pub.get_channel(ws, name) for name in channel] if channel else pub.list_channels(ws)
    found = best_time(store, ws, chosen, now=datetime.now(UTC), timezone=tz or slots_zone(pub, ws))
    return best_time_record(found)


@router.get(WS + "/publishing/hashtags")
def get_hashtags(
    access: Viewer,
    store: StoreDep,
    text: str = Query(..., max_length=10_000, description="The draft text"),
) -> dict[str, Any]:
    """Hashtags for a draft: co-occurring in the workspace's recent mentions (count, lift,
    why) and trending in its topics."""
    if not text.strip():
        raise ValidationError("the draft's text is empty")
    found = suggest_hashtags(store, access.workspace.id, text, now=datetime.now(UTC))
    return suggestions_record(found)


@router.get(SLOTS, response_model=list[SlotOut])
def list_slots(publish_channel_id: int, access: Viewer, publishing: PublishingDep) -> list[SlotOut]:
    """The channel's weekly queue slots."""
    channel = channel_of(publishing, access, publish_channel_id)
    return _slots(slots_of(publishing.pub).slots(access.workspace.id, [channel.id]))


@router.post(SLOTS, response_model=list[SlotOut])
def add_channel_slots(
    publish_channel_id: int, body: SlotsIn, access: Editor, publishing: PublishingDep
) -> list[SlotOut]:
    """Add weekly slots ("mon 09:00") in a zone; returns all of the channel's slots."""
    channel = channel_of(publishing, access, publish_channel_id)
    found = add_slots(
        publishing.pub, access.workspace.id, channel.name, body.slots, timezone=body.timezone
    )
    return _slots(found)


@router.delete(SLOTS, response_model=list[SlotOut])
def remove_channel_slots(
    publish_channel_id: int,
    access: Editor,
    publishing: PublishingDep,
    slot: list[str] = Query(..., description='Slots to remove, e.g. "mon 09:00"'),
) -> list[SlotOut]:
    """Remove slots (404 for one the channel does not have); returns those left."""
    channel = channel_of(publishing, access, publish_channel_id)
    return _slots(remove_slots(publishing.pub, access.workspace.id, channel.name, slot))


@router.post(WS + "/posts/{post_id}/queue", response_model=QueuedOut)
def queue(post_id: int, access: Editor, publishing: PublishingDep) -> QueuedOut:
    """Schedule the post into the next queue slot free on all its channels."""
    post, slot = queue_post(publishing.pub, publishing.classes, access.workspace.id, post_id)
    return QueuedOut(
        post_id=post.id, scheduled_at=slot.utc, local_time=slot.local, timezone=slot.timezone
    )


@router.get(WS + "/publishing/series", response_model=list[SeriesOut])
def list_series(access: Viewer, publishing: PublishingDep) -> list[SeriesOut]:
    """Recurring posts with their rule, status and the posts made from them."""
    return [_series(s, publishing) for s in series_of(publishing.pub).all(access.workspace.id)]


@router.post(WS + "/publishing/series", response_model=SeriesOut, status_code=201)
def create_series(body: SeriesIn, access: Editor, publishing: PublishingDep) -> SeriesOut:
    """A recurring post; its first occurrence is scheduled at once, the others by the
    scheduler 14 days ahead. Nothing is stored when a check fails (422)."""
    created = new_series(
        publishing.pub,
        publishing.classes,
        access.workspace.id,
        body.text,
        body.channels,
        at=body.at,
        timezone=body.timezone,
        repeat=body.repeat,
        on=body.on,
        day=body.day,
        until=body.until,
        count=body.count,
        variants=body.variants,
        author_id=access.user.id,
    )
    return _series(created.series, publishing)


@router.post(WS + "/publishing/series/{series_id}/stop", response_model=StoppedOut)
def stop(series_id: int, access: Editor, publishing: PublishingDep) -> StoppedOut:
    """Stop a recurring post: its upcoming, unsent occurrences are deleted."""
    series, deleted = stop_series(publishing.pub, access.workspace.id, series_id)
    return StoppedOut(series=_series(series, publishing), deleted_post_ids=deleted)
