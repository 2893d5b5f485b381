"""Planning from the composer: put a stored post into the next queue slot common to its
channels (publishing.queue), or create a recurring series (publishing.series) from the
form's text, channels, first date and time and repetition block.

Messages are in the UI language where the composer can say what to do (no slots, no
common free slot); a channel's own reasons come from publishing.compose in English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from resonanz.errors import ConflictError, ValidationError
from resonanz.publishing.models import Post, PublishChannel
from resonanz.publishing.queue import WEEKS, queue_post
from resonanz.publishing.series import NewSeries, new_series
from resonanz.store.publishing import PublishingStore
from resonanz.store.queue_slots import slots_of
from resonanz.web.i18n import gettext as _
from resonanz.web.post_form import Repeat


def queue_into_slot(
    pub: PublishingStore,
    classes: Mapping[str, type],
    post: Post,
    channels: Sequence[PublishChannel],
) -> str | None:
    """Schedule the post into the next free slot of all its channels; the reason it was
    not (the post stays a draft), or None when it was."""
    if pub.require_alt(post.workspace_id) and any(not m.alt.strip() for m in post.media):
        return _("Not queued: this workspace requires an alt text for every image.")
    slots = slots_of(pub).slots(post.workspace_id, [c.id for c in channels])
    without = sorted({c.name for c in channels} - {s.channel_name for s in slots})
    if without:
        return _(
            "Not queued: channel %(name)s has no queue slots. Add some on the planning page "
            "or pick a date and time and schedule the post."
        ) % {"name": without[0]}
    try:
        queue_post(pub, classes, post.workspace_id, post.id)
    except ConflictError:
        return _("Not queued: the channels have no common free slot in the next %(n)s weeks.") % {
            "n": WEEKS
        }
    except ValidationError as exc:
        return str(exc)
    return None


def create_series(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    form: Mapping[str, Any],
    repeat: Repeat,
    variants: Mapping[str, str],
    author_id: int,
) -> NewSeries:
    """The series the form asks for (its first post made at once); ValidationError with
    the reasons when it cannot be created (nothing is stored then)."""
    return new_series(
        pub,
        classes,
        workspace_id,
        form["text"],
        form["channels"],
        at=f"{form['date']} {form['time']}",
        timezone=form["timezone"] or "UTC",
        repeat=repeat.freq,
        on=repeat.on,
        day=repeat.day,
        until=repeat.until,
        count=repeat.count,
        variants=variants,
        author_id=author_id,
    )
