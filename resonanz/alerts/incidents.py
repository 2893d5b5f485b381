"""One alert per incident: when a detector's findings open, grow into and close an incident.

A detector reports a finding (or none) at every tick. The first finding opens an
incident ("opened"). While it stays open, further findings are folded into it; the
people watching hear again only when it grew markedly ("updated": the ratio of observed
to expected rose by ``update_factor`` since the last message, at most every
``update_every`` minutes). After ``resolve_after`` minutes without a finding the incident
is over ("resolved"). The tracker holds no I/O: the alert engine stores its state with
the incident, and the benchmark drives it with a simulated clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

Event = Literal["opened", "updated", "resolved"]


@dataclass(frozen=True, slots=True)
class TrackerPolicy:
    """How findings become messages."""

    resolve_after: timedelta = timedelta(minutes=30)
    update_factor: float = 1.5
    update_every: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class IncidentState:
    """An open incident as the tracker sees it."""

    started_at: datetime
    last_seen_at: datetime  # the last tick with a finding
    notified_ratio: float  # the ratio in the last message sent
    notified_at: datetime
    peak_ratio: float
    sequence: int = 0  # messages sent so far minus one (0: the "opened" message)


def step(
    state: IncidentState | None,
    now: datetime,
    ratio: float | None,
    policy: TrackerPolicy = TrackerPolicy(),
) -> tuple[IncidentState | None, Event | None]:
    """The next state and the message to send (if any) after one tick.

    ``ratio`` is the finding's observed/expected ratio, None when the detector found
    nothing this tick.
    """
    if state is None:
        if ratio is None:
            return None, None
        return IncidentState(now, now, ratio, now, ratio), "opened"
    if ratio is None:
        if now - state.last_seen_at >= policy.resolve_after:
            return None, "resolved"
        return state, None
    state = replace(state, last_seen_at=now, peak_ratio=max(state.peak_ratio, ratio))
    grown = ratio >= state.notified_ratio * policy.update_factor
    if grown and now - state.notified_at >= policy.update_every:
        state = replace(state, notified_ratio=ratio, notified_at=now, sequence=state.sequence + 1)
        return state, "updated"
    return state, None
