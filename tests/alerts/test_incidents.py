"""One alert per incident: opened, updated when it grows, resolved when it ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resonanz.alerts.incidents import IncidentState, TrackerPolicy, step

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _run(ratios: list[float | None]) -> list[str | None]:
    state: IncidentState | None = None
    events = []
    for minute, ratio in enumerate(ratios):
        state, event = step(state, T0 + timedelta(minutes=minute), ratio, TrackerPolicy())
        events.append(event)
    return events


def test_one_message_while_an_incident_holds_steady() -> None:
    events = _run([None, 3.0, 3.1, 2.9, 3.0])
    assert events == [None, "opened", None, None, None]


def test_growth_is_an_update_but_not_more_often_than_the_policy_allows() -> None:
    events = _run([3.0] + [6.0] * 20)
    assert events[0] == "opened"
    assert events.count("updated") == 1
    assert events.index("updated") == 15  # update_every: 15 minutes after the first message


def test_resolved_after_thirty_quiet_minutes_then_a_new_incident() -> None:
    events = _run([3.0] + [None] * 30 + [4.0])
    assert events[0] == "opened"
    assert events[30] == "resolved"
    assert events[31] == "opened"
