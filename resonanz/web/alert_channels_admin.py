"""Alert channels for the web layer (pages and API): the kinds and their fields, adding a
channel through the same code as ``resonanz alerts channel add`` (checked at once, secrets
encrypted), a test message, masking. Errors name their field (``name``, ``kind``,
``config.<field>``) in the request's language; secret values are never shown back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from resonanz.alerts.channels import add_channel, send_test
from resonanz.alerts.notifiers import FieldSpec, make_notifier, notifier_kinds
from resonanz.alerts.rules import Channel
from resonanz.config import Settings
from resonanz.errors import ConflictError, NotFoundError, ResonanzError, ValidationError
from resonanz.models import Workspace
from resonanz.store import Store
from resonanz.web.alert_rules_admin import FieldErrors
from resonanz.web.i18n import gettext as _

MASK = "********"


def channel_by_id(store: Store, workspace_id: int, channel_id: int) -> Channel:
    """The workspace's channel with this id; NotFoundError for any other id."""
    channel = store.alerts.get_channel_by_id(channel_id)
    if channel.workspace_id != workspace_id:
        raise NotFoundError(f"alert channel {channel_id} does not exist in this workspace")
    return channel


@dataclass(frozen=True)
class KindField:
    """A notifier's config field as a form shows it."""

    name: str
    help: str
    required: bool
    secret: bool


def _field_help(kind: str, spec: FieldSpec) -> str:
    helps = {
        ("email", "url"): _(
            "The SMTP server: smtp://user@host:587 (STARTTLS) or smtps://user@host:465 (TLS)."
        ),
        ("email", "password"): _("The SMTP password of the user in the server address."),
        ("email", "to"): _("Recipients, comma-separated."),
        ("email", "from"): _("Sender address (default: the server's mail_from setting)."),
        ("webhook", "url"): _("The receiver's address, https:// (or http:// in your network)."),
        ("webhook", "secret"): _("Shared secret for the signature, at least 16 characters."),
        ("slack", "url"): _(
            "The incoming webhook address (Slack, Mattermost, Rocket.Chat); it is the credential."
        ),
        ("matrix", "homeserver"): _("The homeserver's address, e.g. https://matrix.example.org."),
        ("matrix", "room_id"): _(
            "The room's id (!abc:example.org) or alias (#alerts:example.org)."
        ),
        ("matrix", "access_token"): _("The bot user's access token."),
    }
    if spec.name == "timeout":
        return _("Seconds one delivery may take (default 15).")
    return helps.get((kind, spec.name), spec.help)


def channel_kinds() -> dict[str, list[KindField]]:
    """Every notifier kind (plugins included) with its fields, sorted by kind."""
    return {
        kind: [
            KindField(spec.name, _field_help(kind, spec), spec.required, spec.secret)
            for spec in cls.fields
        ]
        for kind, cls in sorted(notifier_kinds().items())
    }


_FIELD_PROBLEM = re.compile(r"^\w+: '(?P<field>[^']+)' (?P<problem>.*)$", re.DOTALL)


def _config_error(kind: str, fields: list[KindField], exc: ValidationError) -> FieldErrors:
    """A notifier's check error next to the field it names."""
    message = str(exc)
    match = _FIELD_PROBLEM.match(message)
    names = {f.name for f in fields}
    if match is None or match["field"] not in names:
        return FieldErrors({"kind": _("Not usable: %(reason)s") % {"reason": message}})
    problem = match["problem"]
    if "allow_private_targets" in problem:
        text = _(
            "This address is in a private or local network; this server does not send"
            " there (setting allow_private_targets)."
        )
    elif problem.startswith("is required"):
        text = _("Please fill in this field.")
    else:
        text = _("Not usable: %(reason)s") % {"reason": problem}
    return FieldErrors({f"config.{match['field']}": text})


def create_channel(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    name: str,
    kind: str,
    values: Mapping[str, object],
) -> Channel:
    """Check and add a channel as ``resonanz alerts channel add`` does; FieldErrors."""
    kinds = channel_kinds()
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Please enter a name.")
    fields = kinds.get(kind)
    if fields is None:
        errors["kind"] = _("Unknown kind of channel.")
        raise FieldErrors(errors)
    config: dict[str, str] = {}
    for key, raw in values.items():
        if key not in {f.name for f in fields}:
            errors[f"config.{key}"] = _("This kind of channel has no such setting.")
        elif raw is not None and str(raw) != "":
            config[key] = str(raw)
    for spec in fields:
        if spec.required and not config.get(spec.name, "").strip():
            errors[f"config.{spec.name}"] = _("Please fill in this field.")
    if not errors or set(errors) == {"name"}:
        try:  # the notifier's own checks, also when only the name is missing
            make_notifier(kind, config, settings)
        except ValidationError as exc:
            errors.update(_config_error(kind, fields, exc).errors)
    if errors:
        raise FieldErrors(errors)
    try:
        return add_channel(store, settings, workspace, name, kind, config)
    except ConflictError:
        raise FieldErrors({"name": _("A channel with this name exists already.")}) from None
    except ValidationError as exc:
        raise _config_error(kind, fields, exc) from None


def send_channel_test(
    store: Store, settings: Settings, workspace: Workspace, channel: Channel, lang: str
) -> str:
    """Send a test message in ``lang``; the error's text when it failed (the channel's
    last error is recorded either way), "" when it was sent."""
    try:
        send_test(store, settings, workspace, channel.name, lang)
    except ResonanzError as exc:  # a delivery, a stored config or its key: show which
        return str(exc)
    return ""


def masked_channel_config(channel: Channel) -> dict[str, str]:
    """The channel's visible config, and its secret fields (set when it has secrets) as a
    mask; every built-in kind has one secret field at most."""
    cls = notifier_kinds().get(channel.kind)
    shown = dict(channel.config)
    if channel.has_secrets and cls is not None:
        for spec in cls.fields:
            if spec.secret and spec.name not in shown:
                shown[spec.name] = MASK
    return shown


def channel_audit(channel: Channel) -> dict[str, object]:
    """What the audit log keeps of a channel: its kind and the names of its settings."""
    return {"kind": channel.kind, "settings": sorted(masked_channel_config(channel))}
