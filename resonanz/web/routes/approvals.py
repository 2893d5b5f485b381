"""The approvals queue: posts waiting for approval with their text per channel; approvers
(the approver flag, admins, owners) approve or reject with a comment, admins set the
workspace's rule (required, number of different approvers). The rules are those of
resonanz.publishing.approval, which also writes the audit entries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.errors import ConflictError, ValidationError
from resonanz.publishing import approval
from resonanz.web.deps import Access, Admin, Editor, Forbidden, StoreDep, Viewer
from resonanz.web.i18n import gettext as _
from resonanz.web.publishing_deps import Publishing, PublishingDep
from resonanz.web.templating import render

router = APIRouter()
FormStr = Annotated[str, Form()]


def _queue(store: StoreDep, publishing: Publishing, workspace_id: int) -> list[dict[str, Any]]:
    """Each waiting post with its channel texts and the approvals of its current round."""
    pub = publishing.pub
    waiting = [p for p in pub.list_posts(workspace_id) if p.approval == "pending_approval"]
    deliveries = pub.deliveries_of_posts(workspace_id, [p.id for p in waiting])
    names = {u.id: u.name or u.email for u, _m in store.accounts.members(workspace_id)}
    items = []
    for post in waiting:
        history = pub.approval_history(workspace_id, post.id)
        current = [h for h in history if h.round == post.approval_round]
        items.append(
            {
                "post": post,
                "texts": [
                    (d.channel_name, d.channel_kind, post.text_for(d.channel_id))
                    for d in deliveries[post.id]
                    if d.state != "canceled"
                ],
                "approved_by": [
                    names.get(h.user_id or 0, "?") for h in current if h.decision == "approved"
                ],
                "submitted_by": next(
                    (names.get(h.user_id or 0, "-") for h in current if h.decision == "submitted"),
                    "-",
                ),
            }
        )
    return items


def _page(
    request: Request,
    access: Access,
    store: StoreDep,
    publishing: Publishing,
    *,
    messages: dict[int, str] | None = None,
    status: int = 200,
) -> Response:
    ws = access.workspace.id
    context = {
        "nav": "publishing",
        "subnav": "approvals",
        "rule": publishing.pub.approval_rule(ws),
        "max_steps": approval.MAX_STEPS,
        "queue": _queue(store, publishing, ws),
        "may_approve": approval.may_approve(access.membership),
        "messages": messages or {},
    }
    return render(request, "approvals.html", context, status=status)


def _back(access: Access) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/approvals", status_code=303)


@router.get("/w/{slug}/approvals")
def approvals_page(
    request: Request, access: Viewer, store: StoreDep, publishing: PublishingDep
) -> Response:
    """Posts waiting for approval and the workspace's rule."""
    return _page(request, access, store, publishing)


def _decide(
    request: Request,
    access: Access,
    store: StoreDep,
    publishing: Publishing,
    post_id: int,
    comment: str,
    *,
    rejecting: bool,
) -> Response:
    publishing.pub.get_post(access.workspace.id, post_id)  # not found before forbidden
    if not approval.may_approve(access.membership):
        raise Forbidden(_("Only members with the approver flag, admins and owners may do this."))
    try:
        if rejecting:
            approval.reject(
                store, publishing.pub, access.workspace.id, post_id, access.user.id, comment
            )
        else:
            approval.approve(
                store, publishing.pub, access.workspace.id, post_id, access.user.id, comment
            )
    except (ValidationError, ConflictError) as exc:
        reason = _("Not done: %(reason)s") % {"reason": exc}
        if rejecting and not comment.strip():
            reason = _("A rejection needs a comment saying what to change.")
        code = 409 if isinstance(exc, ConflictError) else 422
        return _page(request, access, store, publishing, messages={post_id: reason}, status=code)
    return _back(access)


@router.post("/w/{slug}/approvals/{post_id}/approve")
def approve_post(
    request: Request,
    access: Editor,
    store: StoreDep,
    publishing: PublishingDep,
    post_id: int,
    comment: FormStr = "",
) -> Response:
    """One approval step (approved once the rule's number of approvers agreed)."""
    return _decide(request, access, store, publishing, post_id, comment, rejecting=False)


@router.post("/w/{slug}/approvals/{post_id}/reject")
def reject_post(
    request: Request,
    access: Editor,
    store: StoreDep,
    publishing: PublishingDep,
    post_id: int,
    comment: FormStr = "",
) -> Response:
    """Send the post back to draft with a comment (required)."""
    return _decide(request, access, store, publishing, post_id, comment, rejecting=True)


@router.post("/w/{slug}/approvals/rule")
def set_rule(
    request: Request,
    access: Admin,
    store: StoreDep,
    publishing: PublishingDep,
    required: FormStr = "",
    steps: FormStr = "1",
) -> Response:
    """Require approval (or not) and set how many different approvers a post needs."""
    try:
        count = int(steps)
    except ValueError:
        count = 0
    if not 1 <= count <= approval.MAX_STEPS:
        message = _("Steps must be a whole number from 1 to %(max)s.") % {"max": approval.MAX_STEPS}
        return _page(request, access, store, publishing, messages={0: message}, status=422)
    approval.set_rule(
        store,
        publishing.pub,
        access.workspace.id,
        required=required in ("1", "on", "true"),
        steps=count,
        user_id=access.user.id,
    )
    return _back(access)
