"""Recurring posts: a series repeats one text on a rule (publishing.recurrence); each
occurrence becomes its own post in the outbox, made a bounded horizon ahead.

- **Made ahead.** Each scheduler tick makes the occurrences due within ``HORIZON`` (14
  days) as scheduled posts; the first one is made when the series is created, whatever
  its distance. The outbox stays the record: an occurrence is sent, retried, reported
  overdue and listed like any post.
- **Once.** Posts carry their series and wall time, unique together, and a series is
  advanced under its row lock: crashes, restarts and concurrent schedulers never make an
  occurrence twice.
- **Missed.** An occurrence more than ``LATE`` (1 hour) in the past when it would be made
  (no scheduler ran) is skipped and noted on the series, not sent late; it still counts
  towards ``--count``.
- **Edit / stop** change future occurrences only: made ones not yet sent get the new
  text (or are deleted); what was published stays.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from resonanz.errors import ResonanzError, ValidationError
from resonanz.publishing.compose import problems
from resonanz.publishing.models import Post, PublishChannel
from resonanz.publishing.recurrence import make_rule, occurrences
from resonanz.publishing.when import PlannedTime, check_future, plan
from resonanz.store.post_series import (
    Made,
    Occurrence,
    Planner,
    Series,
    SeriesStore,
    series_of,
)
from resonanz.store.publishing import PublishingStore

log = logging.getLogger(__name__)

HORIZON = timedelta(days=14)  # occurrences are made this far ahead
LATE = timedelta(hours=1)  # an occurrence further in the past is skipped, not sent late
MOST_PER_TICK = 100  # occurrences made for one series in one tick at most


@dataclass(frozen=True)
class NewSeries:
    """A created series, the first occurrence's planned time and the posts made."""

    series: Series
    first: PlannedTime
    made: Made


def _now() -> datetime:
    return datetime.now(UTC)


def planner(now: datetime, horizon: timedelta = HORIZON, *, first: bool = False) -> Planner:
    """The occurrences of a series due by ``now + horizon`` (``first``: the next one
    whatever its distance), each with its UTC instant by ``when.plan``."""

    def plan_next(series: Series) -> tuple[list[Occurrence], int, str | None]:
        made = series.made
        found: list[Occurrence] = []
        for local in occurrences(series.rule, skip=series.made):
            utc = plan(local, series.timezone).utc
            beyond = utc > now + horizon and not (first and not found)
            if beyond or len(found) >= MOST_PER_TICK:
                return found, made, local
            skip = (
                f"{local} {series.timezone} was missed (no scheduler ran); skipped"
                if utc < now - LATE
                else None
            )
            found.append(Occurrence(local, utc, skip))
            made += 1
        return found, made, None

    return plan_next


def _check(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    text: str,
    channels: Sequence[PublishChannel],
    variants: Mapping[int, str],
) -> None:
    """The text must fit every channel (as for a single post); nothing is stored if not."""
    probe = Post(
        id=0,
        workspace_id=workspace_id,
        author_id=None,
        text=text,
        variants=variants,
        status="draft",
        scheduled_at=None,
        timezone="UTC",
        local_time=None,
        version=1,
        created_at=_now(),
        updated_at=_now(),
    )
    found = problems(probe, channels, classes)
    if found:
        raise ValidationError("the recurring post was not created: " + "; ".join(found))


def _variants(channels: Sequence[PublishChannel], variants: Mapping[str, str]) -> dict[int, str]:
    by_name = {c.name: c.id for c in channels}
    out: dict[int, str] = {}
    for name, text in variants.items():
        if name not in by_name:
            raise ValidationError(
                f"a variant is for channel {name!r}, which the post does not go to"
            )
        if not text.strip():
            raise ValidationError(f"the variant for {name!r} is empty")
        out[by_name[name]] = text
    return out


