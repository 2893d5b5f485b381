"""Accounts: users, workspace roles, API tokens, invitations and the audit log (records).

Roles are ordered; each grants everything the roles below it grant:

    viewer    read everything in the workspace (overview, mentions, topics, sources)
    analyst   + export, tag mentions
    editor    + create and change topics and sources
    admin     + members, invitations, everyone's API tokens, workspace settings
    owner     + delete the workspace, make or remove owners

``approver`` is a flag beside the role, used by publishing to approve posts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from resonanz.errors import ValidationError

Role = Literal["viewer", "analyst", "editor", "admin", "owner"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "editor", "admin", "owner")
TOKEN_PREFIX = "rz_"


def role_rank(role: str) -> int:
    """0 for viewer up to 4 for owner; ValidationError for an unknown role."""
    try:
        return ROLES.index(role)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationError(
            f"unknown role {role!r} (expected one of {', '.join(ROLES)})"
        ) from None


def has_role(role: str, needed: str) -> bool:
    """True when ``role`` grants what ``needed`` grants."""
    return role_rank(role) >= role_rank(needed)


def new_secret() -> str:
    """A random URL-safe secret for tokens, invitations and reset links."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What the store keeps of a secret: its SHA-256 (secrets are random, so no salt)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Trimmed, lower-case e-mail address; ValidationError when it is not one."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 320:
        raise ValidationError(f"{email!r} is not an e-mail address")
    return email


@dataclass(frozen=True)
class User:
    """A person who logs in."""

    id: int
    email: str
    name: str
    locale: str | None
    is_admin: bool
    session_version: int
    created_at: datetime
    password_hash: str = field(default="", repr=False)


@dataclass(frozen=True)
class Membership:
    """A user's role in one workspace."""

    workspace_id: int
    user_id: int
    role: str
    approver: bool = False


@dataclass(frozen=True)
class ApiToken:
    """A user's API token for one workspace; the secret itself is shown once and not kept."""

    id: int
    user_id: int
    workspace_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Invitation:
    """An invitation to join a workspace with a role."""

    id: int
    workspace_id: int
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """Who changed what, when."""

    id: int
    workspace_id: int | None
    user_id: int | None
    user_email: str | None
    action: str
    target: str
    detail: dict[str, Any]
    at: datetime
