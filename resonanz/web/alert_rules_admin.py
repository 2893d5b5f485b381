"""Alert rules for the web layer (pages and API): each input checked with a message in the
request's language naming its field, then saved through the same code as ``resonanz alerts
rules add`` (resonanz.alerts.channels.add_rule, which checks everything once more).

The detectors and their parameters are read from ``resonanz.alerts.rules`` (DETECTORS,
DEFAULT_PARAMS) when used: a detector added there gets its form fields from its defaults'
types, with no change here (``detectors()``, ``param_fields()``).
Field names: ``topic_id``, ``detector``, ``params.<name>``, ``quiet_hours``, ``timezone``,
``lang``, ``channel_ids``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from resonanz.alerts import rules as alert_rules
from resonanz.alerts.channels import LANGS, add_rule
from resonanz.alerts.rules import Rule, check_params, check_quiet_hours, check_timezone
from resonanz.analytics.spikes import SENSITIVITY
from resonanz.errors import ConflictError, NotFoundError, ValidationError
from resonanz.models import Topic, Workspace
from resonanz.store import Store
from resonanz.web.i18n import current_locale
from resonanz.web.i18n import gettext as _


class FieldErrors(ValidationError):
    """Input errors by field name (messages in the request's language)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def rule_by_id(store: Store, workspace_id: int, rule_id: int) -> Rule:
    """The workspace's rule with this id; NotFoundError for any other id."""
    rule = store.alerts.get_rule_by_id(rule_id)
    if rule.workspace_id != workspace_id:
        raise NotFoundError(f"alert rule {rule_id} does not exist in this workspace")
    return rule


# -- the form fields of a detector's parameters, from DEFAULT_PARAMS


@dataclass(frozen=True)
class ParamField:
    """One parameter of a detector: how to ask for it and how to read it back."""

    name: str
    kind: str  # int | float | bool | choice | text
    default: Any
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)


def detectors() -> tuple[str, ...]:
    """The detectors a rule may use."""
    return tuple(alert_rules.DETECTORS)


def detector_label(detector: str) -> str:
    """A detector's name for people (its id where no label is known)."""
    labels = {
        "volume_spike": _("Volume spike"),
        "negative_surge": _("Negative-sentiment surge"),
        "new_author": _("New high-reach author"),
        "emerging_terms": _("Emerging terms"),
        "cluster_growth": _("Growing cluster"),
    }
    return labels.get(detector, detector)


def _param_label(name: str) -> str:
    labels = {
        "sensitivity": _("Sensitivity"),
        "min_mentions": _("Fewest mentions in a window"),
        "min_ratio": _("At least this many times the usual"),
        "min_negative": _("Fewest negative mentions"),
        "window_minutes": _("Window in minutes"),
        "min_followers": _("Fewest followers"),
        "min_count": _("Fewest mentions with the term"),
        "baseline_days": _("Days the baseline covers"),
        "min_new": _("Fewest new mentions"),
    }
    return labels.get(name, name)


def param_fields(detector: str) -> list[ParamField]:
    """The detector's parameters as form fields (empty for an unknown detector)."""
    fields = []
    for name, default in alert_rules.DEFAULT_PARAMS.get(detector, {}).items():
        choices: tuple[tuple[str, str], ...] = ()
        if isinstance(default, bool):
            kind = "bool"
            choices = (("true", _("yes")), ("false", _("no")))
        elif isinstance(default, int):
            kind = "int"
        elif isinstance(default, float):
            kind = "float"
        elif name == "sensitivity":
            kind = "choice"
            levels = {"low": _("low"), "normal": _("normal"), "high": _("high")}
            choices = tuple((level, levels.get(level, level)) for level in SENSITIVITY)
        else:
            kind = "text"
        fields.append(ParamField(name, kind, default, _param_label(name), choices))
    return fields


def default_form_params(detector: str) -> dict[str, str]:
    """The detector's defaults as form values."""
    return {f.name: form_value(f.default) for f in param_fields(detector)}


def form_value(value: Any) -> str:
    """A parameter value as a form field shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_param(spec: ParamField, raw: object) -> object:
    """One parameter from a form string or a JSON value; ValueError with the message."""
    text = (raw if isinstance(raw, str) else form_value(raw)).strip()
    if spec.kind == "int":
        if isinstance(raw, bool) or not re.fullmatch(r"[+-]?\d[\d_]*", text):
            raise ValueError(_("Please enter a whole number."))
        return int(text)
    if spec.kind == "float":
        if isinstance(raw, bool):
            raise ValueError(_("Please enter a number."))
        try:
            return float(text.replace(",", ".") if "." not in text else text)
        except ValueError:
            raise ValueError(_("Please enter a number.")) from None
    if spec.kind in ("bool", "choice"):
        allowed = [value for value, _label in spec.choices]
        if text not in allowed:
            raise ValueError(
                _("Please choose one of: %(choices)s") % {"choices": ", ".join(allowed)}
            )
        return text == "true" if spec.kind == "bool" else text
    return text


def parse_params(detector: str, raw: Mapping[str, object]) -> dict[str, object]:
    """The parameters given (empty or None: the default); FieldErrors naming each bad one."""
    specs = {f.name: f for f in param_fields(detector)}
    params: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            errors[f"params.{name}"] = _("This detector has no such setting.")
        elif value is None or (isinstance(value, str) and not value.strip()):
            continue
        else:
            try:
                params[name] = _parse_param(spec, value)
            except ValueError as exc:
                errors[f"params.{name}"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return params


# check_params' English messages, as (pattern, translated message) for the field they name.
_RANGE = re.compile(r"^(?P<field>\w+) must be between (?P<low>[\d,.]+) and (?P<high>[\d,.]+)$")
_ABOVE = re.compile(
    r"^(?P<field>\w+) must be above (?P<low>[\d,.]+) \(.*\) and at most (?P<high>[\d,.]+)$"
)


def _local_numbers(match: re.Match[str]) -> dict[str, str]:
    """The bounds of a range message written the German way (1.000.000) in German."""
    bounds = {"low": match["low"], "high": match["high"]}
    if current_locale() != "de":
        return bounds
    table = str.maketrans({",": ".", ".": ","})
    return {k: v.translate(table) for k, v in bounds.items()}


def _param_error(detector: str, exc: ValidationError) -> FieldErrors:
    """check_params' error as the message next to the field it names."""
    message = str(exc)
    if match := _RANGE.match(message):
        text = _("Must be between %(low)s and %(high)s.") % _local_numbers(match)
    elif match := _ABOVE.match(message):
        text = _("Must be more than %(low)s and at most %(high)s.") % _local_numbers(match)
    else:
        text = _("Not possible: %(reason)s") % {"reason": message}
    name = message.split(" ", 1)[0]
    key = f"params.{name}" if name in alert_rules.DEFAULT_PARAMS.get(detector, {}) else "detector"
    return FieldErrors({key: text})


