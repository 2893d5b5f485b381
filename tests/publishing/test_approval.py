"""Approvals on SQLite and PostgreSQL: the state machine (submit, approve in one or more
steps, reject with a comment, an edit after approval back to pending), who may approve,
the audit log, and the scheduler that never publishes an unapproved post of a workspace
that requires approval (claim and the check right before sending), here against
mastodon-mock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from resonanz.errors import ConflictError, ValidationError
from resonanz.publishing import approval, compose
from resonanz.publishing.approval import NotAllowed
from resonanz.publishing.connect import add_channel
from resonanz.publishing.models import Attempt
from resonanz.publishing.scheduler import Scheduler, SchedulerOptions
from resonanz.publishing.sweeper import overdue

from .conftest import SETTINGS, Clock, Mastodon, World


def _users(world: World) -> dict[str, int]:
    """editor, approver (an editor with the flag), admin, viewer: their user ids."""
    ids = {}
    accounts = world.store.accounts
    for name, role, flag in (
        ("editor", "editor", False),
        ("approver", "editor", True),
        ("approver2", "analyst", True),
        ("admin", "admin", False),
        ("viewer", "viewer", False),
    ):
        user = accounts.create_user(f"{name}@acme.test", name.title(), "x")
        accounts.add_member(world.workspace.id, user.id, role, approver=flag)
        ids[name] = user.id
    return ids


def _draft(world: World, classes: dict[str, type], text: str = "Frohe Weihnachten!") -> int:
    world.channel("masto")
    return compose.new_post(world.pub, classes, world.workspace.id, text, ["masto"]).post.id


def test_submit_approve_reject_and_edit(world: World, classes: dict[str, type]) -> None:
    users = _users(world)
    store, pub, ws = world.store, world.pub, world.workspace.id
    post_id = _draft(world, classes)
    assert pub.get_post(ws, post_id).approval == "none"

    with pytest.raises(NotAllowed, match="only editors"):
        approval.submit(store, pub, ws, post_id, users["viewer"])
    submitted = approval.submit(store, pub, ws, post_id, users["editor"])
    assert (submitted.approval, submitted.approval_round) == ("pending_approval", 1)
    with pytest.raises(ConflictError, match="already waiting"):
        approval.submit(store, pub, ws, post_id, users["editor"])

    # A plain editor may not approve or reject; an approver, an admin may.
    with pytest.raises(NotAllowed, match="approver flag"):
        approval.approve(store, pub, ws, post_id, users["editor"])
    with pytest.raises(NotAllowed, match="approver flag"):
        approval.reject(store, pub, ws, post_id, users["editor"], "nein")
    with pytest.raises(ValidationError, match="needs a comment"):
        approval.reject(store, pub, ws, post_id, users["approver"], "  ")

    rejected = approval.reject(store, pub, ws, post_id, users["approver"], "Bitte ohne Emoji")
    assert (rejected.approval, rejected.status) == ("rejected", "draft")
    assert rejected.approval_comment == "Bitte ohne Emoji"
    with pytest.raises(ConflictError, match="not waiting for approval"):
        approval.approve(store, pub, ws, post_id, users["admin"])

    approval.submit(store, pub, ws, post_id, users["editor"])
    approved = approval.approve(store, pub, ws, post_id, users["admin"], "passt")
    assert (approved.approval, approved.approval_round) == ("approved", 2)

    # An edit of the text voids the approval: pending again, in a new round.
    edited = compose.edit_post(pub, classes, ws, post_id, "Frohe Weihnachten, alle!")
    assert (edited.approval, edited.approval_round) == ("pending_approval", 3)
    again = approval.approve(store, pub, ws, post_id, users["approver"])
    assert again.approval == "approved"

    history = [(d.round, d.decision, d.comment) for d in pub.approval_history(ws, post_id)]
    assert history == [
        (1, "submitted", None),
        (1, "rejected", "Bitte ohne Emoji"),
        (2, "submitted", None),
        (2, "approved", "passt"),
        (3, "approved", None),
    ]
    actions = [(e.action, e.target) for e in store.accounts.audit_entries(ws)]
    assert actions[:5] == [
        ("post.approve", f"post {post_id}"),
        ("post.approve", f"post {post_id}"),
        ("post.submit", f"post {post_id}"),
        ("post.reject", f"post {post_id}"),
        ("post.submit", f"post {post_id}"),
    ]


def test_two_steps_need_two_different_approvers(world: World, classes: dict[str, type]) -> None:
    users = _users(world)
    store, pub, ws = world.store, world.pub, world.workspace.id
    rule = approval.set_rule(store, pub, ws, required=True, steps=2, user_id=users["admin"])
    assert (rule.required, rule.steps) == (True, 2)
    with pytest.raises(ValidationError, match="between 1 and 5"):
        approval.set_rule(store, pub, ws, required=True, steps=0, user_id=None)
    post_id = _draft(world, classes)
    approval.submit(store, pub, ws, post_id, users["editor"])
    first = approval.approve(store, pub, ws, post_id, users["approver"])
    assert first.approval == "pending_approval"
    with pytest.raises(ConflictError, match="already approved post"):
        approval.approve(store, pub, ws, post_id, users["approver"])
    second = approval.approve(store, pub, ws, post_id, users["approver2"])
    assert second.approval == "approved"


@pytest.fixture
def schedulers() -> Iterator[list[Scheduler]]:
    made: list[Scheduler] = []
    yield made
    for scheduler in made:
        scheduler.close()


def test_the_scheduler_never_publishes_an_unapproved_post(
    world: World,
    classes: dict[str, type],
    mastodon: Mastodon,
    clock: Clock,
    schedulers: list[Scheduler],
) -> None:
    users = _users(world)
    store, pub, ws = world.store, world.pub, world.workspace.id
    add_channel(
        pub,
        SETTINGS,
        classes,
        ws,
        "mastodon",
        "masto",
        {"instance": mastodon.url},
        {"token": "alice_token"},
    )
    approval.set_rule(store, pub, ws, required=True, steps=1, user_id=users["admin"])
    post = compose.new_post(pub, classes, ws, "Nur nach Freigabe", ["masto"]).post
    compose.publish_now(pub, classes, ws, post.id)  # scheduled and due, not approved
    scheduler = Scheduler(
        pub, SETTINGS, classes, runner="test", clock=clock, options=SchedulerOptions()
    )
    schedulers.append(scheduler)
    report = scheduler.tick()
    assert report.claimed == [] and report.sent == []
    approval.submit(store, pub, ws, post.id, users["editor"])
    clock.advance(400)  # overdue now: the sweeper names the reason
    assert scheduler.tick().sent == []
    [late] = overdue(pub, now=clock())
    assert "approval" in late.reason
    assert mastodon.statuses() == []

    approval.approve(store, pub, ws, post.id, users["approver"])
    assert len(scheduler.tick().sent) == 1
    assert [s["content"] for s in mastodon.statuses()] == ["<p>Nur nach Freigabe</p>"]


def test_approval_required_after_the_claim_stops_the_send(
    world: World, classes: dict[str, type]
) -> None:
    store, pub, ws = world.store, world.pub, world.workspace.id
    post_id = _draft(world, classes)
    compose.publish_now(pub, classes, ws, post_id)
    now = datetime.now(UTC) + timedelta(seconds=1)
    [claimed] = pub.claim_due("a", now=now, lease_s=60)
    approval.set_rule(store, pub, ws, required=True, steps=1, user_id=None)
    assert pub.begin_send(claimed.id, "a", now=now, lease_s=60) == "unapproved"
    assert pub.get_delivery(claimed.id).state == "scheduled"
    assert pub.claim_due("a", now=now, lease_s=60) == []
    # Without the rule the same post goes out.
    approval.set_rule(store, pub, ws, required=False, steps=1, user_id=None)
    [again] = pub.claim_due("a", now=now, lease_s=60)
    assert isinstance(pub.begin_send(again.id, "a", now=now, lease_s=60), Attempt)
