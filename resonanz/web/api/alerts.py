"""REST: alert rules (list, add, change, switch on/off, remove), channels (list, add, test,
remove; secrets write-only), the detectors and channel kinds, incident history with each
message's delivery state. Checked as the pages and ``resonanz alerts ...`` check them;
invalid input answers 422 with every wrong field in ``error.fields``."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from resonanz.alerts import rules as alert_rules
from resonanz.alerts.channels import describe_channel
from resonanz.alerts.rules import Channel, Rule
from resonanz.topics import topic_by_id
from resonanz.web.alert_channels_admin import (
    channel_audit,
    channel_by_id,
    channel_kinds,
    create_channel,
    masked_channel_config,
    send_channel_test,
)
from resonanz.web.alert_rules_admin import (
    FieldErrors,
    RuleInput,
    change_rule,
    create_rule,
    detector_label,
    detectors,
    rule_audit,
    rule_by_id,
)
from resonanz.web.api.alerts_models import (
    ChannelFieldOut,
    ChannelIn,
    ChannelKindOut,
    ChannelOut,
    ChannelTestIn,
    ChannelTestOut,
    DeliveryOut,
    DetectorOut,
    IncidentOut,
    RuleIn,
    RuleOut,
    RulePatch,
)
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Access, Editor, SettingsDep, StoreDep, Viewer
from resonanz.web.errors import error_json

router = APIRouter(tags=["alerts"], responses=ERRORS)
PREFIX = "/workspaces/{slug}/alerts"


def _invalid(exc: FieldErrors) -> JSONResponse:
    fields = [{"field": k, "message": v} for k, v in exc.errors.items()]
    return error_json(422, "invalid", str(exc), fields=fields)


def _channel_out(channel: Channel, target: str) -> ChannelOut:
    return ChannelOut(
        id=channel.id,
        name=channel.name,
        kind=channel.kind,
        config=masked_channel_config(channel),
        target=target,
        created_at=channel.created_at,
        last_success_at=channel.last_success_at,
        last_error=channel.last_error,
        last_error_at=channel.last_error_at,
    )


def _rule_out(rule: Rule, names: dict[int, str]) -> RuleOut:
    return RuleOut(
        id=rule.id,
        topic_id=rule.topic_id,
        topic=rule.topic,
        detector=rule.detector,
        params=rule.params,
        quiet_hours=rule.quiet_hours,
        timezone=rule.timezone,
        lang=rule.lang,
        channel_ids=list(rule.channel_ids),
        channels=[names.get(c, "?") for c in rule.channel_ids],
        enabled=rule.enabled,
        created_at=rule.created_at,
        checked_at=rule.checked_at,
    )


def _names(access: Access, store: StoreDep) -> dict[int, str]:
    return {c.id: c.name for c in store.alerts.list_channels(access.workspace.id)}


@router.get(PREFIX + "/detectors", response_model=list[DetectorOut])
def list_detectors(access: Viewer) -> list[DetectorOut]:
    """The detectors a rule can use, with their parameters' defaults."""
    return [
        DetectorOut(name=d, label=detector_label(d), defaults=alert_rules.DEFAULT_PARAMS[d])
        for d in detectors()
    ]


@router.get(PREFIX + "/channel-kinds", response_model=list[ChannelKindOut])
def list_channel_kinds(access: Viewer) -> list[ChannelKindOut]:
    """The kinds of channel (plugins included) with their settings."""
    return [
        ChannelKindOut(
            kind=kind,
            fields=[ChannelFieldOut(**f.__dict__) for f in fields],
        )
        for kind, fields in channel_kinds().items()
    ]


# -- channels


@router.get(PREFIX + "/channels", response_model=list[ChannelOut])
def list_channels(access: Viewer, store: StoreDep, settings: SettingsDep) -> list[ChannelOut]:
    """The workspace's channels with their last success and last error (secrets masked)."""
    return [
        _channel_out(c, describe_channel(store, settings, c))
        for c in store.alerts.list_channels(access.workspace.id)
    ]