# -- a whole rule


@dataclass(frozen=True)
class RuleInput:
    """A rule as typed in a form or sent to the API (values not yet checked)."""

    detector: str
    params: Mapping[str, object]
    topic_id: object = None  # unused when a rule is changed (its topic stays)
    quiet_hours: str = ""
    timezone: str = "Europe/Berlin"
    lang: str = "de"
    channel_ids: Sequence[object] = field(default_factory=tuple)


@dataclass(frozen=True)
class CheckedRule:
    topic: Topic | None
    detector: str
    params: dict[str, Any]
    quiet_hours: str | None
    timezone: str
    lang: str
    channel_ids: list[int]
    channel_names: list[str]


def _as_id(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def check_rule(
    store: Store, workspace_id: int, data: RuleInput, *, with_topic: bool = True
) -> CheckedRule:
    """Every field of ``data`` checked at once; FieldErrors with all that are wrong."""
    errors: dict[str, str] = {}
    topic: Topic | None = None
    if with_topic:
        wanted = _as_id(data.topic_id)
        topic = next((t for t in store.list_topics(workspace_id) if t.id == wanted), None)
        if topic is None:
            errors["topic_id"] = _("Please choose a topic of this workspace.")
    params: dict[str, Any] = {}
    if data.detector not in alert_rules.DETECTORS:
        errors["detector"] = _("Please choose a detector.")
    else:
        try:
            params = check_params(data.detector, parse_params(data.detector, data.params))
        except FieldErrors as exc:
            errors.update(exc.errors)
        except ValidationError as exc:
            errors.update(_param_error(data.detector, exc).errors)
    try:
        quiet = check_quiet_hours(data.quiet_hours.strip())
    except ValidationError:
        quiet = None
        errors["quiet_hours"] = _(
            "Please use the form 22:00-07:00 (start and end differ), or leave it empty."
        )
    try:
        zone = check_timezone(data.timezone.strip())
    except ValidationError:
        zone = ""
        errors["timezone"] = _("Unknown time zone: use a name like Europe/Berlin.")
    if data.lang not in LANGS:
        errors["lang"] = _("Please choose de or en.")
    channels = {c.id: c.name for c in store.alerts.list_channels(workspace_id)}
    ids = [_as_id(c) for c in data.channel_ids]
    if not ids:
        errors["channel_ids"] = _("Please choose at least one channel.")
    elif any(i not in channels for i in ids):
        errors["channel_ids"] = _("This channel does not exist in this workspace.")
    if errors:
        raise FieldErrors(errors)
    chosen = [i for i in dict.fromkeys(ids) if i is not None]
    return CheckedRule(
        topic,
        data.detector,
        params,
        quiet,
        zone,
        data.lang,
        chosen,
        [channels[i] for i in chosen],
    )


def create_rule(store: Store, workspace: Workspace, data: RuleInput) -> Rule:
    """Check and add a rule as ``resonanz alerts rules add`` does."""
    checked = check_rule(store, workspace.id, data)
    assert checked.topic is not None
    try:
        return add_rule(
            store,
            workspace,
            checked.topic.name,
            checked.detector,
            checked.params,
            channels=checked.channel_names,
            quiet_hours=checked.quiet_hours,
            timezone=checked.timezone,
            lang=checked.lang,
        )
    except ConflictError:
        raise FieldErrors(
            {"detector": _("This topic already has a rule with this detector.")}
        ) from None


def change_rule(store: Store, rule: Rule, data: RuleInput) -> Rule:
    """Check and save a rule's new settings (its topic and detector stay)."""
    same = replace(data, detector=rule.detector)
    checked = check_rule(store, rule.workspace_id, same, with_topic=False)
    return store.alerts.update_rule(
        rule.id,
        params=checked.params,
        quiet_hours=checked.quiet_hours,
        timezone=checked.timezone,
        lang=checked.lang,
        channel_ids=checked.channel_ids,
    )


def rule_audit(rule: Rule, channel_names: Mapping[int, str]) -> dict[str, Any]:
    """What the audit log keeps of a rule (no secrets in a rule)."""
    return {
        "detector": rule.detector,
        "params": rule.params,
        "quiet_hours": rule.quiet_hours,
        "timezone": rule.timezone,
        "lang": rule.lang,
        "channels": [channel_names.get(c, str(c)) for c in rule.channel_ids],
    }
