"""REST: approval of posts (submit, approve, reject) and the workspace's approval rule.
The rules are those of resonanz.publishing.approval: editors submit; members with the
approver flag, admins and owners approve or reject (others get 403)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from resonanz.publishing import approval
from resonanz.publishing.models import Post
from resonanz.store.publishing import publishing_store
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Access, Admin, Editor, Forbidden, StoreDep, Viewer

router = APIRouter(tags=["publishing"], responses=ERRORS)
WS = "/workspaces/{slug}"
POST = WS + "/posts/{post_id}"


class ApprovalOut(BaseModel):
    post_id: int
    status: str = Field(description="draft | scheduled | deleted")
    approval: str = Field(description="none | pending_approval | approved | rejected")
    round: int
    comment: str | None
    updated_at: datetime


class DecisionIn(BaseModel):
    comment: str | None = Field(None, max_length=2000)


class RejectIn(BaseModel):
    comment: str = Field(min_length=1, max_length=2000, description="What to change")


class RuleOut(BaseModel):
    required: bool
    steps: int


class RuleIn(BaseModel):
    required: bool
    steps: int = Field(1, ge=1, le=approval.MAX_STEPS)


def _out(post: Post) -> ApprovalOut:
    return ApprovalOut(
        post_id=post.id,
        status=post.status,
        approval=post.approval,
        round=post.approval_round,
        comment=post.approval_comment,
        updated_at=post.updated_at,
    )


def _checked(access: Access, store: StoreDep, post_id: int) -> None:
    """The post must be the workspace's (404) before the caller's flags are judged (403)."""
    publishing_store(store).get_post(access.workspace.id, post_id)
    if not approval.may_approve(access.membership):
        raise Forbidden("only members with the approver flag, admins and owners may do this")


@router.post(POST + "/submit", response_model=ApprovalOut)
def submit_post(post_id: int, access: Editor, store: StoreDep) -> ApprovalOut:
    """Ask for approval: the post waits as pending_approval."""
    pub = publishing_store(store)
    return _out(approval.submit(store, pub, access.workspace.id, post_id, access.user.id))


@router.post(POST + "/approve", response_model=ApprovalOut)
def approve_post(post_id: int, body: DecisionIn, access: Editor, store: StoreDep) -> ApprovalOut:
    """One approval step; approved once the rule's number of approvers agreed."""
    _checked(access, store, post_id)
    pub = publishing_store(store)
    done = approval.approve(store, pub, access.workspace.id, post_id, access.user.id, body.comment)
    return _out(done)


@router.post(POST + "/reject", response_model=ApprovalOut)
def reject_post(post_id: int, body: RejectIn, access: Editor, store: StoreDep) -> ApprovalOut:
    """Send the post back to draft with a comment."""
    _checked(access, store, post_id)
    pub = publishing_store(store)
    done = approval.reject(store, pub, access.workspace.id, post_id, access.user.id, body.comment)
    return _out(done)


@router.get(WS + "/publishing/approval", response_model=RuleOut)
def get_rule(access: Viewer, store: StoreDep) -> RuleOut:
    """Whether posts need approval, and by how many approvers."""
    rule = publishing_store(store).approval_rule(access.workspace.id)
    return RuleOut(required=rule.required, steps=rule.steps)


@router.put(WS + "/publishing/approval", response_model=RuleOut)
def put_rule(body: RuleIn, access: Admin, store: StoreDep) -> RuleOut:
    """Require approval (or not) and set the number of approvers (admins)."""
    pub = publishing_store(store)
    rule = approval.set_rule(
        store,
        pub,
        access.workspace.id,
        required=body.required,
        steps=body.steps,
        user_id=access.user.id,
    )
    return RuleOut(required=rule.required, steps=rule.steps)
