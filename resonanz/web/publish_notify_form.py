"""The delivery page's block of publishing notifications: which alert channels get which
publishing events, in which language (resonanz.publishing.notify, the same rules as the
REST API and ``resonanz scheduler notify``); admins change it, errors stand next to
their field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from resonanz.errors import ValidationError
from resonanz.publishing.notify import DEFAULT_EVENTS, EVENTS, LANGS, chosen, configure
from resonanz.store import Store
from resonanz.store.publish_notify import notify_store
from resonanz.web.i18n import gettext as _


def event_labels() -> dict[str, str]:
    """Each publishing event's name in the request's language."""
    return {
        "needs_attention": _("A delivery needs attention"),
        "failed": _("A delivery failed"),
        "overdue": _("A delivery is overdue"),
        "disconnected": _("A channel was disconnected"),
        "expiring": _("A channel's credentials end soon"),
        "approval_requested": _("A post waits for approval"),
        "approved": _("A post was approved"),
        "rejected": _("A post was rejected"),
    }


@dataclass
class NotifyForm:
    """What the block shows: the choice (stored, or as typed when it was refused)."""

    channels: list[str]
    lang: str
    events: list[str]
    errors: dict[str, str] = field(default_factory=dict)


def current_form(store: Store, workspace_id: int) -> NotifyForm:
    """The stored choice (none: no channels, German, the default events)."""
    saved = notify_store(store).get(workspace_id)
    if saved is None:
        return NotifyForm([], "de", list(DEFAULT_EVENTS))
    names = {c.id: c.name for c in store.alerts.list_channels(workspace_id)}
    return NotifyForm(
        [names[i] for i in saved.channel_ids if i in names], saved.lang, list(chosen(saved))
    )


def block(store: Store, workspace_id: int, form: NotifyForm | None = None) -> dict[str, Any]:
    """The template's context for the block."""
    return {
        "form": form or current_form(store, workspace_id),
        "alert_channels": store.alerts.list_channels(workspace_id),
        "event_labels": event_labels(),
        "langs": LANGS,
    }


def save(
    store: Store,
    workspace_id: int,
    user_id: int,
    channels: Sequence[str],
    lang: str,
    events: Sequence[str],
) -> NotifyForm:
    """Check and store the choice; the returned form's ``errors`` name each refused
    field (nothing is stored then)."""
    form = NotifyForm(list(channels), lang, list(events))
    known = {c.name for c in store.alerts.list_channels(workspace_id)}
    unknown = [name for name in channels if name not in known]
    if unknown:
        form.errors["channels"] = _("This workspace has no alert channel named %(names)s.") % {
            "names": ", ".join(unknown)
        }
    if lang not in LANGS:
        form.errors["lang"] = _("Choose German or English.")
    if any(e not in EVENTS for e in events):
        form.errors["events"] = _("Choose among the listed events.")
    elif channels and not events:
        form.errors["events"] = _("Choose at least one event, or no channel to stop notifying.")
    if form.errors:
        return form
    try:
        configure(store, workspace_id, channels, lang=lang, events=events, user_id=user_id)
    except ValidationError as exc:  # a channel removed meanwhile
        form.errors["channels"] = _("Not saved: %(reason)s") % {"reason": exc}
    return form
