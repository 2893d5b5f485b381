"""Alert records (channels, rules, incidents, deliveries) and the checks on a rule's settings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from resonanz.analytics.spikes import SENSITIVITY
from resonanz.errors import ValidationError

DETECTORS = ("volume_spike", "negative_surge", "new_author", "emerging_terms", "cluster_growth")
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "volume_spike": {"sensitivity": "normal", "min_mentions": 10, "min_ratio": 2.0},
    "negative_surge": {
        "sensitivity": "normal",
        "min_negative": 10,
        "min_ratio": 1.5,
        "window_minutes": 60,
    },
    "new_author": {"min_followers": 10_000},
    "emerging_terms": {
        "sensitivity": "normal",
        "min_count": 5,
        "min_ratio": 3.0,
        "window_minutes": 60,
        "baseline_days": 7,
    },
    "cluster_growth": {
        "sensitivity": "normal",
        "min_new": 10,
        "min_ratio": 3.0,
        "window_minutes": 60,
    },
}
_QUIET_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Channel:
    """A configured notifier: kind, its visible settings; secrets stay encrypted in the store."""

    id: int
    workspace_id: int
    name: str
    kind: str
    config: dict[str, str]
    has_secrets: bool
    created_at: datetime
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


@dataclass(frozen=True)
class Rule:
    """Which detector watches which topic, how sensitively, and who hears about it."""

    id: int
    workspace_id: int
    topic_id: int
    topic: str
    detector: str
    params: dict[str, Any]
    quiet_hours: str | None
    timezone: str
    lang: str
    channel_ids: tuple[int, ...]
    enabled: bool
    created_at: datetime
    checked_at: datetime | None = None


@dataclass(frozen=True)
class Incident:
    """One alert: from the first finding until it is over."""

    id: int
    workspace_id: int
    rule_id: int
    topic_id: int
    topic: str
    kind: str
    subject: str
    status: str  # open | resolved
    started_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    notified_ratio: float
    notified_at: datetime
    peak_ratio: float
    sequence: int
    observed: int
    expected: float
    explanation: str
    mention_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Delivery:
    """One message of one incident (or one publishing event: no incident) to one
    channel, with its delivery state."""

    id: int
    incident_id: int | None
    channel_id: int
    channel: str
    sequence: int
    status: str  # pending | sent | failed
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    message: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None


def check_params(detector: str, params: dict[str, Any]) -> dict[str, Any]:
    """The detector's parameters with defaults filled in; ValidationError for impossible ones."""
    if detector not in DETECTORS:
        raise ValidationError(f"unknown detector {detector!r}; known: {', '.join(DETECTORS)}")
    merged = {**DEFAULT_PARAMS[detector], **{k: v for k, v in params.items() if v is not None}}
    unknown = set(merged) - set(DEFAULT_PARAMS[detector])
    if unknown:
        raise ValidationError(f"{detector}: unknown setting(s) {', '.join(sorted(unknown))}")
    for name, default in DEFAULT_PARAMS[detector].items():
        if isinstance(default, int | float) and not isinstance(default, bool):
            merged[name] = _number(name, merged[name], whole=isinstance(default, int))
    if (
        detector in ("volume_spike", "negative_surge", "emerging_terms", "cluster_growth")
        and (level := merged["sensitivity"]) not in SENSITIVITY
    ):
        raise ValidationError(f"sensitivity must be one of {', '.join(SENSITIVITY)}, not {level!r}")
    if detector == "negative_surge":
        if not 1 <= int(merged["min_negative"]) <= 1_000_000:
            raise ValidationError("min_negative must be between 1 and 1,000,000")
        if not 1.0 < float(merged["min_ratio"]) <= 100:
            raise ValidationError(
                "min_ratio must be above 1 (a surge is more negative than usual) and at most 100"
            )
        if not 5 <= int(merged["window_minutes"]) <= 24 * 60:
            raise ValidationError("window_minutes must be between 5 and 1,440")
        merged["min_negative"] = int(merged["min_negative"])
        merged["min_ratio"] = float(merged["min_ratio"])
        merged["window_minutes"] = int(merged["window_minutes"])
    elif detector == "volume_spike":
        if not 1 <= int(merged["min_mentions"]) <= 1_000_000:
            raise ValidationError("min_mentions must be between 1 and 1,000,000")
        if not 1.0 < float(merged["min_ratio"]) <= 1000:
            raise ValidationError(
                "min_ratio must be above 1 (a spike is more than expected) and at most 1000"
            )
        merged["min_mentions"] = int(merged["min_mentions"])
        merged["min_ratio"] = float(merged["min_ratio"])
    elif detector == "emerging_terms":
        if not 2 <= int(merged["min_count"]) <= 1_000_000:
            raise ValidationError("min_count must be between 2 and 1,000,000")
        if not 1.0 < float(merged["min_ratio"]) <= 1000:
            raise ValidationError(
                "min_ratio must be above 1 (a term rises above its usual share) and at most 1000"
            )
        if not 5 <= int(merged["window_minutes"]) <= 24 * 60:
            raise ValidationError("window_minutes must be between 5 and 1,440")
        if not 1 <= int(merged["baseline_days"]) <= 90:
            raise ValidationError("baseline_days must be between 1 and 90")
        for name in ("min_count", "window_minutes", "baseline_days"):
            merged[name] = int(merged[name])
        merged["min_ratio"] = float(merged["min_ratio"])
    elif detector == "cluster_growth":
        if not 2 <= int(merged["min_new"]) <= 1_000_000:
            raise ValidationError("min_new must be between 2 and 1,000,000")
        if not 1.0 < float(merged["min_ratio"]) <= 1000:
            raise ValidationError(
                "min_ratio must be above 1 (a cluster grows above its usual share) and at most 1000"
            )
        if not 5 <= int(merged["window_minutes"]) <= 24 * 60:
            raise ValidationError("window_minutes must be between 5 and 1,440")
        merged["min_new"] = int(merged["min_new"])
        merged["window_minutes"] = int(merged["window_minutes"])
        merged["min_ratio"] = float(merged["min_ratio"])
    else:
        if not 1 <= int(merged["min_followers"]) <= 10_000_000_000:
            raise ValidationError("min_followers must be between 1 and 10,000,000,000")
        merged["min_followers"] = int(merged["min_followers"])
    return merged


