"""Adding notification channels and rules the way the CLI and the web app both need it:
checked at once (a bad config is an error when saved, not at the first alert), secrets
encrypted before they reach the store."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pluggy

from resonanz import secrets
from resonanz.alerts.engine import channel_config
from resonanz.alerts.message import AlertMessage
from resonanz.alerts.notifiers import make_notifier
from resonanz.alerts.rules import (
    Channel,
    Rule,
    check_params,
    check_quiet_hours,
    check_timezone,
)
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.models import Workspace
from resonanz.store import Store

LANGS = ("de", "en")


def secret_fields(
    kind: str, settings: Settings, pm: pluggy.PluginManager | None = None
) -> set[str]:
    """The names of a notifier kind's secret fields."""
    from resonanz.alerts.notifiers import notifier_kinds

    cls = notifier_kinds(pm).get(kind)
    if cls is None:
        make_notifier(kind, {}, settings, pm)  # raises the "unknown kind" error
        return set()
    return {spec.name for spec in cls.fields if spec.secret}


def add_channel(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    name: str,
    kind: str,
    values: Mapping[str, str],
    pm: pluggy.PluginManager | None = None,
) -> Channel:
    """Check the config by building the notifier, encrypt its secrets, store the channel."""
    if not name.strip():
        raise ValidationError("a channel needs a name")
    make_notifier(kind, values, settings, pm)
    hidden = secret_fields(kind, settings, pm)
    public = {k: v for k, v in values.items() if k not in hidden}
    private = {k: v for k, v in values.items() if k in hidden}
    encrypted = secrets.encrypt(settings, json.dumps(private)) if private else None
    return store.alerts.add_channel(
        workspace.id, name.strip(), kind, public, encrypted, at=datetime.now(UTC)
    )


def describe_channel(store: Store, settings: Settings, channel: Channel) -> str:
    """The notifier's own one-line description (no secrets), or why it cannot be built."""
    try:
        kind, config = channel_config(store, settings, channel.id)
        return make_notifier(kind, config, settings).describe()
    except Exception as exc:  # shown in a listing; the error itself is the information
        return f"{channel.kind} (broken: {exc})"


def send_test(store: Store, settings: Settings, workspace: Workspace, name: str, lang: str) -> None:
    """Send a test message through a channel now; DeliveryError when it fails."""
    channel = store.alerts.get_channel(workspace.id, name)
    kind, config = channel_config(store, settings, channel.id)
    now = datetime.now(UTC)
    test = "Testnachricht von Resonanz" if lang == "de" else "Test message from Resonanz"
    message = AlertMessage(
        incident_id=0,
        sequence=int(now.timestamp()),
        workspace=workspace.name,
        topic="test",
        kind="test",
        status="opened",
        title=test,
        explanation=test,
        started_at=now,
        observed_at=now,
        lang=lang,
    )
    try:
        make_notifier(kind, config, settings).send(message)
    except Exception as exc:
        store.alerts.record_channel_result(channel.id, now, str(exc))
        raise
    store.alerts.record_channel_result(channel.id, now, None)


def add_rule(
    store: Store,
    workspace: Workspace,
    topic: str,
    detector: str,
    params: Mapping[str, Any],
    *,
    channels: Sequence[str],
    quiet_hours: str | None = None,
    timezone: str = "Europe/Berlin",
    lang: str = "de",
) -> Rule:
    """Check and store a rule: a known topic and channels, possible thresholds."""
    topic_record = store.get_topic(workspace.id, topic)
    checked = check_params(detector, dict(params))
    if lang not in LANGS:
        raise ValidationError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if not channels:
        raise ValidationError("a rule needs at least one channel (see `resonanz alerts channel`)")
    channel_ids = [store.alerts.get_channel(workspace.id, name).id for name in channels]
    return store.alerts.add_rule(
        workspace.id,
        topic_record.id,
        detector,
        checked,
        quiet_hours=check_quiet_hours(quiet_hours),
        timezone=check_timezone(timezone),
        lang=lang,
        channel_ids=channel_ids,
        at=datetime.now(UTC),
    )
