"""Publishing notifications: what needs a person, sent through the alert channels.

A workspace names the alert channels (e-mail, webhook, Slack, Matrix; docs/alerts.md)
that get its publishing events and their language (``resonanz scheduler notify``).
Every scheduler tick derives the events from what is stored, so none depends on the
process that caused it still running:

- ``needs_attention``: a delivery went to needs-attention (post, channel, the platform's
  message);
- ``failed``: a delivery failed after its retries;
- ``overdue``: a delivery was reported overdue by more than five minutes (with the
  sweeper's reason);
- ``disconnected``: a channel was disconnected (revoked token, refused refresh);
- ``expiring``: a channel's credentials end within 7 days (or its refresh is failing);
- ``approval_requested``, ``approved``, ``rejected``: a post was submitted for approval
  (or approved while more approvals are needed), approved, or rejected with a comment
  (``publishing.approval_mail``, which also e-mails the approvers and the submitter).

The first five are notified unless the workspace chose others; the approval events
only when chosen.

Each event has a stable key (the delivery or channel and the moment that identifies the
event); its messages are queued into the alerts' delivery queue once per channel (a
unique key per channel, ``store.publish_notify``), so a scheduler killed and restarted
queues nothing twice and, as the events are read back from the store, forgets none.
The queue's deliveries are sent with the alerts' retries (``alerts.engine.deliver``).
Texts never contain a channel's credentials: its stored secrets and anything that looks
like a token are replaced by ``[hidden]``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pluggy

from resonanz import secrets as secret_box
from resonanz.alerts.engine import DeliveryReport, deliver, message_to_json
from resonanz.alerts.message import AlertMessage
from resonanz.config import Settings
from resonanz.errors import ResonanzError, ValidationError
from resonanz.models import Workspace
from resonanz.publishing import states as st
from resonanz.publishing.models import Delivery, PublishChannel
from resonanz.publishing.oauth_tokens import WARN_DAYS, Expiry, expiring
from resonanz.publishing.sweeper import LATE_BY, reason
from resonanz.store import Store
from resonanz.store.approval_mails import approval_mail_store
from resonanz.store.publish_notify import NotifySettings, NotifyStore, notify_store
from resonanz.store.publishing import PublishingStore, publishing_store

if TYPE_CHECKING:
    from resonanz.publishing.approval_mail import ApprovalMailer, MailReport

log = logging.getLogger(__name__)
LANGS = ("de", "en")
LOOKBACK = timedelta(days=2)  # events older than this are not looked for again
DEFAULT_EVENTS = ("needs_attention", "failed", "overdue", "disconnected", "expiring")
APPROVAL_EVENTS = ("approval_requested", "approved", "rejected")
EVENTS = DEFAULT_EVENTS + APPROVAL_EVENTS
_HIDDEN = "[hidden]"
_TOKENISH = re.compile(
    r"(?i)((?:access_token|refresh_token|client_secret|token|code)=)[^&\s\"']+"
    r"|(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"
)

_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "topic": "Veröffentlichen",
        "needs_attention": "Beitrag {post} an {channel} braucht Aufmerksamkeit",
        "failed": "Beitrag {post} an {channel} ist nach {attempts} Versuchen gescheitert",
        "overdue": "Beitrag {post} an {channel} ist {minutes} Min. überfällig",
        "disconnected": "Kanal {channel} ({kind}) ist getrennt",
        "expiring": "Zugangsdaten von Kanal {channel} ({kind}) enden am {date}",
        "expired": "Zugangsdaten von Kanal {channel} ({kind}) sind abgelaufen",
        "platform": "{kind} meldet: {error}",
        "reason": "Grund: {reason}",
        "text": "Text: {text}",
        "retry": "Danach erneut senden: resonanz post publish-now {post}",
        "reconnect": "Neu verbinden: resonanz channels connect {kind} {channel} "
        "(oder channels reconnect {channel})",
        "due": "Fällig: {due}",
    },
    "en": {
        "topic": "Publishing",
        "needs_attention": "Post {post} to {channel} needs attention",
        "failed": "Post {post} to {channel} failed after {attempts} attempts",
        "overdue": "Post {post} to {channel} is {minutes} min overdue",
        "disconnected": "Channel {channel} ({kind}) is disconnected",
        "expiring": "The credentials of channel {channel} ({kind}) end on {date}",
        "expired": "The credentials of channel {channel} ({kind}) have expired",
        "platform": "{kind} said: {error}",
        "reason": "Reason: {reason}",
        "text": "Text: {text}",
        "retry": "Then send it again: resonanz post publish-now {post}",
        "reconnect": "Connect it again: resonanz channels connect {kind} {channel} "
        "(or channels reconnect {channel})",
        "due": "Due: {due}",
    },
}


@dataclass(frozen=True)
class Event:
    """One publishing event for one workspace, in its language."""

    key: str
    kind: str  # one of EVENTS
    title: str
    explanation: str
    at: datetime  # when it happened (UTC)
    channel: PublishChannel | None = None


@dataclass
class NotifyReport:
    """What one notification round did."""

    queued: list[str] = field(default_factory=list)  # event keys newly queued
    sent: DeliveryReport = field(default_factory=DeliveryReport)
    mails: MailReport | None = None  # the approval e-mails' round


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S")


def _when(moment: datetime, lang: str) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%d.%m.%Y %H:%M UTC" if lang == "de" else "%Y-%m-%d %H:%M UTC")


def excerpt(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def hide_secrets(text: str, secret_values: Iterable[str]) -> str:
    """``text`` with each secret value (8+ characters) and anything that looks like a
    token (``access_token=…``, ``Bearer …``) replaced by ``[hidden]``."""
    for value in sorted({v for v in secret_values if len(v) >= 8}, key=len, reverse=True):
        text = text.replace(value, _HIDDEN)
    return _TOKENISH.sub(lambda m: (m.group(1) or m.group(2)) + _HIDDEN, text)


def app_url(settings: Settings) -> str:
    """The base URL for links in messages: ``base_url``, else the web server's address."""
    return settings.base_url.rstrip("/") or f"http://{settings.web_host}:{settings.web_port}"


