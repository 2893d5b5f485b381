"""E-mails about approvals against a real SMTP server on 127.0.0.1 (aiosmtpd, STARTTLS +
AUTH), on SQLite and PostgreSQL: a submit mails every approver once (the submitter
none), a step of two mails those still to approve, the last step and a rejection (with
its comment) mail the submitter, each in the member's language; a scheduler that died
after queueing, one that died holding a claim, and an unreachable mail server send no
mail twice and lose none. The workspace's alert channels get the approval events only
when chosen."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import pytest

from resonanz.alerts.channels import add_channel as add_alert_channel
from resonanz.alerts.engine import CLAIM
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.publishing import approval, compose
from resonanz.publishing.approval_mail import ApprovalMailer
from resonanz.publishing.notify import PublishingNotifier, configure
from resonanz.store.approval_mails import approval_mail_store
from tests.alerts.receiver import SECRET, Receiver, receiver
from tests.web.smtp_peer import PASSWORD, USER, SmtpPeer, smtp_peer

from .conftest import SETTINGS, World


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpPeer]:
    with smtp_peer(tmp_path) as peer:
        monkeypatch.setenv("SSL_CERT_FILE", str(peer.cert))
        yield peer


def _settings(port: int) -> Settings:
    return dataclasses.replace(
        SETTINGS,
        smtp_url=f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}",
        mail_from="resonanz@acme.test",
        base_url="https://resonanz.acme.test",
        default_locale="de",
    )


def _team(world: World) -> dict[str, int]:
    """editor (German), two approvers (English, none), an admin, a viewer: user ids."""
    ids = {}
    for name, role, flag, locale in (
        ("editor", "editor", False, "de"),
        ("anna", "editor", True, "en"),
        ("bert", "analyst", True, None),
        ("chef", "admin", False, "en"),
        ("viewer", "viewer", False, None),
    ):
        user = world.store.accounts.create_user(
            f"{name}@acme.test", name.title(), "x", locale=locale
        )
        world.store.accounts.add_member(world.workspace.id, user.id, role, approver=flag)
        ids[name] = user.id
    return ids


def _post(world: World, classes: dict[str, type], text: str) -> int:
    if not world.pub.list_channels(world.workspace.id):
        world.channel("masto")
    at = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d") + " 09:30"
    composed = compose.new_post(
        world.pub, classes, world.workspace.id, text, ["masto"], at=at, timezone="Europe/Berlin"
    )
    return composed.post.id


def _mails(smtp: SmtpPeer, expected: int, seconds: float = 2.0) -> list[Message]:
    """The messages once ``expected`` arrived (and a moment more for extras)."""
    deadline = time.monotonic() + seconds
    while len(smtp.messages) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    got = list(smtp.messages)
    smtp.messages.clear()
    return got


def _subject(mail: Message) -> str:
    return str(make_header(decode_header(str(mail["Subject"]))))


def _body(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _by_rcpt(mails: list[Message]) -> dict[str, Message]:
    return {str(m["To"]): m for m in mails}


def test_submit_steps_approve_and_reject_mail_the_right_people_once(
    world: World, classes: dict[str, type], smtp: SmtpPeer
) -> None:
    settings = _settings(smtp.port)
    store, pub, ws = world.store, world.pub, world.workspace.id
    team = _team(world)
    approval.set_rule(store, pub, ws, required=True, steps=2, user_id=None)
    post_id = _post(world, classes, "Frohe Weihnachten an alle Kundinnen und Kunden!")

    approval.submit(store, pub, ws, post_id, team["editor"])
    report = ApprovalMailer(store, settings).tick()
    assert (report.queued, report.sent, report.errors) == (3, 3, [])
    mails = _by_rcpt(_mails(smtp, 3))
    assert set(mails) == {"anna@acme.test", "bert@acme.test", "chef@acme.test"}
    anna, bert = mails["anna@acme.test"], mails["bert@acme.test"]
    assert _subject(anna) == f"Approval requested: post {post_id} (ACME)"
    assert _subject(bert) == f"Freigabe erbeten: Beitrag {post_id} (ACME)"  # default_locale
    body = _body(anna)
    assert f"Editor asks for approval of post {post_id}." in body
    assert "Text: Frohe Weihnachten an alle Kundinnen und Kunden!" in body
    assert "Channels: masto" in body
    assert " 09:30 Europe/Berlin" in body
    assert "Approve or reject: https://resonanz.acme.test/w/acme/approvals" in body
    assert "Geplant: " in _body(bert) and "09:30 Europe/Berlin" in _body(bert)
    assert str(anna["Message-ID"]).endswith("@acme.test>")

    # The next tick (and a restarted scheduler's) sends nothing more.
    assert ApprovalMailer(store, settings).tick().sent == 0
    assert _mails(smtp, 1, seconds=0.2) == []

    # One of two steps: those who have not approved yet are asked again, not Anna.
    approval.approve(store, pub, ws, post_id, team["anna"])
    assert ApprovalMailer(store, settings).tick().sent == 2
    mails = _by_rcpt(_mails(smtp, 2))
    assert set(mails) == {"bert@acme.test", "chef@acme.test"}
    assert f"Anna approved post {post_id}; 1 more approval(s) needed." in _body(
        mails["chef@acme.test"]
    )

    # The last step tells the submitter, in German.
    approval.approve(store, pub, ws, post_id, team["bert"], "Passt so")
    assert ApprovalMailer(store, settings).tick().sent == 1
    [done] = _mails(smtp, 1)
    assert done["To"] == "editor@acme.test"
    assert _subject(done) == f"Freigegeben: Beitrag {post_id} (ACME)"
    assert "Kommentar: Passt so" in _body(done)
    assert f"https://resonanz.acme.test/w/acme/posts/{post_id}" in _body(done)

    # A rejection tells the submitter what to change.
    other = _post(world, classes, "Zweiter Beitrag")
    approval.submit(store, pub, ws, other, team["editor"])
    approval.reject(store, pub, ws, other, team["chef"], "Bitte ohne Ausrufezeichen")
    assert ApprovalMailer(store, settings).tick().sent == 1  # the request was superseded
    [rejected] = _mails(smtp, 1)
    assert rejected["To"] == "editor@acme.test"
    assert _subject(rejected) == f"Zurückgewiesen: Beitrag {other} (ACME)"
    assert "Chef hat Beitrag" in _body(rejected)
    assert "Kommentar: Bitte ohne Ausrufezeichen" in _body(rejected)

    sent = approval_mail_store(store).of_workspace(ws)
    assert len(sent) == 7 and {m.status for m in sent} == {"sent"}
    assert all(m.attempts == 1 for m in sent)


def test_the_only_approver_is_asked_even_when_they_submitted(
    world: World, classes: dict[str, type], smtp: SmtpPeer
) -> None:
    settings = _settings(smtp.port)
    store, pub, ws = world.store, world.pub, world.workspace.id
    owner = store.accounts.create_user("owner@acme.test", "Olga", "x", locale="en")
    store.accounts.add_member(ws, owner.id, "owner")
    post_id = _post(world, classes, "Allein")
    # Sent by the scheduler's tick (its publishing notifier), as in production.
    notifier = PublishingNotifier(store, settings, classes)
    approval.submit(store, pub, ws, post_id, owner.id)
    notifier.tick()
    [asked] = _mails(smtp, 1)
    assert asked["To"] == "owner@acme.test"
    assert _subject(asked) == f"Approval requested: post {post_id} (ACME)"
    approval.approve(store, pub, ws, post_id, owner.id)
    report = notifier.tick()
    assert report.mails is not None and report.mails.sent == 0  # not about her own approval
    again = notifier.tick().mails
    assert again is not None and (again.queued, again.sent, again.errors) == (0, 0, [])


def test_crashes_and_a_dead_mail_server_send_no_mail_twice(
    world: World, classes: dict[str, type], smtp: SmtpPeer
) -> None:
    settings = _settings(smtp.port)
    store, pub, ws = world.store, world.pub, world.workspace.id
    submitter = store.accounts.create_user("ed@acme.test", "Ed", "x")
    store.accounts.add_member(ws, submitter.id, "editor")
    checker = store.accounts.create_user("ann@acme.test", "Ann", "x")
    store.accounts.add_member(ws, checker.id, "editor", approver=True)
    now = datetime.now(UTC)
    outbox = approval_mail_store(store)

    # A scheduler dies after queueing, before sending: the next one sends it, once.
    first = _post(world, classes, "Eins")
    approval.submit(store, pub, ws, first, submitter.id)
    assert ApprovalMailer(store, settings).queue(now) == 1
    assert ApprovalMailer(store, settings).queue(now) == 0
    assert ApprovalMailer(store, settings).tick(now).sent == 1
    assert len(_mails(smtp, 1)) == 1

    # A scheduler dies holding the claim: nobody sends it until the claim ends.
    second = _post(world, classes, "Zwei")
    approval.submit(store, pub, ws, second, submitter.id)
    mailer = ApprovalMailer(store, settings)
    mailer.queue(now)
    [due] = outbox.due(now)
    assert outbox.claim(due.id, now, until=now + CLAIM)
    assert ApprovalMailer(store, settings).tick(now).sent == 0
    assert ApprovalMailer(store, settings).tick(now + CLAIM).sent == 1
    assert len(_mails(smtp, 1)) == 1

    # The mail server is down: logged and retried, the approval step itself unharmed.
    third = _post(world, classes, "Drei")
    assert approval.submit(store, pub, ws, third, submitter.id).approval == "pending_approval"
    down = dataclasses.replace(settings, smtp_url=f"smtp://{USER}:{PASSWORD}@127.0.0.1:9")
    failed = ApprovalMailer(store, down).tick(now)
    assert (failed.sent, failed.retried) == (0, 1) and "127.0.0.1:9" in failed.errors[0]
    [waiting] = [m for m in outbox.of_workspace(ws) if m.status == "pending"]
    assert waiting.attempts == 1 and waiting.next_attempt_at > now
    assert ApprovalMailer(store, settings).tick(now).sent == 0  # not before its retry time
    assert ApprovalMailer(store, settings).tick(waiting.next_attempt_at).sent == 1
    assert ApprovalMailer(store, settings).tick(waiting.next_attempt_at).sent == 0
    [mail] = _mails(smtp, 1)
    assert "Drei" in _body(mail)


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as peer:
        yield peer


def _settle(count: Callable[[], int], expected: int, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)


def test_alert_channels_get_approval_events_only_when_chosen(
    world: World, classes: dict[str, type], hook: Receiver
) -> None:
    store, pub, ws = world.store, world.pub, world.workspace
    add_alert_channel(
        store, SETTINGS, ws, "hook", "webhook", {"url": hook.url("/h"), "secret": SECRET}
    )
    with pytest.raises(ValidationError, match="no publishing event named 'approve'"):
        configure(store, ws.id, ["hook"], lang="en", events=["approve"])
    since = datetime.now(UTC) - timedelta(seconds=1)
    configure(store, ws.id, ["hook"], lang="en", now=since)
    editor = store.accounts.create_user("ed@acme.test", "Ed", "x")
    store.accounts.add_member(ws.id, editor.id, "admin")
    first = _post(world, classes, "Nicht gemeldet")
    approval.submit(store, pub, ws.id, first, editor.id)
    PublishingNotifier(store, SETTINGS, classes).tick()
    _settle(lambda: len(hook.hits), 1, seconds=0.3)
    assert hook.hits == []  # the default events do not include approvals

    configure(
        store, ws.id, ["hook"], lang="de", events=["approval_requested", "rejected"], now=since
    )
    PublishingNotifier(store, SETTINGS, classes).tick()
    PublishingNotifier(store, SETTINGS, classes).tick()
    _settle(lambda: len(hook.hits), 1)
    [hit] = hook.hits
    sent = json.loads(hit.body)
    assert sent["kind"] == "publishing_approval_requested"
    assert sent["title"] == f"Freigabe erbeten: Beitrag {first} (ACME)"
    assert "Text: Nicht gemeldet" in sent["explanation"]
    assert (
        sent["key"] == f"resonanz-publishing-approval-{_decision(world, first)}-approval_requested"
    )


def _decision(world: World, post_id: int) -> int:
    return world.pub.approval_history(world.workspace.id, post_id)[-1].id
