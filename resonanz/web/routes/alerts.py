"""Alerts pages: the workspace's incidents with their explanation and delivery state, its
rules and its channels (with their last error); editors add, test and remove channels and
add, change, switch on/off and remove rules (as ``resonanz alerts ...`` does)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from resonanz.alerts.channels import LANGS, describe_channel
from resonanz.alerts.engine import mentions_path
from resonanz.alerts.rules import Rule
from resonanz.config import Settings
from resonanz.store import Store
from resonanz.web.alert_channels_admin import (
    channel_audit,
    channel_by_id,
    channel_kinds,
    create_channel,
    send_channel_test,
)
from resonanz.web.alert_rules_admin import (
    FieldErrors,
    RuleInput,
    change_rule,
    create_rule,
    default_form_params,
    detector_label,
    detectors,
    form_value,
    param_fields,
    rule_audit,
    rule_by_id,
)
from resonanz.web.deps import Access, Editor, SettingsDep, StoreDep, Viewer
from resonanz.web.i18n import current_locale
from resonanz.web.i18n import gettext as _
from resonanz.web.templating import render

router = APIRouter()

FormStr = Annotated[str, Form()]
FormList = Annotated[list[str] | None, Form()]


async def form_data(request: Request) -> FormData:
    """The posted form (parsed once; the detector's and the notifier's own fields)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def _prefixed(form: FormData, prefix: str) -> dict[str, str]:
    return {
        key[len(prefix) :]: value
        for key, value in form.items()
        if key.startswith(prefix) and isinstance(value, str)
    }


def _page(
    request: Request,
    access: Access,
    store: Store,
    settings: Settings,
    *,
    channel_form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    tested: dict[int, str] | None = None,
    status: int = 200,
) -> Response:
    ws = access.workspace
    incidents = store.alerts.history(ws.id, limit=100)
    deliveries = store.alerts.deliveries(i.id for i in incidents)
    channels = store.alerts.list_channels(ws.id)
    names = {c.id: c.name for c in channels}
    context = {
        "nav": "alerts",
        "incidents": [
            (
                i,
                [d for d in deliveries if d.incident_id == i.id],
                mentions_path(ws.slug, i.topic, i.started_at - timedelta(minutes=15)),
            )
            for i in incidents
        ],
        "rules": [
            (r, [names.get(c, "?") for c in r.channel_ids]) for r in store.alerts.list_rules(ws.id)
        ],
        "channels": [(c, describe_channel(store, settings, c)) for c in channels],
        "kinds": channel_kinds(),
        "channel_form": channel_form or {"kind": "", "name": "", "config": {}},
        "errors": errors or {},
        "tested": tested or {},
        "detector_label": detector_label,
    }
    return render(request, "alerts.html", context, status=status)


def _to_list(access: Access) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/alerts", status_code=303)


@router.get("/w/{slug}/alerts")
def alert_list(
    request: Request, access: Viewer, store: StoreDep, settings: SettingsDep
) -> Response:
    """Incidents (newest first), rules and channels; forms for editors."""
    return _page(request, access, store, settings)


# -- channels


@router.post("/w/{slug}/alerts/channels")
def channel_add(
    request: Request,
    access: Editor,
    store: StoreDep,
    settings: SettingsDep,
    form: FormDep,
    name: FormStr = "",
    kind: FormStr = "",
) -> Response:
    """Add a channel (its settings as ``config.<field>``), checked at once; secrets are
    stored encrypted and never shown back, not even after an error."""
    values = _prefixed(form, "config.")
    try:
        channel = create_channel(store, settings, access.workspace, name, kind, values)
    except FieldErrors as exc:
        secret = {f.name for f in channel_kinds().get(kind, []) if f.secret}
        kept = {k: v for k, v in values.items() if k not in secret}
        again = {"kind": kind, "name": name, "config": kept}
        return _page(
            request, access, store, settings, channel_form=again, errors=exc.errors, status=422
        )
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "alert_channel.create",
        channel.name,
        channel_audit(channel),
    )
    return _to_list(access)


