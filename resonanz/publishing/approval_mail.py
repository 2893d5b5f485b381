"""E-mails about approvals: approvers are told that a post waits for them, the submitter
that it was approved or rejected.

Each approval step is a row of ``post_approvals`` (``publishing.approval``); every
scheduler tick reads the steps of the last two days back from the store and turns each
into one e-mail per recipient, queued in ``approval_mails`` under the pair (step,
recipient), which is unique. A scheduler killed and restarted queues none twice and, as
the steps are read from the store, forgets none; a submit or a decision never waits for
a mail server. The queued e-mails are sent over the app's SMTP setup (``smtp_url``,
``web.mail``); a refused or unreachable server is logged and retried with the alerts'
backoff (30 s doubling to 1 h, 8 attempts), never raised to anyone.

Who gets what:

- ``approval_requested`` (a submit, and each approval while more are needed): the
  members who may approve (approver flag, admins, owners) and have not approved in this
  round, except the submitter, who is told only when nobody else may approve. Not sent
  when the post no longer waits in that round by the time the step is read, or when a
  later step of the round supersedes it.
- ``approved`` (the last step): the submitter, unless they gave it themselves.
- ``rejected``: the submitter with the comment, unless they rejected it themselves.

A member's e-mails are in their language (the user's setting, else ``default_locale``):
the post's text (an excerpt, never a channel's credentials), its channels, when it is
scheduled (in the post's time zone) and a link to the approvals page or the post.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from resonanz.accounts import User
from resonanz.alerts.engine import CLAIM, after_failure
from resonanz.config import Settings
from resonanz.errors import ResonanzError
from resonanz.models import Workspace
from resonanz.publishing.approval import may_approve
from resonanz.publishing.models import ApprovalDecision, Post
from resonanz.publishing.notify import LANGS, LOOKBACK, app_url, excerpt
from resonanz.store import Store
from resonanz.store.approval_mails import ApprovalMailStore, QueuedMail, approval_mail_store
from resonanz.store.publishing import PublishingStore, publishing_store

log = logging.getLogger(__name__)
KINDS = ("approval_requested", "approved", "rejected")

_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "approval_requested": "Freigabe erbeten: Beitrag {post} ({workspace})",
        "approved": "Freigegeben: Beitrag {post} ({workspace})",
        "rejected": "Zurückgewiesen: Beitrag {post} ({workspace})",
        "submitted": "{actor} bittet um Freigabe von Beitrag {post}.",
        "step": "{actor} hat Beitrag {post} freigegeben; es fehlen noch {needed} Freigabe(n).",
        "done": "{actor} hat Beitrag {post} freigegeben; er wird wie geplant veröffentlicht.",
        "said": "{actor} hat Beitrag {post} zurückgewiesen.",
        "comment": "Kommentar: {comment}",
        "text": "Text: {text}",
        "channels": "Kanäle: {channels}",
        "when": "Geplant: {when}",
        "unscheduled": "Geplant: noch nicht",
        "review": "Freigeben oder zurückweisen: {link}",
        "open": "Beitrag ansehen: {link}",
        "edit": "Überarbeiten und erneut einreichen: {link}",
        "someone": "Jemand",
    },
    "en": {
        "approval_requested": "Approval requested: post {post} ({workspace})",
        "approved": "Approved: post {post} ({workspace})",
        "rejected": "Rejected: post {post} ({workspace})",
        "submitted": "{actor} asks for approval of post {post}.",
        "step": "{actor} approved post {post}; {needed} more approval(s) needed.",
        "done": "{actor} approved post {post}; it will be published as planned.",
        "said": "{actor} rejected post {post}.",
        "comment": "Comment: {comment}",
        "text": "Text: {text}",
        "channels": "Channels: {channels}",
        "when": "Scheduled: {when}",
        "unscheduled": "Scheduled: not yet",
        "review": "Approve or reject: {link}",
        "open": "Open the post: {link}",
        "edit": "Edit and submit it again: {link}",
        "someone": "Someone",
    },
}


@dataclass(frozen=True)
class Step:
    """One approval decision, what it means, and who is told."""

    workspace: Workspace
    decision: ApprovalDecision
    post: Post
    kind: str  # one of KINDS
    recipients: tuple[User, ...]
    actor: str  # who submitted or decided (name or e-mail)
    needed: int  # approvals still needed (approval_requested)
    channels: tuple[str, ...]


@dataclass
class MailReport:
    """What one round of approval e-mails did."""

    queued: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _lang(user: User | None, settings: Settings) -> str:
    if user is not None and user.locale in LANGS:
        return str(user.locale)
    return settings.default_locale if settings.default_locale in LANGS else "en"


def _local(post: Post, lang: str) -> str:
    if post.scheduled_at is None:
        return ""
    try:
        zone = ZoneInfo(post.timezone)
    except (ValueError, KeyError):
        zone, name = ZoneInfo("UTC"), "UTC"
    else:
        name = post.timezone
    moment = post.scheduled_at.astimezone(zone)
    return moment.strftime("%d.%m.%Y %H:%M" if lang == "de" else "%Y-%m-%d %H:%M") + f" {name}"


def describe(step: Step, lang: str, settings: Settings) -> tuple[str, list[str]]:
    """The step's title and lines in ``lang`` (for e-mails and alert channels alike)."""
    words = _TEXTS[lang if lang in LANGS else "en"]
    post, ws = step.post, step.workspace
    fill = {"post": post.id, "workspace": ws.name, "actor": step.actor, "needed": step.needed}
    base = f"{app_url(settings)}/w/{ws.slug}"
    if step.kind == "approval_requested":
        first = words["submitted" if step.decision.decision == "submitted" else "step"]
        last = words["review"].format(link=f"{base}/approvals")
    elif step.kind == "approved":
        first, last = words["done"], words["open"].format(link=f"{base}/posts/{post.id}")
    else:
        first, last = words["said"], words["edit"].format(link=f"{base}/posts/{post.id}")
    lines = [first.format(**fill)]
    if step.kind != "approval_requested" and step.decision.comment:
        lines.append(words["comment"].format(comment=step.decision.comment))
    lines.append(words["text"].format(text=excerpt(post.text, 280)))
    if step.channels:
        lines.append(words["channels"].format(channels=", ".join(step.channels)))
    when = _local(post, lang)
    if step.kind != "rejected":  # a rejected post is a draft again, scheduled for nothing
        lines.append(words["when"].format(when=when) if when else words["unscheduled"])
    lines.append(last)
    return words[step.kind].format(**fill), lines


