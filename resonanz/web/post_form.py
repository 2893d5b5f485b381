"""The composer's fields beyond text, channels and time: image uploads with their alt
texts, the stored images' alt texts, thread parts, a poll and the repetition block.

Everything is read from the (multipart) form as typed, so a form with errors is shown
again with the values; the checks here give their messages in the UI language, keyed by
the field they belong next to. Nothing here stores anything: the routes do that through
publishing.compose / publishing.series once nothing is wrong.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from resonanz.errors import ValidationError
from resonanz.publishing.media import (
    MAX_ALT_CHARS,
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    inspect_image,
    sniff_mime,
)
from resonanz.publishing.models import Poll, Post
from resonanz.publishing.recurrence import FREQUENCIES, MAX_COUNT, WEEKDAYS
from resonanz.web.i18n import gettext as _

# How long a poll runs, as the composer offers it (minutes).
POLL_MINUTES = (5, 30, 60, 360, 1440, 4320, 10080)
POLL_OPTIONS = 4  # option fields shown
THREAD_FIELDS = 1  # empty part fields shown after the typed ones (more with the button)


async def _form(request: Request) -> AsyncIterator[FormData]:
    """The form as sent (empty for other bodies); uploaded files are closed after the
    answer. Read by the route, not declared field by field, so authorization comes
    before any check of the body."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