@router.post("/w/{slug}/alerts/channels/{channel_id}/test")
def channel_test(
    request: Request, access: Editor, store: StoreDep, settings: SettingsDep, channel_id: int
) -> Response:
    """Send a test message now and show what happened next to the channel."""
    channel = channel_by_id(store, access.workspace.id, channel_id)
    lang = current_locale() if current_locale() in LANGS else "de"
    error = send_channel_test(store, settings, access.workspace, channel, lang)
    if error:
        result = _("The test message could not be sent: %(reason)s") % {"reason": error}
    else:
        result = _("Test message sent.")
    return _page(request, access, store, settings, tested={channel.id: result})


@router.post("/w/{slug}/alerts/channels/{channel_id}/delete")
def channel_delete(access: Editor, store: StoreDep, channel_id: int) -> Response:
    """Remove a channel (rules keep their other channels)."""
    channel = channel_by_id(store, access.workspace.id, channel_id)
    store.alerts.remove_channel(access.workspace.id, channel.name)
    store.accounts.audit(access.workspace.id, access.user.id, "alert_channel.delete", channel.name)
    return _to_list(access)


# -- rules


def _rule_page(
    request: Request,
    access: Access,
    store: Store,
    *,
    rule: Rule | None,
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "nav": "alerts",
        "rule": rule,
        "form": form,
        "errors": errors,
        "topics": store.list_topics(access.workspace.id),
        "detectors": detectors(),
        "detector_label": detector_label,
        "fields": param_fields(form["detector"]),
        "channels": store.alerts.list_channels(access.workspace.id),
        "langs": LANGS,
        "zones": sorted(available_timezones()),
    }
    return render(request, "alerts_rule_form.html", context, status=status)


def _rule_form(rule: Rule) -> dict[str, Any]:
    return {
        "topic_id": str(rule.topic_id),
        "detector": rule.detector,
        "params": {k: form_value(v) for k, v in rule.params.items()},
        "quiet_hours": rule.quiet_hours or "",
        "timezone": rule.timezone,
        "lang": rule.lang,
        "channel_ids": [str(c) for c in rule.channel_ids],
    }


def _posted_rule(
    form: FormData,
    detector: str,
    topic_id: str,
    quiet_hours: str,
    timezone: str,
    lang: str,
    channel_ids: list[str] | None,
) -> tuple[RuleInput, dict[str, Any]]:
    """The posted rule, and the same values to show again after an error."""
    params = _prefixed(form, "params.")
    known = {f.name for f in param_fields(detector)}
    params = {k: v for k, v in params.items() if k in known}  # another detector's fields
    data = RuleInput(
        detector=detector,
        params=params,
        topic_id=topic_id,
        quiet_hours=quiet_hours,
        timezone=timezone,
        lang=lang,
        channel_ids=tuple(channel_ids or ()),
    )
    shown = {
        "topic_id": topic_id,
        "detector": detector,
        "params": params,
        "quiet_hours": quiet_hours,
        "timezone": timezone,
        "lang": lang,
        "channel_ids": list(channel_ids or ()),
    }
    return data, shown


def _detector_or_first(detector: str) -> str:
    known = detectors()
    return detector if detector in known else known[0]


@router.get("/w/{slug}/alerts/rules/params")
def rule_params(request: Request, access: Editor, detector: str = "") -> Response:
    """The parameter fields of a detector with its defaults (swapped in by HTMX)."""
    chosen = _detector_or_first(detector)
    context = {
        "fields": param_fields(chosen),
        "form": {"params": default_form_params(chosen)},
        "errors": {},
    }
    return render(request, "alerts_params.html", context)


@router.get("/w/{slug}/alerts/rules/new")
def rule_new(request: Request, access: Editor, store: StoreDep, detector: str = "") -> Response:
    """An empty rule form with the detector's defaults."""
    chosen = _detector_or_first(detector)
    topics = store.list_topics(access.workspace.id)
    form = {
        "topic_id": str(topics[0].id) if topics else "",
        "detector": chosen,
        "params": default_form_params(chosen),
        "quiet_hours": "",
        "timezone": "Europe/Berlin",
        "lang": current_locale() if current_locale() in LANGS else "de",
        "channel_ids": [],
    }
    return _rule_page(request, access, store, rule=None, form=form, errors={})