class _Reader:
    """Turns approval decisions into steps, reading each post and workspace once."""

    def __init__(self, store: Store, pub: PublishingStore) -> None:
        self.store, self.pub = store, pub
        self._members: dict[int, list[tuple[User, bool]]] = {}
        self._history: dict[int, list[ApprovalDecision]] = {}
        self._steps: dict[int, int] = {}

    def members(self, workspace_id: int) -> list[tuple[User, bool]]:
        """(user, may approve) of every member."""
        if workspace_id not in self._members:
            self._members[workspace_id] = [
                (u, may_approve(m)) for u, m in self.store.accounts.members(workspace_id)
            ]
        return self._members[workspace_id]

    def history(self, workspace_id: int, post_id: int) -> list[ApprovalDecision]:
        if post_id not in self._history:
            self._history[post_id] = self.pub.approval_history(workspace_id, post_id)
        return self._history[post_id]

    def rule_steps(self, workspace_id: int) -> int:
        if workspace_id not in self._steps:
            self._steps[workspace_id] = self.pub.approval_rule(workspace_id).steps
        return self._steps[workspace_id]

    def step(self, workspace: Workspace, d: ApprovalDecision) -> Step | None:
        try:
            post = self.pub.get_post(workspace.id, d.post_id)
        except ResonanzError:
            return None
        if post.status == "deleted":
            return None
        this_round = [h for h in self.history(workspace.id, d.post_id) if h.round == d.round]
        submitter = next((h.user_id for h in this_round if h.decision == "submitted"), None)
        approvers = {h.user_id for h in this_round if h.decision == "approved" and h.id <= d.id}
        members = self.members(workspace.id)
        names = {u.id: u.name or u.email for u, _ in members}
        needed = 0
        if d.decision == "rejected":
            kind = "rejected"
        elif d.decision == "approved" and len(approvers) >= self.rule_steps(workspace.id):
            kind = "approved"
        elif d.decision in ("submitted", "approved"):
            kind, needed = "approval_requested", self.rule_steps(workspace.id) - len(approvers)
        else:
            return None
        recipients: list[User]
        if kind == "approval_requested":
            later = [h for h in this_round if h.id > d.id]
            if later or post.approval != "pending_approval" or post.approval_round != d.round:
                return None  # superseded, or nobody needs to act on it any more
            given = {h.user_id for h in this_round if h.decision == "approved"}
            able = [u for u, ok in members if ok and u.id not in given]
            others = [u for u in able if u.id != submitter]
            recipients = others or able
        else:
            recipients = [u for u, _ in members if u.id == submitter and submitter != d.user_id]
        channels = tuple(
            x.channel_name
            for x in self.pub.deliveries_of_posts(workspace.id, [post.id])[post.id]
            if x.state != "canceled"
        )
        return Step(
            workspace=workspace,
            decision=d,
            post=post,
            kind=kind,
            recipients=tuple(recipients),
            actor=names.get(d.user_id or 0, ""),
            needed=needed,
            channels=channels,
        )


