"""Users, memberships, API tokens, invitations, password resets, audit log, mention tags.

``SqlStore.accounts`` is an ``AccountStore`` sharing the store's engine and transactions.
Secrets (API tokens, invitation and reset links) are kept only as SHA-256 hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from resonanz.accounts import (
    TOKEN_PREFIX,
    ApiToken,
    AuditEntry,
    Invitation,
    Membership,
    User,
    new_secret,
    normalise_email,
    role_rank,
    secret_hash,
)
from resonanz.errors import ConflictError, NotFoundError, ValidationError
from resonanz.models import Workspace
from resonanz.store.bulk import chunks
from resonanz.store.schema import (
    api_tokens,
    audit_log,
    invitations,
    memberships,
    mention_tags,
    mentions,
    password_resets,
    users,
    workspaces,
)
from resonanz.store.transactions import TxStore


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        locale=row.locale,
        is_admin=bool(row.is_admin),
        session_version=row.session_version,
        created_at=row.created_at,
        password_hash=row.password_hash,
    )


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        workspace_id=row.workspace_id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _invitation(row: Row[Any]) -> Invitation:
    return Invitation(
        id=row.id,
        workspace_id=row.workspace_id,
        email=row.email,
        role=row.role,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
    )


class AccountStore(TxStore):
    """Accounts on the store's database; ``write``/``read`` are the store's transactions."""

    # -- users

    def create_user(
        self,
        email: str,
        name: str,
        password_hash: str,
        *,
        is_admin: bool = False,
        locale: str | None = None,
    ) -> User:
        """A new user; ConflictError when the e-mail address is taken."""
        email = normalise_email(email)
        if not name.strip():
            raise ValidationError("a user needs a name")
        now = datetime.now(UTC)
        with self._write(f"creating user {email}") as conn:
            try:
                row = conn.execute(
                    sa.insert(users)
                    .values(
                        email=email,
                        name=name.strip(),
                        password_hash=password_hash,
                        locale=locale,
                        is_admin=is_admin,
                        session_version=1,
                        created_at=now,
                    )
                    .returning(*users.c)
                ).one()
            except IntegrityError as exc:
                raise ConflictError(f"a user with the e-mail address {email} exists") from exc
        return _user(row)

    def get_user(self, user_id: int) -> User:
        """The user with this id; NotFoundError when there is none."""
        with self._read("reading a user") as conn:
            row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
        if row is None:
            raise NotFoundError(f"user {user_id} does not exist")
        return _user(row)

    def find_user(self, email: str) -> User | None:
        """The user with this e-mail address, or None."""
        try:
            email = normalise_email(email)
        except ValidationError:
            return None
        with self._read("reading a user") as conn:
            row = conn.execute(sa.select(users).where(users.c.email == email)).first()
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        """All users by e-mail address."""
        with self._read("listing users") as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.email)).all()
        return [_user(r) for r in rows]

    def update_user(
        self,
        user_id: int,
        *,
        name: str | None = None,
        locale: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        """Change name, locale or password; a new password ends all other sessions."""
        values: dict[str, Any] = {}
        if name is not None:
            if not name.strip():
                raise ValidationError("a user needs a name")
            values["name"] = name.strip()
        if locale is not None:
            values["locale"] = locale or None
        if password_hash is not None:
            values["password_hash"] = password_hash
            values["session_version"] = users.c.session_version + 1
        with self._write("updating a user") as conn:
            if values:
                conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))
            row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
        if row is None:
            raise NotFoundError(f"user {user_id} does not exist")
        return _user(row)

    # -- memberships

    def add_member(
        self, workspace_id: int, user_id: int, role: str, *, approver: bool = False
    ) -> Membership:
        """Give a user a role in a workspace (or change it)."""
        role_rank(role)
        with self._write("adding a member") as conn:
            current = conn.execute(
                sa.select(memberships.c.role).where(
                    memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
                )
            ).first()
            if current is None:
                conn.execute(
                    sa.insert(memberships).values(
                        workspace_id=workspace_id,
                        user_id=user_id,
                        role=role,
                        approver=approver,
                        created_at=datetime.now(UTC),
                    )
                )
            else:
                if current.role == "owner" and role != "owner":
                    _keep_an_owner(conn, workspace_id, user_id)
                conn.execute(
                    sa.update(memberships)
                    .where(
                        memberships.c.workspace_id == workspace_id,
                        memberships.c.user_id == user_id,
                    )
                    .values(role=role, approver=approver)
                )
        return Membership(workspace_id, user_id, role, approver)

    def remove_member(self, workspace_id: int, user_id: int) -> None:
        """Take a user out of a workspace; the last owner cannot be removed."""
        with self._write("removing a member") as conn:
            _keep_an_owner(conn, workspace_id, user_id)
            result = conn.execute(
                sa.delete(memberships).where(
                    memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
                )
            )
            if result.rowcount == 0:
                raise NotFoundError("that user is not a member of this workspace")
            conn.execute(
                sa.update(api_tokens)
                .where(
                    api_tokens.c.workspace_id == workspace_id,
                    api_tokens.c.user_id == user_id,
                    api_tokens.c.revoked_at.is_(None),
                )
                .values(revoked_at=datetime.now(UTC))
            )

    def membership(self, workspace_id: int, user_id: int) -> Membership | None:
        """The user's role in the workspace, or None."""
        with self._read("reading a membership") as conn:
            row = conn.execute(
                sa.select(memberships).where(
                    memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
                )
            ).first()
        if row is None:
            return None
        return Membership(row.workspace_id, row.user_id, row.role, bool(row.approver))

    def members(self, workspace_id: int) -> list[tuple[User, Membership]]:
        """The workspace's members with their roles, by e-mail address."""
        with self._read("listing members") as conn:
            rows = conn.execute(
                sa.select(users, memberships.c.role, memberships.c.approver)
                .join(memberships, memberships.c.user_id == users.c.id)
                .where(memberships.c.workspace_id == workspace_id)
                .order_by(users.c.email)
            ).all()
        return [(_user(r), Membership(workspace_id, r.id, r.role, bool(r.approver))) for r in rows]

    def rename_workspace(self, workspace_id: int, name: str) -> Workspace:
        """Change a workspace's display name (its slug stays)."""
        if not name.strip() or len(name.strip()) > 200:
            raise ValidationError("a workspace name needs 1 to 200 characters")
        with self._write("renaming a workspace") as conn:
            conn.execute(
                sa.update(workspaces)
                .where(workspaces.c.id == workspace_id)
                .values(name=name.strip())
            )
            row = conn.execute(sa.select(workspaces).where(workspaces.c.id == workspace_id)).first()
        if row is None:
            raise NotFoundError(f"workspace {workspace_id} does not exist")
        return Workspace(id=row.id, slug=row.slug, name=row.name, created_at=row.created_at)

    def workspaces_of(self, user_id: int) -> list[tuple[Workspace, Membership]]:
        """The workspaces a user belongs to, by name."""
        with self._read("listing workspaces") as conn:
            rows = conn.execute(
                sa.select(workspaces, memberships.c.role, memberships.c.approver)
                .join(memberships, memberships.c.workspace_id == workspaces.c.id)
                .where(memberships.c.user_id == user_id)
                .order_by(workspaces.c.name)
            ).all()
        return [
            (
                Workspace(id=r.id, slug=r.slug, name=r.name, created_at=r.created_at),
                Membership(r.id, user_id, r.role, bool(r.approver)),
            )
            for r in rows
        ]

    # -- API tokens

    def create_token(self, user_id: int, workspace_id: int, name: str) -> tuple[ApiToken, str]:
        """A new API token and its secret (shown once; only its hash is kept)."""
        if not name.strip():
            raise ValidationError("a token needs a name")
        secret = TOKEN_PREFIX + new_secret()
        now = datetime.now(UTC)
        with self._write("creating an API token") as conn:
            row = conn.execute(
                sa.insert(api_tokens)
                .values(
                    user_id=user_id,
                    workspace_id=workspace_id,
                    name=name.strip(),
                    token_hash=secret_hash(secret),
                    prefix=secret[:10],
                    created_at=now,
                )
                .returning(*api_tokens.c)
            ).one()
        return _token(row), secret

    def token_for(self, secret: str) -> ApiToken | None:
        """The live token with this secret (and note its use), or None."""
        now = datetime.now(UTC)
        with self._write("checking an API token") as conn:
            row = conn.execute(
                sa.select(api_tokens).where(
                    api_tokens.c.token_hash == secret_hash(secret),
                    api_tokens.c.revoked_at.is_(None),
                )
            ).first()
            if row is None:
                return None
            if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
                conn.execute(
                    sa.update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now)
                )
        return _token(row)

    def list_tokens(self, workspace_id: int, user_id: int | None = None) -> list[ApiToken]:
        """The workspace's tokens (one user's when user_id is given), newest first."""
        query = sa.select(api_tokens).where(api_tokens.c.workspace_id == workspace_id)
        if user_id is not None:
            query = query.where(api_tokens.c.user_id == user_id)
        with self._read("listing API tokens") as conn:
            rows = conn.execute(query.order_by(api_tokens.c.id.desc())).all()
        return [_token(r) for r in rows]

    def revoke_token(self, workspace_id: int, token_id: int) -> ApiToken:
        """Revoke a token of this workspace; NotFoundError when it has no such token."""
        with self._write("revoking an API token") as conn:
            row = conn.execute(
                sa.select(api_tokens).where(
                    api_tokens.c.id == token_id, api_tokens.c.workspace_id == workspace_id
                )
            ).first()
            if row is None:
                raise NotFoundError(f"API token {token_id} does not exist in this workspace")
            if row.revoked_at is None:
                conn.execute(
                    sa.update(api_tokens)
                    .where(api_tokens.c.id == token_id)
                    .values(revoked_at=datetime.now(UTC))
                )
        return _token(row)

    # -- invitations

    def invite(
        self,
        workspace_id: int,
        email: str,
        role: str,
        invited_by: int | None,
        *,
        valid_for: timedelta = timedelta(days=7),
    ) -> tuple[Invitation, str]:
        """A new invitation and its secret (for the link sent by e-mail)."""
        email = normalise_email(email)
        role_rank(role)
        secret = new_secret()
        now = datetime.now(UTC)
        with self._write("creating an invitation") as conn:
            row = conn.execute(
                sa.insert(invitations)
                .values(
                    workspace_id=workspace_id,
                    email=email,
                    role=role,
                    token_hash=secret_hash(secret),
                    invited_by=invited_by,
                    created_at=now,
                    expires_at=now + valid_for,
                )
                .returning(*invitations.c)
            ).one()
        return _invitation(row), secret

    def invitation_for(self, secret: str) -> Invitation | None:
        """The open (not accepted, not expired) invitation with this secret, or None."""
        with self._read("reading an invitation") as conn:
            row = conn.execute(
                sa.select(invitations).where(invitations.c.token_hash == secret_hash(secret))
            ).first()
        if row is None or row.accepted_at is not None or row.expires_at < datetime.now(UTC):
            return None
        return _invitation(row)

    def accept_invitation(self, secret: str, user_id: int) -> Membership:
        """Make the user a member with the invitation's role; the link works once."""
        now = datetime.now(UTC)
        with self._write("accepting an invitation") as conn:
            row = conn.execute(
                sa.select(invitations).where(invitations.c.token_hash == secret_hash(secret))
            ).first()
            if row is None or row.accepted_at is not None or row.expires_at < now:
                raise NotFoundError("this invitation is invalid, used or expired")
            conn.execute(
                sa.update(invitations).where(invitations.c.id == row.id).values(accepted_at=now)
            )
            exists = conn.execute(
                sa.select(memberships.c.role).where(
                    memberships.c.workspace_id == row.workspace_id,
                    memberships.c.user_id == user_id,
                )
            ).first()
            if exists is None:
                conn.execute(
                    sa.insert(memberships).values(
                        workspace_id=row.workspace_id,
                        user_id=user_id,
                        role=row.role,
                        approver=False,
                        created_at=now,
                    )
                )
                return Membership(row.workspace_id, user_id, row.role)
        return Membership(row.workspace_id, user_id, exists.role)

    def revoke_invitation(self, workspace_id: int, invitation_id: int) -> Invitation:
        """Withdraw an open invitation of this workspace (its link stops working)."""
        with self._write("revoking an invitation") as conn:
            row = conn.execute(
                sa.select(invitations).where(
                    invitations.c.id == invitation_id,
                    invitations.c.workspace_id == workspace_id,
                    invitations.c.accepted_at.is_(None),
                )
            ).first()
            if row is None:
                raise NotFoundError(f"invitation {invitation_id} is not open in this workspace")
            conn.execute(sa.delete(invitations).where(invitations.c.id == invitation_id))
        return _invitation(row)

    def list_invitations(self, workspace_id: int) -> list[Invitation]:
        """The workspace's open invitations, newest first."""
        with self._read("listing invitations") as conn:
            rows = conn.execute(
                sa.select(invitations)
                .where(
                    invitations.c.workspace_id == workspace_id,
                    invitations.c.accepted_at.is_(None),
                    invitations.c.expires_at > datetime.now(UTC),
                )
                .order_by(invitations.c.id.desc())
            ).all()
        return [_invitation(r) for r in rows]

    # -- password resets

    def create_password_reset(
        self, user_id: int, *, valid_for: timedelta = timedelta(hours=1)
    ) -> str:
        """A one-time reset secret for the user's e-mailed link."""
        secret = new_secret()
        now = datetime.now(UTC)
        with self._write("creating a password reset") as conn:
            conn.execute(
                sa.insert(password_resets).values(
                    token_hash=secret_hash(secret),
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + valid_for,
                )
            )
        return secret

    def reset_password(self, secret: str, password_hash: str) -> User:
        """Set a new password with a reset secret (once); ends the user's other sessions."""
        now = datetime.now(UTC)
        with self._write("resetting a password") as conn:
            row = conn.execute(
                sa.select(password_resets).where(
                    password_resets.c.token_hash == secret_hash(secret)
                )
            ).first()
            if row is None or row.used_at is not None or row.expires_at < now:
                raise NotFoundError("this reset link is invalid, used or expired")
            conn.execute(
                sa.update(password_resets)
                .where(password_resets.c.token_hash == row.token_hash)
                .values(used_at=now)
            )
            conn.execute(
                sa.update(users)
                .where(users.c.id == row.user_id)
                .values(password_hash=password_hash, session_version=users.c.session_version + 1)
            )
            user = conn.execute(sa.select(users).where(users.c.id == row.user_id)).one()
        return _user(user)

    # -- audit log

    def audit(
        self,
        workspace_id: int | None,
        user_id: int | None,
        action: str,
        target: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record who did what (detail must hold no secrets)."""
        with self._write("writing the audit log") as conn:
            conn.execute(
                sa.insert(audit_log).values(
                    workspace_id=workspace_id,
                    user_id=user_id,
                    action=action,
                    target=target[:300],
                    detail=detail or {},
                    at=datetime.now(UTC),
                )
            )

    def audit_entries(self, workspace_id: int, *, limit: int = 100) -> list[AuditEntry]:
        """The workspace's audit log, newest first."""
        with self._read("reading the audit log") as conn:
            rows = conn.execute(
                sa.select(audit_log, users.c.email)
                .outerjoin(users, users.c.id == audit_log.c.user_id)
                .where(audit_log.c.workspace_id == workspace_id)
                .order_by(audit_log.c.id.desc())
                .limit(limit)
            ).all()
        return [
            AuditEntry(
                id=r.id,
                workspace_id=r.workspace_id,
                user_id=r.user_id,
                user_email=r.email,
                action=r.action,
                target=r.target,
                detail=dict(r.detail or {}),
                at=r.at,
            )
            for r in rows
        ]

    # -- mention tags

    def tag_mentions(self, workspace_id: int, mention_ids: Sequence[int], tag: str) -> int:
        """Tag the workspace's mentions among mention_ids; returns how many got the tag."""
        tag = tag.strip()
        if not tag or len(tag) > 100:
            raise ValidationError("a tag needs 1 to 100 characters")
        with self._write("tagging mentions") as conn:
            ids = _own_mentions(conn, workspace_id, mention_ids)
            have = set(
                conn.execute(
                    sa.select(mention_tags.c.mention_id).where(
                        mention_tags.c.mention_id.in_(ids), mention_tags.c.tag == tag
                    )
                ).scalars()
            )
            new = [{"mention_id": i, "tag": tag} for i in ids if i not in have]
            if new:
                conn.execute(sa.insert(mention_tags), new)
        return len(new)

    def tags_of(self, mention_ids: Sequence[int]) -> dict[int, list[str]]:
        """mention id -> its tags, sorted."""
        out: dict[int, list[str]] = {}
        if not mention_ids:
            return out
        with self._read("reading tags") as conn:
            rows = conn.execute(
                sa.select(mention_tags)
                .where(mention_tags.c.mention_id.in_(list(mention_ids)))
                .order_by(mention_tags.c.tag)
            ).all()
        for row in rows:
            out.setdefault(row.mention_id, []).append(row.tag)
        return out


def _own_mentions(conn: Connection, workspace_id: int, ids: Sequence[int]) -> list[int]:
    """The ids among ``ids`` of mentions that belong to the workspace."""
    found: list[int] = []
    for chunk in chunks(dict.fromkeys(ids)):
        found.extend(
            conn.execute(
                sa.select(mentions.c.id).where(
                    mentions.c.workspace_id == workspace_id, mentions.c.id.in_(chunk)
                )
            ).scalars()
        )
    return found


def _keep_an_owner(conn: Connection, workspace_id: int, user_id: int) -> None:
    """ValidationError when user_id is the workspace's only owner."""
    owners = (
        conn.execute(
            sa.select(memberships.c.user_id).where(
                memberships.c.workspace_id == workspace_id, memberships.c.role == "owner"
            )
        )
        .scalars()
        .all()
    )
    if owners == [user_id]:
        raise ValidationError("a workspace keeps at least one owner")
