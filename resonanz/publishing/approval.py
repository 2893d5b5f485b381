"""Approval of posts before they are published.

A workspace may require approval (``ApprovalRule``: required, and how many different
approvers, "steps"). Then an editor submits a post (``pending_approval``); members with
the approver flag, admins and owners approve it (after ``steps`` approvals it is
``approved``) or reject it with a comment (back to draft, ``rejected``, the comment
kept). An edit of the text returns an approved or pending post to ``pending_approval``
with the approvals given so far voided. The scheduler's claim (and its check right before
sending) skips every post of such a workspace that is not approved, so nothing unapproved
is published whichever way it was scheduled. Every step is written to the audit log.

::

    none/rejected --submit--> pending_approval --approve x steps--> approved
                                   |    ^                              |
                                   |    +-------- edit of the text ----+
                                   +--reject (comment)--> rejected (post back to draft)
"""

from __future__ import annotations

from datetime import UTC, datetime

from resonanz.accounts import Membership, has_role
from resonanz.errors import ValidationError
from resonanz.publishing.models import ApprovalRule, Post
from resonanz.store import Store
from resonanz.store.publishing import PublishingStore

MAX_STEPS = 5
MAX_COMMENT = 2000


class NotAllowed(ValidationError):
    """The member's role or flags do not allow this approval step."""


def may_approve(membership: Membership | None) -> bool:
    """Approvers are members with the approver flag, and admins and owners."""
    return membership is not None and (membership.approver or has_role(membership.role, "admin"))


def _member(store: Store, workspace_id: int, user_id: int | None) -> Membership | None:
    return None if user_id is None else store.accounts.membership(workspace_id, user_id)


def _comment(comment: str | None, *, required: bool) -> str | None:
    text = (comment or "").strip()
    if required and not text:
        raise ValidationError("a rejection needs a comment saying what to change (--comment)")
    if len(text) > MAX_COMMENT:
        raise ValidationError(f"the comment is {len(text)} characters long; at most {MAX_COMMENT}")
    return text or None


def set_rule(
    store: Store,
    pub: PublishingStore,
    workspace_id: int,
    *,
    required: bool,
    steps: int,
    user_id: int | None,
) -> ApprovalRule:
    """Require approval (or not) and set how many approvers a post needs."""
    if not 1 <= steps <= MAX_STEPS:
        raise ValidationError(f"approval steps must be between 1 and {MAX_STEPS}, not {steps}")
    rule = pub.set_approval_rule(workspace_id, required=required, steps=steps)
    store.accounts.audit(
        workspace_id,
        user_id,
        "publishing.approval_rule",
        "publishing",
        {"required": required, "steps": steps},
    )
    return rule


def submit(
    store: Store, pub: PublishingStore, workspace_id: int, post_id: int, user_id: int | None
) -> Post:
    """Submit a post for approval (an editor or higher; ``None``: the CLI's operator)."""
    membership = _member(store, workspace_id, user_id)
    if user_id is not None and (membership is None or not has_role(membership.role, "editor")):
        raise NotAllowed("only editors, admins and owners of the workspace may submit posts")
    post = pub.submit_post(workspace_id, post_id, user_id=user_id, at=datetime.now(UTC))
    store.accounts.audit(
        workspace_id, user_id, "post.submit", f"post {post_id}", {"round": post.approval_round}
    )
    return post


def approve(
    store: Store,
    pub: PublishingStore,
    workspace_id: int,
    post_id: int,
    user_id: int,
    comment: str | None = None,
) -> Post:
    """One approver's approval; the post is approved after the rule's number of steps."""
    pub.get_post(workspace_id, post_id)  # an unknown post is "not found" for anyone
    if not may_approve(_member(store, workspace_id, user_id)):
        raise NotAllowed("only members with the approver flag, admins and owners may approve posts")
    steps = pub.approval_rule(workspace_id).steps
    text = _comment(comment, required=False)
    post = pub.approve_post(
        workspace_id, post_id, user_id=user_id, comment=text, steps=steps, at=datetime.now(UTC)
    )
    detail: dict[str, object] = {
        "round": post.approval_round,
        "approved": post.approval == "approved",
    }
    if text:
        detail["comment"] = text
    store.accounts.audit(workspace_id, user_id, "post.approve", f"post {post_id}", detail)
    return post


def reject(
    store: Store, pub: PublishingStore, workspace_id: int, post_id: int, user_id: int, comment: str
) -> Post:
    """Send the post back to draft with a comment saying what to change."""
    pub.get_post(workspace_id, post_id)
    if not may_approve(_member(store, workspace_id, user_id)):
        raise NotAllowed("only members with the approver flag, admins and owners may reject posts")
    text = _comment(comment, required=True)
    assert text is not None
    post = pub.reject_post(
        workspace_id, post_id, user_id=user_id, comment=text, at=datetime.now(UTC)
    )
    store.accounts.audit(
        workspace_id,
        user_id,
        "post.reject",
        f"post {post_id}",
        {"round": post.approval_round, "comment": text},
    )
    return post
