"""Members, invitations and API tokens for the web layer: the rules pages and API share.

Admins manage members; only owners may make, change or remove owners. Everyone manages
their own API tokens; admins may also revoke everyone's.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from resonanz.accounts import ROLES, ApiToken, Invitation, Membership, User
from resonanz.config import Settings
from resonanz.errors import NotFoundError, ValidationError
from resonanz.store import Store
from resonanz.web.deps import Access, Forbidden
from resonanz.web.i18n import gettext as _
from resonanz.web.mail import MailError, send_mail
from resonanz.web.routes.auth import public_url


@dataclass(frozen=True)
class SentInvitation:
    """A new invitation: mailed, or its link to show once (or both, when mail failed)."""

    invitation: Invitation
    link: str
    mailed: bool
    mail_error: str = ""


def check_role(role: str) -> str:
    """The role if known; a translated ValidationError otherwise."""
    if role not in ROLES:
        raise ValidationError(_("Please choose a role."))
    return role


def _member(store: Store, workspace_id: int, user_id: int) -> tuple[User, Membership]:
    for user, membership in store.accounts.members(workspace_id):
        if user.id == user_id:
            return user, membership
    raise NotFoundError(f"user {user_id} is not a member of this workspace")


def _owners_only(access: Access, *roles: str) -> None:
    if "owner" in roles and not access.can("owner"):
        raise Forbidden(_("Only owners may make or remove owners."))


def change_member(
    store: Store, access: Access, user_id: int, role: str, approver: bool | None = None
) -> Membership:
    """Give a member another role (and approver flag); the last owner keeps ownership."""
    user, current = _member(store, access.workspace.id, user_id)
    _owners_only(access, check_role(role), current.role)
    flag = current.approver if approver is None else approver
    try:
        changed = store.accounts.add_member(access.workspace.id, user_id, role, approver=flag)
    except ValidationError:
        raise ValidationError(_("A workspace keeps at least one owner.")) from None
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "member.update",
        user.email,
        {"role": role, "approver": flag, "was": current.role},
    )
    return changed


def remove_member(store: Store, access: Access, user_id: int) -> None:
    """Take a member out of the workspace (their tokens here are revoked)."""
    user, current = _member(store, access.workspace.id, user_id)
    _owners_only(access, current.role)
    try:
        store.accounts.remove_member(access.workspace.id, user_id)
    except ValidationError:
        raise ValidationError(_("A workspace keeps at least one owner.")) from None
    store.accounts.audit(access.workspace.id, access.user.id, "member.remove", user.email)


def invite(
    request: Request, store: Store, settings: Settings, access: Access, email: str, role: str
) -> SentInvitation:
    """Invite an address with a role; mail the link when SMTP is set up."""
    _owners_only(access, check_role(role))
    try:
        invitation, secret = store.accounts.invite(access.workspace.id, email, role, access.user.id)
    except ValidationError:
        raise ValidationError(_("Please enter a valid e-mail address.")) from None
    store.accounts.audit(
        access.workspace.id, access.user.id, "member.invite", invitation.email, {"role": role}
    )
    link = f"{public_url(settings, request)}/invite/{secret}"
    if not settings.smtp_url:
        return SentInvitation(invitation, link, mailed=False)
    body = _("You are invited to the workspace '%(name)s' on Resonanz. To join, open:") % {
        "name": access.workspace.name
    }
    try:
        send_mail(
            settings,
            invitation.email,
            _("Invitation to Resonanz"),
            f"{body}\n\n{link}\n\n" + _("The link works once, for seven days."),
        )
    except MailError as exc:
        return SentInvitation(invitation, link, mailed=False, mail_error=str(exc))
    return SentInvitation(invitation, link, mailed=True)


def visible_tokens(store: Store, access: Access) -> list[ApiToken]:
    """The caller's tokens in this workspace; an admin's view has everyone's."""
    user_id = None if access.can("admin") else access.user.id
    return store.accounts.list_tokens(access.workspace.id, user_id)


def create_token(store: Store, access: Access, name: str) -> tuple[ApiToken, str]:
    """A new token of the caller's for this workspace and its secret (shown once)."""
    if not name.strip():
        raise ValidationError(_("Please enter a name."))
    token, secret = store.accounts.create_token(access.user.id, access.workspace.id, name)
    store.accounts.audit(access.workspace.id, access.user.id, "token.create", token.name)
    return token, secret


def revoke_token(store: Store, access: Access, token_id: int) -> ApiToken:
    """Revoke one of the caller's tokens (admins: anyone's); others are "not found"."""
    if not any(t.id == token_id for t in visible_tokens(store, access)):
        raise NotFoundError(f"API token {token_id} does not exist in this workspace")
    token = store.accounts.revoke_token(access.workspace.id, token_id)
    store.accounts.audit(access.workspace.id, access.user.id, "token.revoke", token.name)
    return token