def steps(
    store: Store,
    pub: PublishingStore,
    decisions: list[tuple[int, ApprovalDecision]],
    workspaces: Mapping[int, Workspace],
) -> list[Step]:
    """The steps of these decisions (those that tell nobody anything left out)."""
    reader = _Reader(store, pub)
    found = []
    for workspace_id, decision in decisions:
        workspace = workspaces.get(workspace_id)
        step = reader.step(workspace, decision) if workspace is not None else None
        if step is not None:
            found.append(step)
    return found


class ApprovalMailer:
    """Queues the e-mails of new approval steps and sends what is due; called by the
    publishing notifier once per scheduler tick."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.pub: PublishingStore = publishing_store(store)
        self.outbox: ApprovalMailStore = approval_mail_store(store)
        # Steps that told nobody (superseded requests, a decision of the submitter's
        # own): they never will, so later ticks of this process skip them.
        self._settled: set[int] = set()

    def tick(self, now: datetime | None = None) -> MailReport:
        """Queue, then send. Nothing is done without ``smtp_url`` (the steps stay in the
        store and are mailed once it is set, within two days). Errors are logged, never
        raised."""
        now = now or datetime.now(UTC)
        report = MailReport()
        if not self.settings.smtp_url:
            return report
        try:
            report.queued = self.queue(now)
            self.send(now, report)
        except Exception as exc:  # an e-mail problem must not stop publishing
            log.warning("approval e-mails: %s", exc)
            report.errors.append(str(exc))
        return report

    def queue(self, now: datetime) -> int:
        """Queue the e-mails of the steps made since LOOKBACK not queued yet."""
        decisions = self.outbox.decisions_since(now - LOOKBACK)
        done = self.outbox.queued_decisions(d.id for _, d in decisions)
        fresh = [(ws, d) for ws, d in decisions if d.id not in done and d.id not in self._settled]
        if not fresh:
            return 0
        workspaces = {w.id: w for w in self.store.list_workspaces()}
        added = 0
        made = steps(self.store, self.pub, fresh, workspaces)
        told = {step.decision.id for step in made if step.recipients}
        self._settled |= {d.id for _, d in fresh if d.id not in told}
        for step in made:
            mails = []
            for user in step.recipients:
                title, lines = describe(step, _lang(user, self.settings), self.settings)
                body = "\n\n".join(lines)
                mails.append(
                    # a header: one line whatever the workspace's name holds
                    QueuedMail(step.decision.id, user.id, step.kind, " ".join(title.split()), body)
                )
            added += self.outbox.queue(step.workspace.id, mails, at=now)
            if mails:
                log.info("approval e-mails queued: step %s (%s)", step.decision.id, step.kind)
        return added

    def send(self, now: datetime, report: MailReport) -> None:
        """Send every due e-mail once; record success, retry or failure."""
        from resonanz.web.mail import MailError, send_mail  # the web package is heavy

        for mail in self.outbox.due(now):
            if not self.outbox.claim(mail.id, now, until=now + CLAIM):
                continue  # another scheduler has it
            attempts = mail.attempts + 1
            try:
                send_mail(
                    self.settings,
                    mail.email,
                    mail.subject,
                    mail.body,
                    message_id=f"approval-{mail.decision_id}-{mail.user_id}",
                )
            except Exception as exc:  # MailError, or a message the server can never take
                error = str(exc) if isinstance(exc, MailError) else f"{type(exc).__name__}: {exc}"
                log.warning("approval e-mail %s to user %s: %s", mail.id, mail.user_id, error)
                report.errors.append(error)
                permanent = not isinstance(exc, MailError)
                status, next_at = after_failure(attempts, permanent, now)
                if status == "failed":
                    report.failed += 1
                    error += (
                        " (not retried)" if permanent else f" (gave up after {attempts} attempts)"
                    )
                else:
                    report.retried += 1
                self.outbox.record(
                    mail.id, status=status, attempts=attempts, next_attempt_at=next_at, error=error
                )
                continue
            report.sent += 1
            self.outbox.record(
                mail.id,
                status="sent",
                attempts=attempts,
                next_attempt_at=now,
                error=None,
                sent_at=now,
            )