def chosen(config: NotifySettings) -> tuple[str, ...]:
    """The events the workspace chose (DEFAULT_EVENTS when it never chose)."""
    return DEFAULT_EVENTS if config.events is None else config.events


class PublishingNotifier:
    """Finds publishing events, queues their messages, sends what is due; called by
    the scheduler once per tick."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        classes: Mapping[str, type],
        *,
        pm: pluggy.PluginManager | None = None,
        warn_days: float = WARN_DAYS,
    ) -> None:
        self.store = store
        self.settings = settings
        self.classes = classes
        self.pm = pm
        self.warn_days = warn_days
        self.pub: PublishingStore = publishing_store(store)
        self.notify: NotifyStore = notify_store(store)
        self._mailer: ApprovalMailer | None = None

    def tick(self, now: datetime | None = None) -> NotifyReport:
        """Queue every new event of every workspace that wants them, then send what is
        due in the queue. Errors are logged, never raised (publishing goes on)."""
        from resonanz.publishing.approval_mail import ApprovalMailer  # it imports this module

        now = now or datetime.now(UTC)
        report = NotifyReport()
        if self._mailer is None:
            self._mailer = ApprovalMailer(self.store, self.settings)
        report.mails = self._mailer.tick(now)
        try:
            wanted = self.notify.all()
            if wanted:
                workspaces = {w.id: w for w in self.store.list_workspaces()}
                overdue = self.pub.overdue(now=now, late_by=LATE_BY)
                channels = self.pub.all_channels()
                for config in wanted:
                    workspace = workspaces.get(config.workspace_id)
                    if workspace is not None:
                        report.queued += self._queue(config, workspace, channels, overdue, now)
            report.sent = deliver(self.store, self.settings, now=now, pm=self.pm, events_only=True)
        except Exception as exc:  # a notification problem must not stop publishing
            log.warning("publishing notifications: %s", exc)
        return report

    def _queue(
        self,
        config: NotifySettings,
        workspace: Workspace,
        channels: list[PublishChannel],
        overdue: list[Delivery],
        now: datetime,
    ) -> list[str]:
        mine = [c for c in channels if c.workspace_id == workspace.id]
        events = self.events(
            config, mine, [d for d in overdue if d.workspace_id == workspace.id], now
        )
        if not events:
            return []
        done = self.notify.queued(config.channel_ids, [e.key for e in events])
        fresh = [e for e in events if e.key not in done]
        if not fresh:
            return []
        messages = {e.key: message_to_json(self._message(e, workspace, config.lang)) for e in fresh}
        self.notify.queue(config.channel_ids, messages, at=now)
        for event in fresh:
            log.info("publishing notification queued: %s", event.key)
        return [e.key for e in fresh]

    def events(
        self,
        config: NotifySettings,
        channels: list[PublishChannel],
        overdue: list[Delivery],
        now: datetime,
    ) -> list[Event]:
        """The workspace's events since its settings were saved (and at most LOOKBACK)."""
        start = max(config.since, now - LOOKBACK)
        words = _TEXTS[config.lang if config.lang in LANGS else "en"]
        by_id = {c.id: c for c in channels}
        found: list[Event] = []
        # A failure that disconnected its channel (401) is one event, not two: the
        # delivery's message says the channel is disconnected.
        covered: set[tuple[int | None, datetime | None]] = set()
        for d in self.notify.failures(config.workspace_id, start):
            found.append(self._failure(d, words, by_id.get(d.channel_id or -1), config.lang))
            covered.add((d.channel_id, d.last_error_at))
        for d in overdue:
            if d.overdue_reported_at is not None and d.overdue_reported_at >= start:
                found.append(self._overdue(d, words, by_id.get(d.channel_id or -1), now))
        for ch in channels:
            if ch.status == "connected" or not ch.last_error_at or ch.last_error_at < start:
                continue
            if (ch.id, ch.last_error_at) not in covered:
                found.append(self._disconnected(ch, words))
        for item in expiring(channels, self.classes, now=now, warn_days=self.warn_days):
            found.append(self._expiring(item, words, now, config.lang))
        if set(APPROVAL_EVENTS) & set(chosen(config)):
            found += self._approvals(config, start)
        return [e for e in found if e.kind in chosen(config)]

    def _approvals(self, config: NotifySettings, start: datetime) -> list[Event]:
        from resonanz.publishing.approval_mail import describe, steps  # it imports this module

        decisions = [
            (ws, d)
            for ws, d in approval_mail_store(self.store).decisions_since(start)
            if ws == config.workspace_id
        ]
        if not decisions:
            return []
        workspaces = {w.id: w for w in self.store.list_workspaces()}
        found = []
        for step in steps(self.store, self.pub, decisions, workspaces):
            title, lines = describe(step, config.lang, self.settings)
            found.append(
                Event(
                    key=f"publishing-approval-{step.decision.id}-{step.kind}",
                    kind=step.kind,
                    title=title,
                    explanation="\n".join(lines),
                    at=step.decision.created_at,
                )
            )
        return found

    def _post_line(self, d: Delivery, words: Mapping[str, str]) -> str:
        try:
            post = self.pub.get_post(d.workspace_id, d.post_id)
        except ResonanzError:
            return ""
        return words["text"].format(text=excerpt(post.text_for(d.channel_id)))

    def _failure(
        self, d: Delivery, words: Mapping[str, str], ch: PublishChannel | None, lang: str
    ) -> Event:
        at = d.last_error_at or d.updated_at
        kind = "failed" if d.state == st.FAILED else "needs_attention"
        title = words[kind].format(post=d.post_id, channel=d.channel_name, attempts=d.attempts)
        lines = [
            words["platform"].format(kind=d.channel_kind, error=d.last_error or "?"),
            self._post_line(d, words),
            words["retry"].format(post=d.post_id),
        ]
        if d.due_at is not None:
            lines.insert(1, words["due"].format(due=_when(d.due_at, lang)))
        if ch is not None and ch.status != "connected":
            lines.insert(-1, words["disconnected"].format(channel=ch.name, kind=ch.kind))
            lines.insert(-1, words["reconnect"].format(kind=ch.kind, channel=ch.name))
        return Event(
            key=f"publishing-delivery-{d.id}-{kind}-{_stamp(at)}",
            kind=kind,
            title=title,
            explanation="\n".join(line for line in lines if line),
            at=at,
            channel=ch,
        )

    def _overdue(
        self, d: Delivery, words: Mapping[str, str], ch: PublishChannel | None, now: datetime
    ) -> Event:
        due = d.due_at or now
        minutes = max(0, round((now - due).total_seconds() / 60))
        lines = [words["reason"].format(reason=reason(self.pub, d, now)), self._post_line(d, words)]
        return Event(
            key=f"publishing-overdue-{d.id}-{_stamp(due)}",
            kind="overdue",
            title=words["overdue"].format(post=d.post_id, channel=d.channel_name, minutes=minutes),
            explanation="\n".join(line for line in lines if line),
            at=d.overdue_reported_at or now,
            channel=ch,
        )

    def _disconnected(self, ch: PublishChannel, words: Mapping[str, str]) -> Event:
        # The last success before the disconnection names this episode: a channel
        # connected again and disconnected later is a new event, a second error is not.
        episode = ch.last_success_at or ch.created_at
        lines = [
            words["platform"].format(kind=ch.kind, error=ch.last_error or "?"),
            words["reconnect"].format(kind=ch.kind, channel=ch.name),
        ]
        return Event(
            key=f"publishing-disconnected-{ch.id}-{_stamp(episode)}",
            kind="disconnected",
            title=words["disconnected"].format(channel=ch.name, kind=ch.kind),
            explanation="\n".join(lines),
            at=ch.last_error_at or episode,
            channel=ch,
        )

    def _expiring(self, item: Expiry, words: Mapping[str, str], now: datetime, lang: str) -> Event:
        ch = item.channel
        end = item.ends_at or now
        if end <= now:
            title = words["expired"].format(channel=ch.name, kind=ch.kind)
        else:
            title = words["expiring"].format(channel=ch.name, kind=ch.kind, date=_when(end, lang))
        lines = [item.reason, words["reconnect"].format(kind=ch.kind, channel=ch.name)]
        return Event(
            key=f"publishing-expiring-{ch.id}-{_stamp(end)}",
            kind="expiring",
            title=title,
            explanation="\n".join(lines),
            at=now,
            channel=ch,
        )

    def _secret_values(self, ch: PublishChannel | None) -> list[str]:
        if ch is None:
            return []
        sealed = self.pub.channel_secrets(ch.id)
        if not sealed:
            return []
        try:
            values: Any = json.loads(secret_box.decrypt(self.settings, sealed))
        except (ResonanzError, ValueError):
            return []
        return [str(v) for v in values.values()] if isinstance(values, dict) else []

    def _message(self, event: Event, workspace: Workspace, lang: str) -> AlertMessage:
        hidden = self._secret_values(event.channel)
        words = _TEXTS[lang if lang in LANGS else "en"]
        return AlertMessage(
            incident_id=0,
            sequence=0,
            workspace=workspace.name,
            topic=words["topic"],
            kind=f"publishing_{event.kind}",
            status="opened",
            title=hide_secrets(event.title, hidden),
            explanation=hide_secrets(event.explanation, hidden),
            started_at=event.at,
            observed_at=event.at,
            lang=lang,
            url=self._url(workspace),
            event_key=event.key,
        )

    def _url(self, workspace: Workspace) -> str:
        return f"{app_url(self.settings)}/w/{workspace.slug}/posts"


