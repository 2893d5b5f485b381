"""REST: members, invitations, API tokens and the audit log of a workspace."""

from __future__ import annotations

from fastapi import APIRouter, Request

from resonanz.accounts import ApiToken, Invitation, Membership, User
from resonanz.web import members_admin
from resonanz.web.api.models import (
    ERRORS,
    AuditOut,
    InvitationIn,
    InvitationOut,
    InvitationSent,
    MemberOut,
    MemberPatch,
    TokenCreated,
    TokenIn,
    TokenOut,
)
from resonanz.web.deps import Admin, SettingsDep, StoreDep, Viewer

router = APIRouter(tags=["members"], responses=ERRORS)
WS = "/workspaces/{slug}"


def _member(user: User, membership: Membership) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        approver=membership.approver,
    )


def _invitation(inv: Invitation) -> InvitationOut:
    return InvitationOut(
        id=inv.id,
        email=inv.email,
        role=inv.role,
        created_at=inv.created_at,
        expires_at=inv.expires_at,
    )


def _token(token: ApiToken) -> TokenOut:
    return TokenOut.model_validate(token, from_attributes=True)


@router.get(WS + "/members", response_model=list[MemberOut])
def list_members(access: Viewer, store: StoreDep) -> list[MemberOut]:
    """The workspace's members with their roles."""
    return [_member(u, m) for u, m in store.accounts.members(access.workspace.id)]


@router.patch(WS + "/members/{user_id}", response_model=MemberOut)
def patch_member(user_id: int, body: MemberPatch, access: Admin, store: StoreDep) -> MemberOut:
    """Change a member's role (only owners make or demote owners; one owner always stays)."""
    members_admin.change_member(store, access, user_id, body.role, body.approver)
    user, membership = next(
        (u, m) for u, m in store.accounts.members(access.workspace.id) if u.id == user_id
    )
    return _member(user, membership)


@router.delete(WS + "/members/{user_id}", status_code=204)
def delete_member(user_id: int, access: Admin, store: StoreDep) -> None:
    """Remove a member (their tokens for this workspace are revoked)."""
    members_admin.remove_member(store, access, user_id)


@router.get(WS + "/invitations", response_model=list[InvitationOut])
def list_invitations(access: Admin, store: StoreDep) -> list[InvitationOut]:
    """Open invitations, newest first."""
    return [_invitation(i) for i in store.accounts.list_invitations(access.workspace.id)]


@router.post(WS + "/invitations", response_model=InvitationSent, status_code=201)
def create_invitation(
    body: InvitationIn, request: Request, access: Admin, store: StoreDep, settings: SettingsDep
) -> InvitationSent:
    """Invite an address; the link is e-mailed, or returned once when it was not."""
    sent = members_admin.invite(request, store, settings, access, body.email, body.role)
    return InvitationSent(
        **_invitation(sent.invitation).model_dump(),
        mailed=sent.mailed,
        link=None if sent.mailed else sent.link,
    )


@router.delete(WS + "/invitations/{invitation_id}", status_code=204)
def revoke_invitation(invitation_id: int, access: Admin, store: StoreDep) -> None:
    """Withdraw an open invitation (its link stops working)."""
    revoked = store.accounts.revoke_invitation(access.workspace.id, invitation_id)
    store.accounts.audit(access.workspace.id, access.user.id, "invitation.revoke", revoked.email)


@router.get(WS + "/tokens", response_model=list[TokenOut])
def list_tokens(access: Viewer, store: StoreDep) -> list[TokenOut]:
    """The caller's API tokens for this workspace (admins: everyone's)."""
    return [_token(t) for t in members_admin.visible_tokens(store, access)]


@router.post(WS + "/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenIn, access: Viewer, store: StoreDep) -> TokenCreated:
    """A new API token of the caller's; the secret is in this answer only."""
    token, secret = members_admin.create_token(store, access, body.name)
    return TokenCreated(**_token(token).model_dump(), secret=secret)


@router.delete(WS + "/tokens/{token_id}", status_code=204)
def delete_token(token_id: int, access: Viewer, store: StoreDep) -> None:
    """Revoke a token (own ones; admins: anyone's in the workspace)."""
    members_admin.revoke_token(store, access, token_id)


@router.get(WS + "/audit", response_model=list[AuditOut])
def audit_log(access: Admin, store: StoreDep, limit: int = 100) -> list[AuditOut]:
    """Who did what in the workspace, newest first."""
    entries = store.accounts.audit_entries(access.workspace.id, limit=max(1, min(limit, 1000)))
    return [AuditOut.model_validate(e, from_attributes=True) for e in entries]
