"""The outbox's state machine on SQLite and PostgreSQL: claims and leases, takeover of a
dead scheduler's claim, edits and deletes after a claim (nothing stale is sent), the pause
switch, rescheduling a claimed delivery, and the sweeper's overdue report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resonanz.errors import ConflictError
from resonanz.publishing import states as st
from resonanz.publishing.models import Attempt, Receipt
from resonanz.publishing.sweeper import overdue, sweep

from .conftest import World

LEASE = 60.0


def _scheduled(world: World, text: str = "Hallo Welt", *, due_in: float = -1.0) -> int:
    """A post to channel 'masto', due ``due_in`` seconds from now; its id."""
    channel = world.channel("masto")
    post = world.pub.create_post(
        world.workspace.id,
        text=text,
        variants={},
        channels=[channel],
        author_id=None,
        timezone="Europe/Berlin",
        at=datetime.now(UTC),
    )
    when = datetime.now(UTC) + timedelta(seconds=due_in)
    world.pub.schedule_post(
        world.workspace.id,
        post.id,
        scheduled_at=when,
        timezone="UTC",
        local_time=None,
        at=datetime.now(UTC),
    )
    return post.id


def test_claim_send_and_record(world: World) -> None:
    post_id = _scheduled(world, due_in=30)
    pub, now = world.pub, datetime.now(UTC)
    assert pub.claim_due("a", now=now, lease_s=LEASE) == []  # not due yet
    [claimed] = pub.claim_due("a", now=now + timedelta(seconds=31), lease_s=LEASE)
    assert (claimed.state, claimed.claimed_by, claimed.claimed_version) == ("claimed", "a", 1)
    # Claimed rows are not claimed again while the lease holds.
    assert pub.claim_due("b", now=now + timedelta(seconds=32), lease_s=LEASE) == []
    attempt = pub.begin_send(claimed.id, "a", now=now, lease_s=LEASE)
    assert isinstance(attempt, Attempt)
    assert attempt.text == "Hallo Welt" and attempt.delivery.state == "sending"
    assert attempt.delivery.attempts == 1
    assert attempt.idempotency_key.endswith("-v1") and len(attempt.record_key) == 13
    pub.finish_sent(attempt, Receipt("109", "https://m.example/@a/109"), now=now)
    [done] = pub.deliveries(world.workspace.id, post_id=post_id)
    assert (done.state, done.remote_id, done.sent_version) == ("sent", "109", 1)
    assert done.claimed_by is None and done.sent_at is not None


def test_a_dead_schedulers_claim_is_taken_over_after_the_lease(world: World) -> None:
    _scheduled(world)
    pub, now = world.pub, datetime.now(UTC)
    [claimed] = pub.claim_due("dead", now=now, lease_s=LEASE)
    attempt = pub.begin_send(claimed.id, "dead", now=now, lease_s=LEASE)
    assert isinstance(attempt, Attempt)
    # "dead" stops here, mid-send. Before its lease ends nobody may take the row...
    assert pub.claim_due("alive", now=now + timedelta(seconds=LEASE - 1), lease_s=LEASE) == []
    # ...after it, another scheduler does, knowing the platform may have the post.
    later = now + timedelta(seconds=LEASE + 1)
    [taken] = pub.claim_due("alive", now=later, lease_s=LEASE)
    assert (taken.claimed_by, taken.doubt_version) == ("alive", 1)
    retry = pub.begin_send(taken.id, "alive", now=later, lease_s=LEASE)
    assert isinstance(retry, Attempt)
    # Same version, same keys: the platform recognises the retry.
    assert retry.idempotency_key == attempt.idempotency_key
    assert retry.record_key == attempt.record_key
    assert retry.delivery.attempts == 2
    # The dead scheduler's late outcome cannot overwrite the new claim's state.
    assert not pub.finish_failed(attempt, "late", now=later, state="failed", in_doubt=False)
    assert pub.get_delivery(taken.id).state == "sending"


def test_an_edit_after_the_claim_is_never_sent_stale(world: World) -> None:
    post_id = _scheduled(world, "alter Text")
    pub, ws, now = world.pub, world.workspace.id, datetime.now(UTC)
    [claimed] = pub.claim_due("a", now=now, lease_s=LEASE)
    pub.edit_post(ws, post_id, text="neuer Text", variants={}, at=now)
    assert pub.begin_send(claimed.id, "a", now=now, lease_s=LEASE) == "stale"
    back = pub.get_delivery(claimed.id)
    assert (back.state, back.attempts, back.claimed_by) == ("scheduled", 0, None)
    [again] = pub.claim_due("a", now=now, lease_s=LEASE)
    attempt = pub.begin_send(again.id, "a", now=now, lease_s=LEASE)
    assert isinstance(attempt, Attempt)
    assert (attempt.text, attempt.version) == ("neuer Text", 2)
    assert attempt.idempotency_key.endswith("-v2")


def test_a_delete_after_the_claim_cancels(world: World) -> None:
    post_id = _scheduled(world)
    pub, ws, now = world.pub, world.workspace.id, datetime.now(UTC)
    [claimed] = pub.claim_due("a", now=now, lease_s=LEASE)
    assert pub.delete_post(ws, post_id, at=now) == 1
    assert pub.begin_send(claimed.id, "a", now=now, lease_s=LEASE) == "lost"
    gone = pub.get_delivery(claimed.id)
    assert (gone.state, gone.last_error) == ("canceled", "the post was deleted")
    assert pub.claim_due("a", now=now, lease_s=LEASE) == []


def test_edit_and_delete_are_refused_while_sending(world: World) -> None:
    post_id = _scheduled(world)
    pub, ws, now = world.pub, world.workspace.id, datetime.now(UTC)
    [claimed] = pub.claim_due("a", now=now, lease_s=LEASE)
    assert isinstance(pub.begin_send(claimed.id, "a", now=now, lease_s=LEASE), Attempt)
    with pytest.raises(ConflictError, match="being published to 'masto' right now"):
        pub.edit_post(ws, post_id, text="zu spät", variants={}, at=now)
    with pytest.raises(ConflictError, match="being published"):
        pub.delete_post(ws, post_id, at=now)
    assert pub.get_post(ws, post_id).text == "Hallo Welt"
    # Once the sender's lease is over (it died), the edit goes ahead and the row is
    # marked in doubt: what it may have published was version 1.
    later = now + timedelta(seconds=LEASE + 1)
    pub.edit_post(ws, post_id, text="später", variants={}, at=later)
    row = pub.get_delivery(claimed.id)
    assert (row.state, row.doubt_version) == ("scheduled", 1)


def test_rescheduling_releases_a_claim(world: World) -> None:
    post_id = _scheduled(world)
    pub, ws, now = world.pub, world.workspace.id, datetime.now(UTC)
    [claimed] = pub.claim_due("a", now=now, lease_s=LEASE)
    tomorrow = now + timedelta(days=1)
    pub.schedule_post(ws, post_id, scheduled_at=tomorrow, timezone="UTC", local_time=None, at=now)
    assert pub.begin_send(claimed.id, "a", now=now, lease_s=LEASE) == "lost"
    row = pub.get_delivery(claimed.id)
    assert (row.state, row.next_attempt_at) == ("scheduled", tomorrow)
    assert pub.claim_due("a", now=now, lease_s=LEASE) == []


def test_pause_holds_claims_and_sends(world: World) -> None:
    _scheduled(world)
    pub, ws, now = world.pub, world.workspace.id, datetime.now(UTC)
    pub.pause(ws, reason="Trauerfall", at=now)
    assert pub.claim_due("a", now=now, lease_s=LEASE) == []
    assert pub.resume(ws) is True
    [claimed] = pub.claim_due("a", now=now, lease_s=LEASE)
    # Paused between claim and send: released, not sent.
    pub.pause(ws, reason="", at=now)
    assert pub.begin_send(claimed.id, "a", now=now, lease_s=LEASE) == "paused"
    assert pub.get_delivery(claimed.id).state == "scheduled"
    assert pub.resume(ws) is True and pub.resume(ws) is False


def test_a_disconnected_channel_holds_its_deliveries(world: World) -> None:
    _scheduled(world)
    pub, now = world.pub, datetime.now(UTC)
    channel = pub.get_channel(world.workspace.id, "masto")
    pub.update_channel(channel.id, at=now, error="token revoked", status="disconnected")
    assert pub.claim_due("a", now=now, lease_s=LEASE) == []
    pub.update_channel(channel.id, at=now, status="connected")
    assert len(pub.claim_due("a", now=now, lease_s=LEASE)) == 1


def test_sweeper_reports_overdue_once_with_the_reason(world: World) -> None:
    post_id = _scheduled(world, due_in=-400)
    pub, ws, now = world.pub, world.workspace.id, datetime.now(UTC)
    on_time = world.pub.create_post(
        ws,
        text="später",
        variants={},
        channels=[pub.get_channel(ws, "masto")],
        author_id=None,
        timezone="UTC",
        at=now,
    )
    pub.schedule_post(
        ws,
        on_time.id,
        scheduled_at=now - timedelta(seconds=200),
        timezone="UTC",
        local_time=None,
        at=now,
    )
    [item] = sweep(pub, now=now)
    assert item.delivery.post_id == post_id and item.late_s >= 400
    assert "no scheduler has picked it up" in item.reason
    assert sweep(pub, now=now) == []  # reported once
    pub.pause(ws, reason="Wahlkampfpause", at=now)
    [still] = overdue(pub, now=now)  # but still listed
    assert still.reason == "publishing is paused (Wahlkampfpause)"
    assert pub.get_delivery(still.delivery.id).overdue_reported_at is not None
    # Once sent, it is no longer overdue.
    pub.resume(ws)
    for claimed in pub.claim_due("a", now=now, lease_s=LEASE):
        attempt = pub.begin_send(claimed.id, "a", now=now, lease_s=LEASE)
        assert isinstance(attempt, Attempt)
        pub.finish_sent(attempt, Receipt("1"), now=now)
    assert overdue(pub, now=now) == []


def test_states_module_keys_are_deterministic() -> None:
    created = datetime(2026, 11, 25, 9, 30, 12, 345678, tzinfo=UTC)
    assert st.record_key(7, created) == st.record_key(7, created)
    keys = {st.record_key(i, created) for i in range(1, 3000)}
    assert len(keys) == 2999
    assert all(len(k) == 13 and k[0] in "234567abcdefghij" for k in keys)
    assert st.idempotency_key(7, created, 3) != st.idempotency_key(7, created, 4)