def _number(name: str, value: Any, *, whole: bool) -> int | float:
    """A numeric setting from what was given (a string from a form or a JSON number)."""
    try:
        return int(value) if whole else float(value)
    except (TypeError, ValueError):
        kind = "a whole number" if whole else "a number"
        raise ValidationError(f"{name} must be {kind}, not {value!r}") from None


def check_quiet_hours(text: str | None) -> str | None:
    """'22:00-07:00' (local time of the rule); None or '' for none."""
    if not text:
        return None
    if not _QUIET_RE.match(text) or text[:5] == text[6:]:
        raise ValidationError(
            f"quiet hours must look like 22:00-07:00 (start and end differ), not {text!r}"
        )
    return text


def check_timezone(name: str) -> str:
    """An IANA time zone name."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        ) from exc
    return name


def in_quiet_hours(rule: Rule, at: datetime) -> datetime | None:
    """When the quiet hours around ``at`` end (UTC), or None when ``at`` is not in them."""
    if not rule.quiet_hours:
        return None
    zone = ZoneInfo(rule.timezone)
    local = at.astimezone(zone)
    start = time(int(rule.quiet_hours[:2]), int(rule.quiet_hours[3:5]))
    end = time(int(rule.quiet_hours[6:8]), int(rule.quiet_hours[9:11]))
    now = local.time().replace(tzinfo=None)
    inside = start <= now < end if start < end else (now >= start or now < end)
    if not inside:
        return None
    day = local.date()
    if start > end and now >= start:
        day = day.fromordinal(day.toordinal() + 1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(at.tzinfo)