def configure(
    store: Store,
    workspace_id: int,
    channels: Iterable[str],
    *,
    lang: str,
    events: Iterable[str] | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> NotifySettings:
    """Send the workspace's publishing events (``events``, None: DEFAULT_EVENTS) to these
    alert channels (by name), in ``lang``; events from now on. An empty list of channels
    stops the notifications."""
    if lang not in LANGS:
        raise ValidationError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    kinds = None if events is None else tuple(dict.fromkeys(e.strip() for e in events))
    unknown = [e for e in kinds or () if e not in EVENTS]
    if unknown:
        raise ValidationError(
            f"no publishing event named {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(EVENTS)})"
        )
    names = list(dict.fromkeys(n.strip() for n in channels if n.strip()))
    known = {c.name: c.id for c in store.alerts.list_channels(workspace_id)}
    missing = [name for name in names if name not in known]
    if missing:
        raise ValidationError(
            f"no alert channel named {', '.join(map(repr, missing))} "
            "(add one with `resonanz alerts channel add`)"
        )
    ids = [known[name] for name in names]
    saved = notify_store(store).put(
        workspace_id, ids, lang=lang, events=kinds, at=now or datetime.now(UTC)
    )
    store.accounts.audit(
        workspace_id,
        user_id,
        "publishing.notifications",
        "publishing",
        {"channels": names, "lang": lang, "events": list(chosen(saved))},
    )
    return saved


def channel_names(store: Store, config: NotifySettings) -> list[str]:
    """The names of the alert channels in ``config``."""
    return [store.alerts.get_channel_by_id(i).name for i in config.channel_ids]