FormDep = Annotated[FormData, Depends(_form)]


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def texts_of(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


@dataclass(frozen=True)
class Upload:
    """A file chosen in image field ``slot`` (1-based) with the alt text typed next to it."""

    slot: int
    data: bytes
    alt: str


def uploads(form: FormData) -> list[Upload]:
    """The files chosen in the image fields (fields left empty are skipped)."""
    found = []
    for slot in range(1, MAX_IMAGES + 1):
        value = form.get(f"image-{slot}")
        if isinstance(value, UploadFile):
            data = value.file.read()
            if data or value.filename:
                found.append(Upload(slot, data, text_of(form, f"image-alt-{slot}")))
    return found


def image_problem(data: bytes) -> str | None:
    """Why an upload cannot be an image of a post, in the UI language (None: it can)."""
    if not data:
        return _("The file is empty: choose the image again.")
    if len(data) > MAX_IMAGE_BYTES:
        return _("The file has %(size)s bytes; an image may have at most %(limit)s.") % {
            "size": f"{len(data):,}",
            "limit": f"{MAX_IMAGE_BYTES:,}",
        }
    if sniff_mime(data) is None:
        return _("This file is not an image: choose a JPEG, PNG, GIF or WebP file.")
    try:
        inspect_image(data)
    except ValidationError:
        return _("This image cannot be read (cut short or damaged): choose another file.")
    return None


def alt_problem(alt: str, *, required: bool) -> str | None:
    if required and not alt.strip():
        return _("Please describe the image (alt text): this workspace requires it.")
    if len(alt.strip()) > MAX_ALT_CHARS:
        return _("The alt text has more than %(limit)s characters.") % {"limit": MAX_ALT_CHARS}
    return None


def read_extras(form: FormData, post: Post | None) -> dict[str, Any]:
    """Thread parts, poll, alt texts and repetition as typed (blank parts and options left
    out)."""
    stored = post.media if post is not None else ()
    return {
        "thread": [p for p in texts_of(form, "thread") if p.strip()],
        "poll_options": [o for o in texts_of(form, "poll-option") if o.strip()],
        "poll_minutes": text_of(form, "poll-minutes").strip() or "1440",
        "poll_multiple": text_of(form, "poll-multiple") in ("1", "on", "true"),
        "alts": {m.id: text_of(form, f"alt-{m.id}") for m in stored if f"alt-{m.id}" in form},
        "new_alts": {s: text_of(form, f"image-alt-{s}") for s in range(1, MAX_IMAGES + 1)},
        "repeat": text_of(form, "repeat").strip(),
        "repeat_on": [d for d in texts_of(form, "repeat-on") if d in WEEKDAYS],
        "repeat_day": text_of(form, "repeat-day").strip(),
        "repeat_end": text_of(form, "repeat-end").strip(),
        "repeat_until": text_of(form, "repeat-until").strip(),
        "repeat_count": text_of(form, "repeat-count").strip(),
    }


def stored_extras(post: Post | None) -> dict[str, Any]:
    """The fields of a stored post (empty ones for a new post)."""
    poll = post.poll if post is not None else None
    return {
        "thread": list(post.thread) if post is not None else [],
        "poll_options": list(poll.options) if poll else [],
        "poll_minutes": str(poll.minutes) if poll else "1440",
        "poll_multiple": poll.multiple if poll else False,
        "alts": {m.id: m.alt for m in post.media} if post is not None else {},
        "new_alts": {},
        "repeat": "",
        "repeat_on": [],
        "repeat_day": "",
        "repeat_end": "",
        "repeat_until": "",
        "repeat_count": "",
    }


def poll_of(form: Mapping[str, Any]) -> Poll | None:
    """The poll the form asks for (None: no option typed)."""
    if not form["poll_options"]:
        return None
    minutes = int(form["poll_minutes"]) if form["poll_minutes"].isdigit() else 0
    return Poll(tuple(o.strip() for o in form["poll_options"]), minutes, form["poll_multiple"])


def extras_of(form: Mapping[str, Any]) -> tuple[tuple[str, ...], Poll | None]:
    return tuple(p.strip() for p in form["thread"]), poll_of(form)


def extras_errors(form: Mapping[str, Any]) -> dict[str, str]:
    """What keeps the thread parts and the poll from being stored at all."""
    errors: dict[str, str] = {}
    options = [o.strip() for o in form["poll_options"]]
    if len(set(options)) != len(options):
        errors["poll"] = _("The poll has the same option twice.")
    elif options and not (form["poll_minutes"].isdigit() and int(form["poll_minutes"]) >= 1):
        errors["poll"] = _("Please choose how long the poll runs.")
    return errors


def image_errors(
    new: Sequence[Upload], form: Mapping[str, Any], post: Post | None, *, require_alt: bool
) -> dict[str, str]:
    """Messages next to the image fields: bad uploads, missing or too long alt texts."""
    errors: dict[str, str] = {}
    for upload in new:
        problem = image_problem(upload.data) or alt_problem(upload.alt, required=require_alt)
        if problem:
            errors[f"image-{upload.slot}"] = problem
    stored = post.media if post is not None else ()
    if len(stored) + len(new) > MAX_IMAGES:
        errors["images"] = _("A post has at most %(n)s images.") % {"n": MAX_IMAGES}
    for item in stored:
        problem = alt_problem(form["alts"].get(item.id, item.alt), required=False)
        if problem:
            errors[f"alt-{item.id}"] = problem
    return errors


def missing_alts(post: Post | None, form: Mapping[str, Any], *, require_alt: bool) -> set[int]:
    """Stored images without alt text where the workspace requires it (marked, not
    refused: such a post is kept as a draft when it is scheduled)."""
    if post is None or not require_alt:
        return set()
    return {m.id for m in post.media if not form["alts"].get(m.id, m.alt).strip()}


def candidate(post: Post | None, form: Mapping[str, Any], workspace_id: int) -> Post:
    """The post as the form has it (stored images with the alt texts typed, thread parts
    and poll from the form), for the live checks."""
    thread, poll = extras_of(form)
    if post is None:
        now = datetime.now(UTC)
        post = Post(
            0, workspace_id, None, form["text"], {}, "draft", None, "UTC", None, 1, now, now
        )
    media = tuple(replace(m, alt=form["alts"].get(m.id, m.alt)) for m in post.media)
    return replace(post, thread=thread, poll=poll, media=media)


@dataclass(frozen=True)
class Repeat:
    """The repetition asked for, in publishing.series.new_series' terms."""

    freq: str
    on: str | None
    day: int | None
    until: str | None
    count: int | None


def repeat_of(form: Mapping[str, Any], first: str) -> tuple[Repeat | None, dict[str, str]]:
    """The repetition block read and checked against the first date (YYYY-MM-DD);
    (None, {}) when the post does not repeat."""
    freq = form["repeat"]
    if not freq:
        return None, {}
    errors: dict[str, str] = {}
    if freq not in FREQUENCIES:
        return None, {"repeat": _("Please choose daily, weekly or monthly.")}
    on = ",".join(form["repeat_on"]) if freq == "weekly" else None
    if freq == "weekly" and not on:
        errors["repeat-on"] = _("Please tick at least one weekday.")
    day = None
    if freq == "monthly" and form["repeat_day"]:
        raw = form["repeat_day"]
        day = int(raw) if raw.isdigit() else 0
        if not 1 <= day <= 31:
            errors["repeat-day"] = _("Please enter a day of the month, 1 to 31.")
    until = count = None
    if form["repeat_end"] == "until":
        until = form["repeat_until"]
        try:
            end = date.fromisoformat(until)
        except ValueError:
            errors["repeat-until"] = _("Please enter the last date as YYYY-MM-DD.")
        else:
            if first and end.isoformat() < first:
                errors["repeat-until"] = _("The last date is before the first post.")
    elif form["repeat_end"] == "count":
        raw = form["repeat_count"]
        count = int(raw) if raw.isdigit() else 0
        if not 1 <= count <= MAX_COUNT:
            errors["repeat-count"] = _("Please enter how often, 1 to %(n)s times.") % {
                "n": MAX_COUNT
            }
    return Repeat(freq, on, day, until, count), errors
