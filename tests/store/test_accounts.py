"""Accounts in the store, on SQLite and PostgreSQL: users, roles, tokens, links, audit, tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from resonanz.errors import ConflictError, NotFoundError, ValidationError
from resonanz.models import Workspace
from resonanz.store import SqlStore


def test_users_are_unique_by_normalised_email(store: SqlStore) -> None:
    user = store.accounts.create_user(" Ana@Example.ORG ", "Ana", "hash")
    assert user.email == "ana@example.org"
    with pytest.raises(ConflictError, match=r"ana@example\.org"):
        store.accounts.create_user("ana@example.org", "Other", "hash")
    with pytest.raises(ValidationError):
        store.accounts.create_user("not-an-address", "X", "hash")
    found = store.accounts.find_user("ANA@example.org")
    assert found is not None and found.id == user.id
    assert "hash" not in repr(found)


def test_new_password_bumps_the_session_version(store: SqlStore) -> None:
    user = store.accounts.create_user("a@b.de", "A", "h1")
    changed = store.accounts.update_user(user.id, password_hash="h2", locale="en")
    assert changed.session_version == user.session_version + 1
    assert changed.locale == "en" and changed.password_hash == "h2"


def test_roles_and_the_last_owner(store: SqlStore, ws: Workspace) -> None:
    owner = store.accounts.create_user("o@b.de", "O", "h")
    viewer = store.accounts.create_user("v@b.de", "V", "h")
    store.accounts.add_member(ws.id, owner.id, "owner")
    store.accounts.add_member(ws.id, viewer.id, "viewer")
    with pytest.raises(ValidationError, match="at least one owner"):
        store.accounts.remove_member(ws.id, owner.id)
    with pytest.raises(ValidationError, match="at least one owner"):
        store.accounts.add_member(ws.id, owner.id, "admin")
    with pytest.raises(ValidationError, match="unknown role"):
        store.accounts.add_member(ws.id, viewer.id, "superuser")
    store.accounts.add_member(ws.id, viewer.id, "owner")
    store.accounts.add_member(ws.id, owner.id, "admin")  # another owner remains
    roles = {u.email: m.role for u, m in store.accounts.members(ws.id)}
    assert roles == {"o@b.de": "admin", "v@b.de": "owner"}
    assert [w.slug for w, _ in store.accounts.workspaces_of(owner.id)] == [ws.slug]


def test_tokens_are_kept_hashed_and_die_with_the_membership(store: SqlStore, ws: Workspace) -> None:
    user = store.accounts.create_user("t@b.de", "T", "h")
    other = store.accounts.create_user("o@b.de", "O", "h")
    store.accounts.add_member(ws.id, other.id, "owner")
    store.accounts.add_member(ws.id, user.id, "editor")
    token, secret = store.accounts.create_token(user.id, ws.id, "ci")
    assert secret.startswith("rz_") and token.prefix == secret[:10]
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM api_tokens").scalar_one()
    assert secret not in stored
    assert store.accounts.token_for(secret) is not None
    assert store.accounts.token_for(secret + "x") is None
    store.accounts.remove_member(ws.id, user.id)
    assert store.accounts.token_for(secret) is None


def test_revoke_only_inside_the_workspace(store: SqlStore, ws: Workspace) -> None:
    user = store.accounts.create_user("t@b.de", "T", "h")
    token, secret = store.accounts.create_token(user.id, ws.id, "ci")
    elsewhere = store.create_workspace("elsewhere", "Elsewhere")
    with pytest.raises(NotFoundError):
        store.accounts.revoke_token(elsewhere.id, token.id)
    store.accounts.revoke_token(ws.id, token.id)
    assert store.accounts.token_for(secret) is None


def test_invitation_link_works_once(store: SqlStore, ws: Workspace) -> None:
    invitation, secret = store.accounts.invite(ws.id, "new@b.de", "analyst", None)
    assert store.accounts.invitation_for(secret) == invitation
    user = store.accounts.create_user("new@b.de", "New", "h")
    membership = store.accounts.accept_invitation(secret, user.id)
    assert membership.role == "analyst"
    assert store.accounts.invitation_for(secret) is None
    with pytest.raises(NotFoundError, match="invalid, used or expired"):
        store.accounts.accept_invitation(secret, user.id)


def test_expired_invitation_and_reset(store: SqlStore, ws: Workspace) -> None:
    _, secret = store.accounts.invite(ws.id, "x@b.de", "viewer", None, valid_for=timedelta(0))
    assert store.accounts.invitation_for(secret) is None
    user = store.accounts.create_user("r@b.de", "R", "h")
    expired = store.accounts.create_password_reset(user.id, valid_for=timedelta(seconds=-1))
    with pytest.raises(NotFoundError):
        store.accounts.reset_password(expired, "new")


def test_password_reset_works_once(store: SqlStore) -> None:
    user = store.accounts.create_user("r@b.de", "R", "h")
    secret = store.accounts.create_password_reset(user.id)
    changed = store.accounts.reset_password(secret, "new-hash")
    assert changed.password_hash == "new-hash"
    assert changed.session_version == user.session_version + 1
    with pytest.raises(NotFoundError):
        store.accounts.reset_password(secret, "again")


def test_audit_log_newest_first(store: SqlStore, ws: Workspace) -> None:
    user = store.accounts.create_user("a@b.de", "A", "h")
    store.accounts.audit(ws.id, user.id, "topic.create", "Brand", {"query": "bahn"})
    store.accounts.audit(ws.id, None, "source.remove", "Feed")
    entries = store.accounts.audit_entries(ws.id)
    assert [e.action for e in entries] == ["source.remove", "topic.create"]
    assert entries[1].user_email == "a@b.de" and entries[1].detail == {"query": "bahn"}


def test_tags_only_on_the_workspaces_mentions(
    store: SqlStore, ws: Workspace, make_mention: Any
) -> None:
    store.save_batch(ws.id, [make_mention("1"), make_mention("2")])
    other = store.create_workspace("other", "Other")
    store.save_batch(other.id, [make_mention("3")])
    mine = [m.id for m in store.iter_mentions(ws.id)]
    theirs = [m.id for m in store.iter_mentions(other.id)]
    assert store.accounts.tag_mentions(ws.id, [*mine, *theirs], "lead") == 2
    assert store.accounts.tag_mentions(ws.id, mine, "lead") == 0  # already tagged
    tags = store.accounts.tags_of([*mine, *theirs])
    assert set(tags) == set(mine) and all(t == ["lead"] for t in tags.values())
    with pytest.raises(ValidationError):
        store.accounts.tag_mentions(ws.id, mine, " ")