@router.post(PREFIX + "/channels", response_model=ChannelOut, status_code=201)
def create_alert_channel(
    body: ChannelIn, access: Editor, store: StoreDep, settings: SettingsDep
) -> ChannelOut | JSONResponse:
    """Add a channel, checked at once (a bad address, a private-network target the server
    does not allow, a short webhook secret: 422 naming the field); secrets are stored
    encrypted."""
    try:
        channel = create_channel(
            store, settings, access.workspace, body.name, body.kind, body.config
        )
    except FieldErrors as exc:
        return _invalid(exc)
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "alert_channel.create",
        channel.name,
        channel_audit(channel),
    )
    return _channel_out(channel, describe_channel(store, settings, channel))


@router.get(PREFIX + "/channels/{channel_id}", response_model=ChannelOut)
def get_channel(
    channel_id: int, access: Viewer, store: StoreDep, settings: SettingsDep
) -> ChannelOut:
    """One channel (secrets masked)."""
    channel = channel_by_id(store, access.workspace.id, channel_id)
    return _channel_out(channel, describe_channel(store, settings, channel))


@router.post(PREFIX + "/channels/{channel_id}/test", response_model=ChannelTestOut)
def test_alert_channel(
    channel_id: int,
    access: Editor,
    store: StoreDep,
    settings: SettingsDep,
    body: ChannelTestIn | None = None,
) -> ChannelTestOut | JSONResponse:
    """Send a test message now; 502 ``delivery_failed`` with the reason when it fails
    (recorded as the channel's last error)."""
    channel = channel_by_id(store, access.workspace.id, channel_id)
    lang = (body or ChannelTestIn()).lang
    error = send_channel_test(store, settings, access.workspace, channel, lang)
    if error:
        return error_json(502, "delivery_failed", error)
    return ChannelTestOut(sent=True, channel=channel.name)


@router.delete(PREFIX + "/channels/{channel_id}", status_code=204)
def delete_channel(channel_id: int, access: Editor, store: StoreDep) -> None:
    """Remove a channel (rules keep their other channels)."""
    channel = channel_by_id(store, access.workspace.id, channel_id)
    store.alerts.remove_channel(access.workspace.id, channel.name)
    store.accounts.audit(access.workspace.id, access.user.id, "alert_channel.delete", channel.name)


# -- rules


@router.get(PREFIX + "/rules", response_model=list[RuleOut])
def list_rules(access: Viewer, store: StoreDep) -> list[RuleOut]:
    """The workspace's rules."""
    names = _names(access, store)
    return [_rule_out(r, names) for r in store.alerts.list_rules(access.workspace.id)]


@router.post(PREFIX + "/rules", response_model=RuleOut, status_code=201)
def create_alert_rule(body: RuleIn, access: Editor, store: StoreDep) -> RuleOut | JSONResponse:
    """Add a rule: a topic and channels of this workspace, possible thresholds, a known
    detector (one rule per topic and detector: 422 on ``detector`` for a second)."""
    data = RuleInput(
        detector=body.detector,
        params=body.params,
        topic_id=body.topic_id,
        quiet_hours=body.quiet_hours,
        timezone=body.timezone,
        lang=body.lang,
        channel_ids=tuple(body.channel_ids),
    )
    try:
        rule = create_rule(store, access.workspace, data)
    except FieldErrors as exc:
        return _invalid(exc)
    names = _names(access, store)
    target = f"{rule.topic}/{rule.detector}"
    details = rule_audit(rule, names)
    store.accounts.audit(access.workspace.id, access.user.id, "alert_rule.create", target, details)
    return _rule_out(rule, names)


