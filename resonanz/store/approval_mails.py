"""The outbox of e-mails about approvals (``resonanz.publishing.approval_mail``): reads of
the approval decisions they are made from, queueing (one row per decision and recipient,
``ON CONFLICT DO NOTHING`` on the unique pair, so whatever runs concurrently or restarts a
decision is mailed to a person once), claiming and recording what was sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from resonanz.errors import StoreError
from resonanz.publishing.models import ApprovalDecision
from resonanz.store.publishing import decision_of
from resonanz.store.schema import approval_mails, post_approvals, users
from resonanz.store.transactions import TxStore

_m, _a = approval_mails.c, post_approvals.c


@dataclass(frozen=True)
class QueuedMail:
    """One e-mail to one member about one approval decision."""

    decision_id: int
    user_id: int
    kind: str  # approval_requested | approved | rejected
    subject: str
    body: str


@dataclass(frozen=True)
class ApprovalMail:
    """A queued e-mail as stored, with the recipient's current address."""

    id: int
    workspace_id: int
    decision_id: int
    user_id: int
    email: str
    kind: str
    subject: str
    body: str
    status: str  # pending | sent | failed
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class ApprovalMailStore(TxStore):
    """Reads and writes of approval_mails (and reads of post_approvals)."""

    def decisions_since(self, since: datetime) -> list[tuple[int, ApprovalDecision]]:
        """(workspace id, decision) of every approval step made at or after ``since``,
        oldest first."""
        with self._read("reading approval decisions") as conn:
            rows = conn.execute(
                sa.select(post_approvals).where(_a.created_at >= since).order_by(_a.id)
            ).all()
        return [(int(r.workspace_id), decision_of(r)) for r in rows]

    def queued_decisions(self, decision_ids: Iterable[int]) -> set[int]:
        """The decisions among ``decision_ids`` whose e-mails were queued."""
        ids = list(decision_ids)
        if not ids:
            return set()
        with self._read("reading queued approval e-mails") as conn:
            found = conn.execute(
                sa.select(_m.decision_id).where(_m.decision_id.in_(ids)).distinct()
            ).scalars()
            return {int(i) for i in found}

    def queue(self, workspace_id: int, mails: Sequence[QueuedMail], *, at: datetime) -> int:
        """Queue each e-mail once per (decision, recipient), in one transaction; returns
        how many were added."""
        added = 0
        with self._write("queueing approval e-mails") as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            for mail in mails:
                stmt = (
                    dialect.insert(approval_mails)
                    .values(
                        workspace_id=workspace_id,
                        decision_id=mail.decision_id,
                        user_id=mail.user_id,
                        kind=mail.kind,
                        subject=mail.subject[:300],
                        body=mail.body,
                        status="pending",
                        attempts=0,
                        next_attempt_at=at,
                        created_at=at,
                    )
                    .on_conflict_do_nothing(index_elements=["decision_id", "user_id"])
                    .returning(_m.id)
                )
                added += len(conn.execute(stmt).all())
        return added

    def _mails(self, cond: sa.ColumnElement[bool], limit: int | None) -> list[ApprovalMail]:
        stmt = (
            sa.select(*approval_mails.c, users.c.email)
            .join(users, users.c.id == _m.user_id)
            .where(cond)
            .order_by(_m.next_attempt_at, _m.id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read("reading approval e-mails") as conn:
            return [
                ApprovalMail(
                    **{c.name: getattr(r, c.name) for c in approval_mails.c}, email=r.email
                )
                for r in conn.execute(stmt)
            ]

    def due(self, now: datetime, *, limit: int = 100) -> list[ApprovalMail]:
        """Pending e-mails whose time has come, oldest first."""
        return self._mails(sa.and_(_m.status == "pending", _m.next_attempt_at <= now), limit)

    def of_workspace(self, workspace_id: int) -> list[ApprovalMail]:
        """Every e-mail of the workspace (any state)."""
        return self._mails(_m.workspace_id == workspace_id, None)

    def claim(self, mail_id: int, now: datetime, *, until: datetime) -> bool:
        """Take a due e-mail for sending (its next attempt moves to ``until``); False when
        another sender took it first. A sender that dies leaves it due at ``until``."""
        with self._write("claiming an approval e-mail") as conn:
            taken = conn.execute(
                sa.update(approval_mails)
                .where(_m.id == mail_id, _m.status == "pending", _m.next_attempt_at <= now)
                .values(next_attempt_at=until)
            ).rowcount
        return bool(taken)

    def record(
        self,
        mail_id: int,
        *,
        status: str,
        attempts: int,
        next_attempt_at: datetime,
        error: str | None,
        sent_at: datetime | None = None,
    ) -> None:
        with self._write("recording an approval e-mail") as conn:
            conn.execute(
                sa.update(approval_mails)
                .where(_m.id == mail_id)
                .values(
                    status=status,
                    attempts=attempts,
                    next_attempt_at=next_attempt_at,
                    last_error=error,
                    sent_at=sent_at,
                )
            )


def approval_mail_store(store: object) -> ApprovalMailStore:
    """The approval e-mail outbox of an open SqlStore (sharing its transactions)."""
    write = getattr(store, "_write", None)
    read = getattr(store, "_read", None)
    if write is None or read is None:
        raise StoreError(f"{store!r} is not a SQL store")
    return ApprovalMailStore(write, read)
