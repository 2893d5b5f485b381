"""The composer's live checks, in the UI language: per channel the text it gets, its length
in the platform's own units against the limit, what is wrong, and a preview; and whether
the schedule time can be used.

The counting is the channels' own (``text_limits(config).measure``, the same numbers
publishing.compose checks before scheduling); only the messages are written here, so
they can be German or English. Further checks of a channel (Instagram's image line,
hashtag and mention limits) and of a stored post's images, poll and thread parts
(publishing.post_rules) come from the channel in English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import regex
from fastapi import Request

from resonanz.errors import ValidationError
from resonanz.publishing.channels import channel_class, channel_classes
from resonanz.publishing.models import Post, PostMedia, PublishChannel
from resonanz.publishing.post_rules import rules_of
from resonanz.publishing.when import check_future, plan, zone
from resonanz.web.i18n import gettext as _

# As publishing.links_track finds the links it replaces by short links.
_URL = regex.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", regex.IGNORECASE)
# A short link's code has 7 characters: the preview shows this one in its place.
PREVIEW_CODE = "xxxxxxx"


def unit_label(unit: str) -> str:
    """The channel's unit in the UI language."""
    labels = {
        "graphemes": _("characters (graphemes)"),
        "characters": _("characters"),
        "characters (UTF-16)": _("UTF-16 code units"),
        "characters in the caption": _("characters in the caption"),
    }
    if unit.startswith("weighted characters"):
        return _("weighted characters (links 23, CJK characters and emoji 2)")
    return labels.get(unit, unit)


def classes_of(request: Request) -> dict[str, type]:
    """The channel classes, found once per app (built-ins and plugins)."""
    state = request.app.state
    found: dict[str, type] | None = getattr(state, "channel_classes", None)
    if found is None:
        found = channel_classes()
        state.channel_classes = found
    return found


@dataclass(frozen=True)
class ChannelCheck:
    """One channel's live check: its text, count, limit, errors and preview."""

    channel: PublishChannel
    selected: bool
    text: str = ""
    count: int = 0
    limit: int = 0
    unit: str = ""
    url_units: int | None = None
    errors: list[str] = field(default_factory=list)
    # thread parts after the first: (number, count in the channel's unit, over the limit,
    # text)
    parts: list[tuple[int, int, bool, str]] = field(default_factory=list)
    media: tuple[PostMedia, ...] = ()

    @property
    def over(self) -> bool:
        return self.count > self.limit


def tracked_preview(text: str, base_url: str) -> str:
    """The text with each link as the short link it becomes (a placeholder code)."""
    short = f"{base_url.rstrip('/')}/r/{PREVIEW_CODE}"
    own = base_url.rstrip("/") + "/r/"
    result: str = _URL.sub(lambda m: m.group(0) if m.group(0).startswith(own) else short, text)
    return result


def check_channel(
    classes: Mapping[str, type],
    channel: PublishChannel,
    text: str,
    *,
    selected: bool,
    post: Post | None = None,
) -> ChannelCheck:
    """Count ``text`` and each thread part as ``channel`` counts them and say what keeps
    them from being sent (with the images, poll and thread parts of ``post``: the form's
    values over the stored post, web.post_form.candidate)."""
    if not selected:
        return ChannelCheck(channel, False, text)
    cls = channel_class(classes, channel.kind)
    limits: Any = cls.text_limits(channel.config)
    errors: list[str] = []
    if channel.status != "connected":
        errors.append(_("This channel is disconnected: reconnect it before publishing."))
    count = limits.measure(text)
    if not text.strip():
        errors.append(_("The text is empty."))
    elif count > limits.max_units:
        errors.append(
            _("%(count)s %(unit)s: %(over)s more than the limit of %(limit)s.")
            % {
                "count": count,
                "unit": unit_label(limits.unit),
                "over": count - limits.max_units,
                "limit": limits.max_units,
            }
        )
    max_bytes = getattr(limits, "max_bytes", None)
    size = len(text.encode("utf-8"))
    if text.strip() and max_bytes is not None and size > max_bytes:
        errors.append(
            _("%(size)s bytes in UTF-8, the limit is %(limit)s.")
            % {"size": size, "limit": max_bytes}
        )
    if text.strip():
        for extra in getattr(limits, "checks", ()):
            errors.extend(extra(text))
    media, poll, thread = (post.media, post.poll, post.thread) if post else ((), None, ())
    rules = rules_of(cls, channel.config)
    errors.extend(rules.problems(text, media, poll, thread))
    parts = []
    for number, part in enumerate(thread if rules.thread else (), 2):
        length = limits.measure(part)
        parts.append((number, length, length > limits.max_units, part))
        if length > limits.max_units:
            errors.append(
                _("Thread part %(n)s: %(count)s %(unit)s, %(over)s over the limit of %(limit)s.")
                % {
                    "n": number,
                    "count": length,
                    "unit": unit_label(limits.unit),
                    "over": length - limits.max_units,
                    "limit": limits.max_units,
                }
            )
    return ChannelCheck(
        channel,
        True,
        text,
        count=count,
        limit=limits.max_units,
        unit=unit_label(limits.unit),
        url_units=getattr(limits, "url_units", None) or _fixed_url_units(channel.kind),
        errors=errors,
        parts=parts,
        media=media,
    )


def _fixed_url_units(kind: str) -> int | None:
    return 23 if kind == "x" else None


def check_channels(
    classes: Mapping[str, type],
    channels: Sequence[PublishChannel],
    text: str,
    *,
    selected: Sequence[str],
    variants: Mapping[int, str],
    track_base: str | None = None,
    post: Post | None = None,
) -> list[ChannelCheck]:
    """The live check of every channel (unselected ones: empty); ``track_base``: the
    short links' base URL when links are to be tracked."""
    found = []
    for channel in channels:
        own = variants.get(channel.id, "")
        final = own if own.strip() else text
        if track_base is not None:
            final = tracked_preview(final, track_base)
        chosen = channel.name in selected
        found.append(check_channel(classes, channel, final, selected=chosen, post=post))
    return found


@dataclass(frozen=True)
class TimeCheck:
    """The schedule time: an error, or the UTC instant with any daylight-saving note."""

    error: str | None = None
    note: str | None = None
    utc: datetime | None = None


def check_time(date: str, time: str, timezone: str, *, now: datetime | None = None) -> TimeCheck:
    """Whether the date, time and zone of the form make a future instant."""
    if not date.strip() or not time.strip():
        return TimeCheck(_("Please enter a date and a time."))
    try:
        zone(timezone)
    except ValidationError:
        return TimeCheck(_("Unknown time zone: please choose one from the list."))
    try:
        planned = plan(f"{date.strip()} {time.strip()}", timezone)
    except ValidationError:
        return TimeCheck(_("Please enter the date as YYYY-MM-DD and the time as HH:MM."))
    try:
        check_future(planned, now or datetime.now(UTC))
    except ValidationError:
        return TimeCheck(
            _("This time has already passed: pick a later one or publish now."), utc=planned.utc
        )
    note = None
    if planned.note and "does not exist" in planned.note:
        shown = planned.utc.astimezone(zone(timezone))
        note = _("This time does not exist (clocks jump forward); it is published at %(t)s.") % {
            "t": f"{shown:%H:%M}"
        }
    elif planned.note:
        note = _("This time happens twice (clocks go back); the first one is used.")
    return TimeCheck(note=note, utc=planned.utc)


@cache
def time_zones() -> list[str]:
    """The IANA zone names, sorted (UTC first)."""
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith("Etc/"))
    return ["UTC", *names]
