"""Publishing notifications through the alert channels, against real peers on 127.0.0.1:
aiosmtpd (STARTTLS + AUTH) and a signed-webhook receiver; the platform is a loopback
server answering X API v2's documented bodies. Both backends.

A 401 reaches each channel exactly once, also when the scheduler that saw it died before
notifying (the restarted one finds the event in the store) and after further restarts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from resonanz import secrets as secret_box
from resonanz.alerts.channels import add_channel as add_alert_channel
from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.connect import add_channel
from resonanz.publishing.notify import PublishingNotifier, configure, hide_secrets
from resonanz.publishing.scheduler import Scheduler, SchedulerOptions
from resonanz.store.publish_notify import notify_store
from tests.alerts.receiver import SECRET, Receiver, receiver
from tests.sources.apiserver import ApiServer, JsonReply
from tests.web.smtp_peer import PASSWORD, USER, SmtpPeer, smtp_peer

from .conftest import SETTINGS, Clock, World

ME = {"data": {"id": "2244994945", "name": "X Dev", "username": "TwitterDev"}}
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
UNAVAILABLE = {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503}
TOKEN = "x-user-token-0123456789"


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpPeer]:
    with smtp_peer(tmp_path) as peer:
        monkeypatch.setenv("SSL_CERT_FILE", str(peer.cert))
        yield peer


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as peer:
        yield peer


def _hook(world: World, url: str) -> None:
    """An alert channel 'hook': a signed webhook to ``url``."""
    add_alert_channel(
        world.store, SETTINGS, world.workspace, "hook", "webhook", {"url": url, "secret": SECRET}
    )


def _x(world: World, classes: dict[str, type], platform: ApiServer, name: str = "xdev") -> None:
    platform.script("GET", "/2/users/me", JsonReply(ME))
    add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "x",
        name,
        {"api": platform.base_url},
        {"access_token": TOKEN},
    )


def _due(world: World, classes: dict[str, type], text: str, channel: str = "xdev") -> int:
    post = compose.new_post(world.pub, classes, world.workspace.id, text, [channel]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


def _tick(
    world: World,
    classes: dict[str, type],
    clock: Clock,
    *,
    notify: bool = True,
    options: SchedulerOptions | None = None,
) -> None:
    """One tick of a freshly started scheduler (a restart), then it is gone."""
    notifier = PublishingNotifier(world.store, SETTINGS, classes) if notify else None
    scheduler = Scheduler(
        world.pub, SETTINGS, classes, runner="t", clock=clock, options=options, notifier=notifier
    )
    try:
        scheduler.tick()
    finally:
        scheduler.close()


def _settle(count: Callable[[], int], expected: int, seconds: float = 2.0) -> None:
    """Wait until the peers got ``expected`` messages, then a moment more for extras."""
    deadline = time.monotonic() + seconds
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)


def _subject(mail: Any) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def _body(mail: Any) -> str:
    return str(mail.get_payload(decode=True).decode())


def test_a_401_is_notified_once_by_mail_and_webhook_across_restarts(
    world: World,
    classes: dict[str, type],
    platform: ApiServer,
    clock: Clock,
    smtp: SmtpPeer,
    hook: Receiver,
) -> None:
    ws = world.workspace
    add_alert_channel(
        world.store,
        SETTINGS,
        ws,
        "mail",
        "email",
        {
            "url": f"smtp://{USER}@127.0.0.1:{smtp.port}",
            "password": PASSWORD,
            "to": "team@acme.test",
            "from": "resonanz@acme.test",
        },
    )
    _hook(world, hook.url("/h"))
    configure(world.store, ws.id, ["mail", "hook"], lang="de", now=clock() - timedelta(seconds=1))
    _x(world, classes, platform)
    platform.script("POST", "/2/tweets", JsonReply(UNAUTHORIZED, status=401))
    post_id = _due(world, classes, "Neue Öffnungszeiten ab Montag")

    # The scheduler that met the 401 dies before it notifies: nothing is queued yet.
    _tick(world, classes, clock, notify=False)
    [row] = world.pub.deliveries(ws.id, post_id=post_id)
    assert row.state == "needs_attention"
    assert smtp.messages == [] and hook.hits == []

    # The restarted scheduler finds the event in the store and notifies it once.
    _tick(world, classes, clock)
    _settle(lambda: len(smtp.messages) + len(hook.hits), 2)
    assert len(smtp.messages) == 1 and len(hook.hits) == 1
    subject, body = _subject(smtp.messages[0]), _body(smtp.messages[0])
    assert subject == f"[Resonanz] Neuer Alarm: Beitrag {post_id} an xdev braucht Aufmerksamkeit"
    assert "x meldet:" in body and "Unauthorized" in body
    assert "Neue Öffnungszeiten ab Montag" in body
    assert "Kanal xdev (x) ist getrennt" in body
    assert f"resonanz post publish-now {post_id}" in body
    [hit] = hook.hits
    sent = json.loads(hit.body)
    assert hit.signature_ok
    assert sent["kind"] == "publishing_needs_attention" and sent["lang"] == "de"
    assert sent["key"].startswith(f"resonanz-publishing-delivery-{row.id}-needs_attention-")
    assert hit.headers["idempotency-key"] == sent["key"]
    assert TOKEN not in body and TOKEN.encode() not in hit.body

    # Restarted again, and again a tick later: nothing more.
    clock.advance(60)
    _tick(world, classes, clock)
    _tick(world, classes, clock)
    _settle(lambda: len(smtp.messages) + len(hook.hits), 3, seconds=0.3)
    assert len(smtp.messages) == 1 and len(hook.hits) == 1


def test_failed_overdue_and_expiring_are_notified_once_in_english(
    world: World, classes: dict[str, type], platform: ApiServer, clock: Clock, hook: Receiver
) -> None:
    ws = world.workspace
    _hook(world, hook.url("/h"))
    configure(world.store, ws.id, ["hook"], lang="en", now=clock() - timedelta(seconds=1))
    _x(world, classes, platform)
    # A channel whose (non-refreshed) token ends in three days.
    ends = (clock() + timedelta(days=3)).isoformat()
    world.pub.add_channel(
        ws.id,
        "x",
        "xsoon",
        {"api": platform.base_url, "account": "@soon", "token_expires_at": ends},
        secret_box.encrypt(SETTINGS, json.dumps({"access_token": "soon-token-123456"})),
        at=clock(),
    )
    platform.script("POST", "/2/tweets", JsonReply(UNAVAILABLE, status=503))
    failed_post = _due(world, classes, "Gleich")
    _tick(world, classes, clock, options=SchedulerOptions(max_attempts=1))
    [row] = world.pub.deliveries(ws.id, post_id=failed_post)
    assert row.state == "failed"

    world.pub.pause(ws.id, reason="Wahlkampfpause", at=clock())
    late_post = _due(world, classes, "Später")
    clock.advance(6 * 60)
    _tick(world, classes, clock)
    _tick(world, classes, clock)
    _settle(lambda: len(hook.hits), 3)
    sent = {json.loads(h.body)["kind"]: json.loads(h.body) for h in hook.hits}
    assert len(hook.hits) == 3
    assert set(sent) == {"publishing_failed", "publishing_overdue", "publishing_expiring"}
    assert sent["publishing_failed"]["title"] == (
        f"Post {failed_post} to xdev failed after 1 attempts"
    )
    assert "Service Unavailable" in sent["publishing_failed"]["explanation"]
    assert sent["publishing_overdue"]["title"] == f"Post {late_post} to xdev is 6 min overdue"
    assert "publishing is paused (Wahlkampfpause)" in sent["publishing_overdue"]["explanation"]
    assert sent["publishing_expiring"]["title"].startswith(
        "The credentials of channel xsoon (x) end on "
    )
    assert all(h.signature_ok for h in hook.hits)
    assert b"soon-token-123456" not in b"".join(h.body for h in hook.hits)


def test_settings_are_checked_and_kept(world: World) -> None:
    ws = world.workspace
    with pytest.raises(ValidationError, match="no alert channel named 'nope'"):
        configure(world.store, ws.id, ["nope"], lang="de")
    with pytest.raises(ValidationError, match="lang must be one of de, en"):
        configure(world.store, ws.id, [], lang="fr")
    _hook(world, "http://127.0.0.1:9/h")
    saved = configure(world.store, ws.id, ["hook", "hook"], lang="en")
    assert notify_store(world.store).get(ws.id) == saved
    assert len(saved.channel_ids) == 1 and saved.lang == "en"
    world.store.alerts.remove_channel(ws.id, "hook")
    current = notify_store(world.store).get(ws.id)
    assert current is not None and current.channel_ids == ()
    assert notify_store(world.store).all() == []


def test_secrets_and_token_shapes_are_hidden() -> None:
    text = "refused abcdefgh12345 at https://x.test/cb?code=XYZ&state=1; Bearer abc.def.ghi1"
    hidden = hide_secrets(text, ["abcdefgh12345", "short"])
    assert hidden == "refused [hidden] at https://x.test/cb?code=[hidden]&state=1; Bearer [hidden]"


def test_an_event_is_queued_once_and_sent_by_one_sender(world: World, clock: Clock) -> None:
    ws = world.workspace
    _hook(world, "http://127.0.0.1:9/h")
    [channel] = world.store.alerts.list_channels(ws.id)
    notes = notify_store(world.store)
    now = clock()
    message = {"event_key": "publishing-test-1", "title": "t"}
    assert notes.queue([channel.id], {"publishing-test-1": message}, at=now) == 1
    assert notes.queue([channel.id], {"publishing-test-1": message}, at=now) == 0  # a restart
    assert notes.queued([channel.id], ["publishing-test-1", "other"]) == {"publishing-test-1"}
    [due] = world.store.alerts.due_deliveries(now, events_only=True)
    later = now + timedelta(minutes=5)
    assert world.store.alerts.claim_delivery(due.id, now, until=later)
    assert not world.store.alerts.claim_delivery(due.id, now, until=later)  # a second sender
    assert world.store.alerts.due_deliveries(now, events_only=True) == []
    assert [d.id for d in world.store.alerts.due_deliveries(later)] == [due.id]  # sender died