@router.get(PREFIX + "/rules/{rule_id}", response_model=RuleOut)
def get_rule(rule_id: int, access: Viewer, store: StoreDep) -> RuleOut:
    """One rule."""
    return _rule_out(rule_by_id(store, access.workspace.id, rule_id), _names(access, store))


@router.patch(PREFIX + "/rules/{rule_id}", response_model=RuleOut)
def patch_rule(
    rule_id: int, body: RulePatch, access: Editor, store: StoreDep
) -> RuleOut | JSONResponse:
    """Change a rule's parameters, quiet hours, time zone, language or channels, or switch
    it on or off; what is not given stays (topic and detector always stay)."""
    rule = rule_by_id(store, access.workspace.id, rule_id)
    target = f"{rule.topic}/{rule.detector}"
    settings_given = {k for k, v in body.model_dump().items() if v is not None} - {"enabled"}
    if settings_given:
        current = RuleInput(
            detector=rule.detector,
            params=rule.params,
            quiet_hours=rule.quiet_hours or "",
            timezone=rule.timezone,
            lang=rule.lang,
            channel_ids=rule.channel_ids,
        )
        given = {k: getattr(body, k) for k in settings_given}
        if "channel_ids" in given:
            given["channel_ids"] = tuple(given["channel_ids"])
        try:
            rule = change_rule(store, rule, replace(current, **given))
        except FieldErrors as exc:
            return _invalid(exc)
        details = rule_audit(rule, _names(access, store))
        store.accounts.audit(
            access.workspace.id, access.user.id, "alert_rule.update", target, details
        )
    if body.enabled is not None:
        store.alerts.set_rule_enabled(rule.id, body.enabled)
        action = "alert_rule.enable" if body.enabled else "alert_rule.disable"
        store.accounts.audit(access.workspace.id, access.user.id, action, target)
        rule = rule_by_id(store, access.workspace.id, rule.id)
    return _rule_out(rule, _names(access, store))


@router.delete(PREFIX + "/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: int, access: Editor, store: StoreDep) -> None:
    """Remove a rule (its incidents go with it)."""
    rule = rule_by_id(store, access.workspace.id, rule_id)
    store.alerts.remove_rule(access.workspace.id, rule.topic_id, rule.detector)
    target = f"{rule.topic}/{rule.detector}"
    store.accounts.audit(access.workspace.id, access.user.id, "alert_rule.delete", target)


# -- history


@router.get(PREFIX + "/incidents", response_model=list[IncidentOut])
def list_incidents(
    access: Viewer, store: StoreDep, topic_id: int | None = None, limit: int = 50
) -> list[IncidentOut]:
    """Incidents, newest first (of one topic when ``topic_id`` is given; at most ``limit``,
    up to 500), each with its messages' delivery state and last error."""
    ws = access.workspace.id
    topic = topic_by_id(store, ws, topic_id).id if topic_id is not None else None
    incidents = store.alerts.history(ws, topic_id=topic, limit=max(1, min(limit, 500)))
    deliveries = store.alerts.deliveries(i.id for i in incidents)
    return [
        IncidentOut(
            id=i.id,
            rule_id=i.rule_id,
            topic=i.topic,
            kind=i.kind,
            subject=i.subject,
            status=i.status,
            started_at=i.started_at,
            last_seen_at=i.last_seen_at,
            resolved_at=i.resolved_at,
            observed=i.observed,
            expected=i.expected,
            peak_ratio=i.peak_ratio,
            explanation=i.explanation,
            mention_ids=list(i.mention_ids),
            deliveries=[
                DeliveryOut(
                    channel_id=d.channel_id,
                    channel=d.channel,
                    sequence=d.sequence,
                    status=d.status,
                    attempts=d.attempts,
                    next_attempt_at=d.next_attempt_at,
                    last_error=d.last_error,
                    created_at=d.created_at,
                    sent_at=d.sent_at,
                )
                for d in deliveries
                if d.incident_id == i.id
            ],
        )
        for i in incidents
    ]