def new_series(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    text: str,
    channel_names: Sequence[str],
    *,
    at: str,
    timezone: str,
    repeat: str,
    on: str | None = None,
    day: int | None = None,
    until: str | None = None,
    count: int | None = None,
    variants: Mapping[str, str] | None = None,
    author_id: int | None = None,
    now: datetime | None = None,
    horizon: timedelta = HORIZON,
) -> NewSeries:
    """Create a series whose first occurrence is at or after ``at`` (a wall time in
    ``timezone``) and make its first occurrence at once. Every check (text, channels,
    times, rule) happens first: a refused series stores nothing."""
    moment = now or _now()
    if not text.strip():
        raise ValidationError("the post's text is empty")
    if not channel_names:
        raise ValidationError("name at least one channel (--channel NAME)")
    channels = [pub.get_channel(workspace_id, name) for name in dict.fromkeys(channel_names)]
    first_planned = plan(at, timezone)
    wall = datetime.strptime(first_planned.local_time, "%Y-%m-%d %H:%M")
    rule = make_rule(repeat, wall, on=on, day=day, until=until, count=count)
    mapped = _variants(channels, variants or {})
    _check(pub, classes, workspace_id, text, channels, mapped)
    first_local = next(occurrences(rule), None)
    if first_local is None:
        raise ValidationError("the rule has no occurrence before its end (--until / --count)")
    first = plan(first_local, timezone)
    check_future(first, moment)
    store = series_of(pub)
    series = store.create(
        workspace_id,
        text=text,
        variants=mapped,
        channels=channels,
        author_id=author_id,
        timezone=timezone,
        rule=rule,
        next_local=first_local,
        at=moment,
    )
    made = store.advance(series.id, planner(moment, horizon, first=True), at=moment)
    return NewSeries(store.get(workspace_id, series.id), first, made)


def make_due(pub: PublishingStore, *, now: datetime, horizon: timedelta = HORIZON) -> list[Made]:
    """The scheduler's part: make every active series' occurrences due within the
    horizon. A series that fails is logged and tried again next tick."""
    store = series_of(pub)
    done: list[Made] = []
    for series_id, next_local, timezone in store.active():
        if next_local is not None and plan(next_local, timezone).utc > now + horizon:
            continue  # nothing due yet: no write transaction
        try:
            made = store.advance(series_id, planner(now, horizon), at=now)
        except ResonanzError as exc:
            log.warning("recurring post %s: making occurrences failed: %s", series_id, exc)
            continue
        for local, why in made.skipped:
            log.warning("recurring post %s: occurrence %s: %s", series_id, local, why)
        if made.post_ids or made.skipped:
            done.append(made)
    return done


def _future_unsent(store: SeriesStore, series_id: int, now: datetime) -> list[int]:
    """Posts of the series still ahead with nothing sent: the ones an edit or stop
    changes."""
    return [
        p.post_id
        for p in store.occurrence_posts(series_id)
        if p.status != "deleted"
        and p.sent == 0
        and p.scheduled_at is not None
        and p.scheduled_at > now
    ]


def stop_series(
    pub: PublishingStore, workspace_id: int, series_id: int, *, now: datetime | None = None
) -> tuple[Series, list[int]]:
    """Stop the series and delete its occurrences made ahead and not sent; returns the
    series and the deleted post ids. Published occurrences stay."""
    moment = now or _now()
    store = series_of(pub)
    series = store.stop(workspace_id, series_id, at=moment, note="stopped")
    deleted: list[int] = []
    for post_id in _future_unsent(store, series_id, moment):
        pub.delete_post(workspace_id, post_id, at=moment)
        deleted.append(post_id)
    return series, deleted


def edit_series(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    series_id: int,
    text: str,
    *,
    variants: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> tuple[Series, list[int]]:
    """New text for the occurrences still ahead: the series' and its made, unsent posts'
    (returned). Published occurrences keep their text."""
    from resonanz.publishing.compose import edit_post

    moment = now or _now()
    if not text.strip():
        raise ValidationError("the post's text is empty; the series is unchanged")
    store = series_of(pub)
    series = store.get(workspace_id, series_id)
    channels = [pub.get_channel_by_id(c) for c in series.channel_ids]
    mapped = _variants(channels, variants) if variants is not None else dict(series.variants)
    _check(pub, classes, workspace_id, text, channels, mapped)
    updated = store.update_text(workspace_id, series_id, text=text, variants=mapped, at=moment)
    edited: list[int] = []
    names = {c.id: c.name for c in channels}
    for post_id in _future_unsent(store, series_id, moment):
        edit_post(
            pub,
            classes,
            workspace_id,
            post_id,
            text,
            variants={names[k]: v for k, v in mapped.items() if k in names},
        )
        edited.append(post_id)
    return updated, edited