@router.post("/w/{slug}/alerts/rules/new")
def rule_create(
    request: Request,
    access: Editor,
    store: StoreDep,
    form: FormDep,
    topic_id: FormStr = "",
    detector: FormStr = "",
    quiet_hours: FormStr = "",
    timezone: FormStr = "Europe/Berlin",
    lang: FormStr = "de",
    channel_ids: FormList = None,
) -> Response:
    """Save a new rule; every wrong field is shown next to it, nothing typed is lost."""
    data, shown = _posted_rule(form, detector, topic_id, quiet_hours, timezone, lang, channel_ids)
    try:
        rule = create_rule(store, access.workspace, data)
    except FieldErrors as exc:
        return _rule_page(
            request, access, store, rule=None, form=shown, errors=exc.errors, status=422
        )
    names = {c.id: c.name for c in store.alerts.list_channels(access.workspace.id)}
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "alert_rule.create",
        f"{rule.topic}/{rule.detector}",
        rule_audit(rule, names),
    )
    return _to_list(access)


@router.get("/w/{slug}/alerts/rules/{rule_id}")
def rule_edit(request: Request, access: Editor, store: StoreDep, rule_id: int) -> Response:
    """The rule's form (its topic and detector stay; add a rule for others)."""
    rule = rule_by_id(store, access.workspace.id, rule_id)
    return _rule_page(request, access, store, rule=rule, form=_rule_form(rule), errors={})


@router.post("/w/{slug}/alerts/rules/{rule_id}")
def rule_update(
    request: Request,
    access: Editor,
    store: StoreDep,
    form: FormDep,
    rule_id: int,
    quiet_hours: FormStr = "",
    timezone: FormStr = "Europe/Berlin",
    lang: FormStr = "de",
    channel_ids: FormList = None,
) -> Response:
    """Save a rule's settings, parameters, quiet hours, language and channels."""
    rule = rule_by_id(store, access.workspace.id, rule_id)
    data, shown = _posted_rule(
        form, rule.detector, str(rule.topic_id), quiet_hours, timezone, lang, channel_ids
    )
    try:
        changed = change_rule(store, rule, data)
    except FieldErrors as exc:
        return _rule_page(
            request, access, store, rule=rule, form=shown, errors=exc.errors, status=422
        )
    names = {c.id: c.name for c in store.alerts.list_channels(access.workspace.id)}
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "alert_rule.update",
        f"{changed.topic}/{changed.detector}",
        rule_audit(changed, names),
    )
    return _to_list(access)


@router.post("/w/{slug}/alerts/rules/{rule_id}/enabled")
def rule_enable(access: Editor, store: StoreDep, rule_id: int, enabled: FormStr = "0") -> Response:
    """Switch a rule on or off (an off rule is not checked; its history stays)."""
    rule = rule_by_id(store, access.workspace.id, rule_id)
    on = enabled in ("1", "true", "on")
    store.alerts.set_rule_enabled(rule.id, on)
    action = "alert_rule.enable" if on else "alert_rule.disable"
    store.accounts.audit(
        access.workspace.id, access.user.id, action, f"{rule.topic}/{rule.detector}"
    )
    return _to_list(access)


@router.post("/w/{slug}/alerts/rules/{rule_id}/delete")
def rule_delete(access: Editor, store: StoreDep, rule_id: int) -> Response:
    """Remove a rule (its incidents go with it)."""
    rule = rule_by_id(store, access.workspace.id, rule_id)
    store.alerts.remove_rule(access.workspace.id, rule.topic_id, rule.detector)
    store.accounts.audit(
        access.workspace.id, access.user.id, "alert_rule.delete", f"{rule.topic}/{rule.detector}"
    )
    return _to_list(access)
