"""What a notifier delivers: one message about one incident (opened, updated or resolved),
or about one publishing event (resonanz.publishing.notify)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Status = Literal["opened", "updated", "resolved"]


@dataclass(frozen=True, slots=True)
class ExampleMention:
    """A mention that caused the alert, as shown in a notification."""

    author: str
    text: str  # at most 280 characters
    url: str | None = None


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """One notification. ``key`` is stable for the same incident, status and update, so a
    notifier that supports idempotency (Matrix transaction ids, webhook receivers) can drop
    a repeated delivery."""

    incident_id: int
    sequence: int  # 0 for "opened", then 1, 2, ... for each update and the resolution
    workspace: str
    topic: str
    kind: str  # detector: "volume_spike", "negative_surge", "emerging_term", "new_author"
    status: Status
    title: str  # one line, in ``lang``
    explanation: str  # "412 mentions in the last 15 min, expected 40 ± 9 from ..."
    started_at: datetime  # UTC
    observed_at: datetime  # UTC
    lang: str = "en"  # "de" or "en"
    url: str | None = None  # the dashboard's view of the incident's mentions
    examples: tuple[ExampleMention, ...] = field(default_factory=tuple)
    # A publishing event (incident_id 0): its stable key, e.g. "publishing-delivery-12-..."
    event_key: str | None = None

    @property
    def key(self) -> str:
        """Idempotency key of this delivery: ``resonanz-<incident>-<sequence>``, or
        ``resonanz-<event key>`` for a publishing event."""
        if self.event_key:
            return f"resonanz-{self.event_key}"
        return f"resonanz-{self.incident_id}-{self.sequence}"
