"""Publishing channels, posts and the outbox of deliveries; the pause switch.

Every change to a post raises its ``version`` inside a transaction that first locks the
post row (``FOR UPDATE`` on PostgreSQL; SQLite's write lock serialises all writers). The
scheduler's move of a delivery to ``sending`` takes the same lock and compares versions,
so an edit or delete either lands before it (the stale claim is released, nothing is
sent) or is refused while the text is on its way (ConflictError).

Claims: ``claim_due`` selects due rows ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
concurrent schedulers never claim the same row; on SQLite the claim runs under
``BEGIN IMMEDIATE``, the database's single-writer lock, so one claimer at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from resonanz.errors import ConflictError, NotFoundError, StoreError
from resonanz.publishing import states as st
from resonanz.publishing.models import (
    ApprovalDecision,
    ApprovalRule,
    Attempt,
    Delivery,
    MediaFile,
    Pause,
    Poll,
    Post,
    PostMedia,
    PublishChannel,
    Receipt,
    SentPart,
)
from resonanz.store import post_media as pm
from resonanz.store.schema import (
    post_approvals,
    post_deliveries,
    posts,
    publish_approval_rules,
    publish_channels,
    publish_pauses,
)
from resonanz.store.transactions import TxStore
from resonanz.store.types import UTCDateTime

_c, _p, _d = publish_channels.c, posts.c, post_deliveries.c
_a, _r = post_approvals.c, publish_approval_rules.c
PENDING, APPROVED, REJECTED = "pending_approval", "approved", "rejected"


def _needs_approval(workspace_id: Any) -> Any:
    """True (SQL) when the workspace's posts must be approved before publishing."""
    return (
        sa.exists()
        .where(_r.workspace_id == workspace_id, _r.required.is_(sa.true()))
        .correlate_except(publish_approval_rules)
    )


def _unapproved(workspace_id: Any) -> Any:
    """True (SQL) for a post that may not be published yet: its workspace requires
    approval and the post is not approved."""
    return sa.and_(_needs_approval(workspace_id), _p.approval != APPROVED)


def _channel(row: Row[Any]) -> PublishChannel:
    return PublishChannel(
        id=row.id,
        workspace_id=row.workspace_id,
        kind=row.kind,
        name=row.name,
        config=dict(row.config),
        has_secrets=row.secrets is not None,
        status=row.status,
        created_at=row.created_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        last_success_at=row.last_success_at,
    )


def _post(row: Row[Any], media: Sequence[PostMedia] = ()) -> Post:
    return Post(
        id=row.id,
        workspace_id=row.workspace_id,
        author_id=row.author_id,
        text=row.text,
        variants={int(k): str(v) for k, v in dict(row.variants).items()},
        status=row.status,
        scheduled_at=row.scheduled_at,
        timezone=row.timezone,
        local_time=row.local_time,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        approval=row.approval,
        approval_round=row.approval_round,
        approval_comment=row.approval_comment,
        thread=pm.thread_of(row.thread),
        poll=pm.poll_of(row.poll),
        media=tuple(media),
    )


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(**{column.name: getattr(row, column.name) for column in post_deliveries.c})


def decision_of(row: Row[Any]) -> ApprovalDecision:
    """A post_approvals row as a record."""
    return ApprovalDecision(
        id=row.id,
        post_id=row.post_id,
        round=row.round,
        user_id=row.user_id,
        decision=row.decision,
        comment=row.comment,
        version=row.version,
        created_at=row.created_at,
    )


def _lock_post(conn: Connection, post_id: int) -> Row[Any] | None:
    """Read the post row locked against concurrent edits and sends."""
    return conn.execute(sa.select(posts).where(_p.id == post_id).with_for_update()).first()


def _refuse_if_published(conn: Connection, post_id: int) -> None:
    """ConflictError when every delivery of the post is sent: a change would reach no
    channel."""
    unsent = conn.execute(
        sa.select(sa.func.count())
        .select_from(post_deliveries)
        .where(_d.post_id == post_id, _d.state != st.SENT)
    ).scalar_one()
    total = conn.execute(
        sa.select(sa.func.count()).select_from(post_deliveries).where(_d.post_id == post_id)
    ).scalar_one()
    if total and not unsent:
        raise ConflictError(f"post {post_id} is already published on every channel; edit it there")


def insert_post(
    conn: Connection,
    workspace_id: int,
    channels: Sequence[Any],
    *,
    state: str,
    at: datetime,
    due_at: datetime | None = None,
    **values: Any,
) -> int:
    """Insert a post in ``state`` (version 1) with one delivery per channel in the same
    state, due at ``due_at``; ``values`` are the post's other columns. ``channels`` are
    PublishChannel records or publish_channels rows (id, name, kind). Returns the post id."""
    post_id = int(
        conn.execute(
            sa.insert(posts)
            .values(
                workspace_id=workspace_id,
                status=state,
                version=1,
                created_at=at,
                updated_at=at,
                **values,
            )
            .returning(_p.id)
        ).scalar_one()
    )
    for channel in channels:
        conn.execute(
            sa.insert(post_deliveries).values(
                workspace_id=workspace_id,
                post_id=post_id,
                channel_id=channel.id,
                channel_name=channel.name,
                channel_kind=channel.kind,
                state=state,
                due_at=due_at,
                next_attempt_at=due_at,
                attempts=0,
                created_at=at,
                updated_at=at,
            )
        )
    return post_id


class PublishingStore(TxStore):
    """Reads and writes of the publishing tables."""

    # -- channels
    def add_channel(
        self,
        workspace_id: int,
        kind: str,
        name: str,
        config: Mapping[str, Any],
        secrets: str | None,
        *,
        at: datetime,
    ) -> PublishChannel:
        """Store a connected channel; ``secrets`` is already encrypted."""
        with self._write("adding a publishing channel") as conn:
            taken = conn.execute(
                sa.select(_c.id).where(_c.workspace_id == workspace_id, _c.name == name)
            ).first()
            if taken is not None:
                raise ConflictError(f"a publishing channel named {name!r} already exists")
            new_id = conn.execute(
                sa.insert(publish_channels)
                .values(
                    workspace_id=workspace_id,
                    kind=kind,
                    name=name,
                    config=dict(config),
                    secrets=secrets,
                    status="connected",
                    created_at=at,
                    last_success_at=at,
                )
                .returning(_c.id)
            ).scalar_one()
        return self.get_channel_by_id(int(new_id))

    def list_channels(self, workspace_id: int) -> list[PublishChannel]:
        with self._read("listing publishing channels") as conn:
            rows = conn.execute(
                sa.select(publish_channels).where(_c.workspace_id == workspace_id).order_by(_c.name)
            )
            return [_channel(r) for r in rows]

    def get_channel(self, workspace_id: int, name: str) -> PublishChannel:
        with self._read("reading a publishing channel") as conn:
            row = conn.execute(
                sa.select(publish_channels).where(_c.workspace_id == workspace_id, _c.name == name)
            ).first()
        if row is None:
            raise NotFoundError(f"no publishing channel named {name!r}")
        return _channel(row)

    def get_channel_by_id(self, channel_id: int) -> PublishChannel:
        with self._read("reading a publishing channel") as conn:
            row = conn.execute(sa.select(publish_channels).where(_c.id == channel_id)).first()
        if row is None:
            raise NotFoundError(f"no publishing channel with id {channel_id}")
        return _channel(row)

    def channel_secrets(self, channel_id: int) -> str | None:
        """The channel's encrypted secrets (decrypt with resonanz.secrets)."""
        with self._read("reading a publishing channel") as conn:
            value = conn.execute(sa.select(_c.secrets).where(_c.id == channel_id)).scalar()
        return None if value is None else str(value)

    def update_channel(
        self,
        channel_id: int,
        *,
        at: datetime,
        config: Mapping[str, Any] | None = None,
        secrets: str | None = None,
        error: str | None = None,
        status: str | None = None,
    ) -> PublishChannel:
        """Change a channel's config or credentials and record a check's result: no
        ``error`` is a success (``last_success_at``), an error is kept with its time."""
        values: dict[str, Any] = {}
        if config is not None:
            values["config"] = dict(config)
        if secrets is not None:
            values["secrets"] = secrets
        if status is not None:
            values["status"] = status
        if error is None:
            values["last_success_at"] = at
        else:
            values.update(last_error=error, last_error_at=at)
        with self._write("updating a publishing channel") as conn:
            conn.execute(sa.update(publish_channels).where(_c.id == channel_id).values(**values))
        return self.get_channel_by_id(channel_id)

    def all_channels(self) -> list[PublishChannel]:
        """Every workspace's channels (for the scheduler's expiry and refresh pass)."""
        with self._read("listing publishing channels") as conn:
            rows = conn.execute(sa.select(publish_channels).order_by(_c.id))
            return [_channel(r) for r in rows]

    def refresh_channel(
        self,
        channel_id: int,
        refresh: Callable[[PublishChannel, str | None], tuple[Mapping[str, Any], str] | None],
        *,
        at: datetime,
    ) -> PublishChannel:
        """Run ``refresh`` on the channel and its encrypted secrets while holding the
        channel's row lock (``FOR UPDATE`` on PostgreSQL, the write lock on SQLite), so
        one refresh runs at a time per channel; what it returns (new config and
        encrypted secrets) replaces the old in the same transaction. ``refresh`` returns
        None when nothing needs doing (another process refreshed meanwhile); when it
        raises, nothing is written."""
        with self._write("refreshing a channel's credentials") as conn:
            row = conn.execute(
                sa.select(publish_channels).where(_c.id == channel_id).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no publishing channel with id {channel_id}")
            changed = refresh(_channel(row), row.secrets)
            if changed is not None:
                config, sealed = changed
                conn.execute(
                    sa.update(publish_channels)
                    .where(_c.id == channel_id)
                    .values(config=dict(config), secrets=sealed, last_success_at=at)
                )
        return self.get_channel_by_id(channel_id)

    def remove_channel(self, workspace_id: int, name: str, *, at: datetime) -> int:
        """Remove a channel; its unsent deliveries are canceled (kept, with the reason).
        Returns how many were canceled. Refused while one is being sent."""
        channel = self.get_channel(workspace_id, name)
        with self._write("removing a publishing channel") as conn:
            busy = conn.execute(
                sa.select(sa.func.count())
                .select_from(post_deliveries)
                .where(
                    _d.channel_id == channel.id,
                    _d.state == st.SENDING,
                    _d.claimed_until >= at,
                )
            ).scalar_one()
            if busy:
                raise ConflictError(
                    f"a post is being published to {name!r} right now; try again in a minute"
                )
            canceled = conn.execute(
                sa.update(post_deliveries)
                .where(
                    _d.channel_id == channel.id,
                    _d.state.notin_((st.SENT, st.CANCELED)),
                )
                .values(
                    state=st.CANCELED,
                    claimed_by=None,
                    claimed_until=None,
                    last_error=f"the channel {name!r} was removed",
                    last_error_at=at,
                    updated_at=at,
                )
            ).rowcount
            conn.execute(sa.delete(publish_channels).where(_c.id == channel.id))
        return int(canceled or 0)

    # -- posts
    def create_post(
        self,
        workspace_id: int,
        *,
        text: str,
        variants: Mapping[int, str],
        channels: Sequence[PublishChannel],
        author_id: int | None,
        timezone: str,
        at: datetime,
        thread: Sequence[str] = (),
        poll: Poll | None = None,
        media: Sequence[tuple[Any, bytes, str]] = (),
    ) -> Post:
        """Store a draft post with one draft delivery per channel, its thread parts, poll
        and images ((ImageInfo, bytes, alt text), checked by publishing.media)."""
        with self._write("creating a post") as conn:
            post_id = insert_post(
                conn,
                workspace_id,
                channels,
                state=st.DRAFT,
                at=at,
                text=text,
                variants={str(k): v for k, v in variants.items()},
                author_id=author_id,
                timezone=timezone,
                thread=list(thread) or None,
                poll=pm.poll_json(poll),
            )
            pm.insert_media(conn, workspace_id, post_id, media, at=at)
        return self.get_post(workspace_id, int(post_id))

    def get_post(self, workspace_id: int, post_id: int) -> Post:
        with self._read("reading a post") as conn:
            row = conn.execute(
                sa.select(posts).where(_p.id == post_id, _p.workspace_id == workspace_id)
            ).first()
            media = pm.media_of_posts(conn, [post_id]).get(post_id, ())
        if row is None:
            raise NotFoundError(f"no post with id {post_id}")
        return _post(row, media)

    def list_posts(self, workspace_id: int, *, include_deleted: bool = False) -> list[Post]:
        cond = _p.workspace_id == workspace_id
        if not include_deleted:
            cond = sa.and_(cond, _p.status != "deleted")
        with self._read("listing posts") as conn:
            rows = conn.execute(
                sa.select(posts)
                .where(cond)
                .order_by(_p.scheduled_at.is_(None), _p.scheduled_at, _p.id)
            ).all()
            media = pm.media_of_posts(conn, [r.id for r in rows])
            return [_post(r, media.get(r.id, ())) for r in rows]

    def deliveries(
        self,
        workspace_id: int,
        *,
        post_id: int | None = None,
        states: Iterable[str] | None = None,
    ) -> list[Delivery]:
        """Deliveries of a workspace (one post, some states), oldest first."""
        cond = _d.workspace_id == workspace_id
        if post_id is not None:
            cond = sa.and_(cond, _d.post_id == post_id)
        if states is not None:
            cond = sa.and_(cond, _d.state.in_(tuple(states)))
        with self._read("listing deliveries") as conn:
            rows = conn.execute(sa.select(post_deliveries).where(cond).order_by(_d.id))
            return [_delivery(r) for r in rows]

    def scheduled_between(self, workspace_id: int, start: datetime, end: datetime) -> list[Post]:
        """Scheduled posts whose time lies in [start, end), earliest first (the calendar)."""
        with self._read("listing scheduled posts") as conn:
            rows = conn.execute(
                sa.select(posts)
                .where(_p.workspace_id == workspace_id, _p.status == st.SCHEDULED)
                .where(_p.scheduled_at >= start, _p.scheduled_at < end)
                .order_by(_p.scheduled_at, _p.id)
            )
            return [_post(r) for r in rows]

    def deliveries_of_posts(
        self, workspace_id: int, post_ids: Iterable[int]
    ) -> dict[int, list[Delivery]]:
        """The deliveries of these posts, by post id (one query for a page of posts)."""
        wanted = tuple(post_ids)
        found: dict[int, list[Delivery]] = {post_id: [] for post_id in wanted}
        if not wanted:
            return found
        with self._read("listing deliveries") as conn:
            rows = conn.execute(
                sa.select(post_deliveries)
                .where(_d.workspace_id == workspace_id, _d.post_id.in_(wanted))
                .order_by(_d.id)
            )
            for row in rows:
                found[row.post_id].append(_delivery(row))
        return found

    def latest_deliveries(
        self, workspace_id: int, *, states: Iterable[str], limit: int
    ) -> list[Delivery]:
        """The ``limit`` most recently changed deliveries in these states, newest first."""
        with self._read("listing deliveries") as conn:
            rows = conn.execute(
                sa.select(post_deliveries)
                .where(_d.workspace_id == workspace_id, _d.state.in_(tuple(states)))
                .order_by(_d.updated_at.desc(), _d.id.desc())
                .limit(limit)
            )
            return [_delivery(r) for r in rows]

    def get_delivery(self, delivery_id: int) -> Delivery:
        with self._read("reading a delivery") as conn:
            row = conn.execute(sa.select(post_deliveries).where(_d.id == delivery_id)).first()
        if row is None:
            raise NotFoundError(f"no delivery with id {delivery_id}")
        return _delivery(row)

    def _changing_post(
        self, conn: Connection, workspace_id: int, post_id: int, at: datetime, doing: str
    ) -> Row[Any]:
        """Lock the post for a change; refuse while one of its deliveries is being sent.
        A ``sending`` row whose lease ran out (its scheduler died) becomes in doubt and
        is released to ``scheduled``, so the change can go ahead."""
        row = _lock_post(conn, post_id)
        if row is None or row.workspace_id != workspace_id:
            raise NotFoundError(f"no post with id {post_id}")
        if row.status == "deleted":
            raise ConflictError(f"post {post_id} was deleted")
        sending = conn.execute(
            sa.select(post_deliveries).where(_d.post_id == post_id, _d.state == st.SENDING)
        ).all()
        for delivery in sending:
            if delivery.claimed_until is not None and delivery.claimed_until >= at:
                raise ConflictError(
                    f"post {post_id} is being published to {delivery.channel_name!r} right "
                    f"now, so it cannot be {doing}; try again in a minute"
                )
            conn.execute(
                sa.update(post_deliveries)
                .where(_d.id == delivery.id)
                .values(
                    state=st.SCHEDULED,
                    claimed_by=None,
                    claimed_until=None,
                    doubt_version=delivery.claimed_version,
                    doubt_at=delivery.updated_at,
                    updated_at=at,
                )
            )
        return row

    def edit_post(
        self,
        workspace_id: int,
        post_id: int,
        *,
        text: str,
        variants: Mapping[int, str],
        at: datetime,
        to_draft: bool = False,
        extras: tuple[Sequence[str], Poll | None] | None = None,
    ) -> Post:
        """Change the text (and, with ``extras``, the thread parts and the poll); the
        version goes up, so a claim of the old text is stale.
        ``to_draft``: the new text does not fit a channel, so the post goes back to draft
        (its scheduled deliveries too) until it is fixed."""
        with self._write("editing a post") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "edited")
            _refuse_if_published(conn, post_id)
            conn.execute(
                sa.update(posts)
                .where(_p.id == post_id)
                .values(
                    text=text,
                    variants={str(k): v for k, v in variants.items()},
                    version=row.version + 1,
                    updated_at=at,
                    **({"status": st.DRAFT} if to_draft else {}),
                    **(
                        {"thread": list(extras[0]) or None, "poll": pm.poll_json(extras[1])}
                        if extras is not None
                        else {}
                    ),
                    # An approval (or approvals given so far) was for the old text.
                    **(
                        {"approval": PENDING, "approval_round": row.approval_round + 1}
                        if row.approval in (PENDING, APPROVED)
                        else {}
                    ),
                )
            )
            if to_draft:
                conn.execute(
                    sa.update(post_deliveries)
                    .where(_d.post_id == post_id, _d.state.in_((st.SCHEDULED, st.CLAIMED)))
                    .values(state=st.DRAFT, claimed_by=None, claimed_until=None, updated_at=at)
                )
        return self.get_post(workspace_id, post_id)

    def schedule_post(
        self,
        workspace_id: int,
        post_id: int,
        *,
        scheduled_at: datetime,
        timezone: str,
        local_time: str | None,
        at: datetime,
    ) -> Post:
        """Schedule the post's unsent deliveries for ``scheduled_at`` (failed and
        needs-attention ones too: a user asking again is the retry)."""
        with self._write("scheduling a post") as conn:
            self._changing_post(conn, workspace_id, post_id, at, "rescheduled")
            # The text is unchanged, so the version (and the idempotency keys) stay.
            conn.execute(
                sa.update(posts)
                .where(_p.id == post_id)
                .values(
                    status=st.SCHEDULED,
                    scheduled_at=scheduled_at,
                    timezone=timezone,
                    local_time=local_time,
                    updated_at=at,
                )
            )
            movable = sa.and_(_d.post_id == post_id, _d.channel_id.is_not(None))
            values: dict[str, Any] = {
                "state": st.SCHEDULED,
                "due_at": scheduled_at,
                "next_attempt_at": scheduled_at,
                "claimed_by": None,
                "claimed_until": None,
                "overdue_reported_at": None,
                "updated_at": at,
            }
            # A claim taken for the old time is released (its sender finds it gone).
            conn.execute(
                sa.update(post_deliveries)
                .where(movable, _d.state.in_((st.DRAFT, st.SCHEDULED, st.CLAIMED)))
                .values(**values)
            )
            # Asking again after a failure is the user's retry, and their word that an
            # attempt of unknown outcome did not publish (they were told to check).
            conn.execute(
                sa.update(post_deliveries)
                .where(movable, _d.state.in_((st.FAILED, st.NEEDS_ATTENTION, st.CANCELED)))
                .values(attempts=0, doubt_version=None, doubt_at=None, **values)
            )
        return self.get_post(workspace_id, post_id)

    def delete_post(self, workspace_id: int, post_id: int, *, at: datetime) -> int:
        """Mark the post deleted and cancel its unsent deliveries (how many: returned).
        What was already published stays published."""
        with self._write("deleting a post") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "deleted")
            conn.execute(
                sa.update(posts)
                .where(_p.id == post_id)
                .values(status="deleted", version=row.version + 1, updated_at=at)
            )
            canceled = conn.execute(
                sa.update(post_deliveries)
                .where(_d.post_id == post_id, _d.state.notin_((st.SENT, st.CANCELED)))
                .values(
                    state=st.CANCELED,
                    claimed_by=None,
                    claimed_until=None,
                    last_error="the post was deleted",
                    last_error_at=at,
                    updated_at=at,
                )
            ).rowcount
        return int(canceled or 0)

    # -- approvals
    def approval_rule(self, workspace_id: int) -> ApprovalRule:
        """The workspace's approval rule (not required, one step, when never set)."""
        with self._read("reading the approval rule") as conn:
            row = conn.execute(
                sa.select(publish_approval_rules).where(_r.workspace_id == workspace_id)
            ).first()
        if row is None:
            return ApprovalRule(workspace_id)
        return ApprovalRule(workspace_id, bool(row.required), int(row.steps))

    def set_approval_rule(self, workspace_id: int, *, required: bool, steps: int) -> ApprovalRule:
        with self._write("setting the approval rule") as conn:
            changed = conn.execute(
                sa.update(publish_approval_rules)
                .where(_r.workspace_id == workspace_id)
                .values(required=required, steps=steps)
            ).rowcount
            if not changed:
                conn.execute(
                    sa.insert(publish_approval_rules).values(
                        workspace_id=workspace_id, required=required, steps=steps
                    )
                )
        return self.approval_rule(workspace_id)

    def _record(
        self,
        conn: Connection,
        row: Row[Any],
        *,
        round_: int,
        user_id: int | None,
        decision: str,
        comment: str | None,
        at: datetime,
    ) -> None:
        conn.execute(
            sa.insert(post_approvals).values(
                workspace_id=row.workspace_id,
                post_id=row.id,
                round=round_,
                user_id=user_id,
                decision=decision,
                comment=comment,
                version=row.version,
                created_at=at,
            )
        )

    def submit_post(
        self, workspace_id: int, post_id: int, *, user_id: int | None, at: datetime
    ) -> Post:
        """Ask for approval: the post becomes ``pending_approval`` in a new round."""
        with self._write("submitting a post for approval") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "submitted")
            if row.approval == PENDING:
                raise ConflictError(f"post {post_id} is already waiting for approval")
            if row.approval == APPROVED:
                raise ConflictError(f"post {post_id} is already approved")
            round_ = row.approval_round + 1
            conn.execute(
                sa.update(posts)
                .where(_p.id == post_id)
                .values(approval=PENDING, approval_round=round_, updated_at=at)
            )
            self._record(
                conn,
                row,
                round_=round_,
                user_id=user_id,
                decision="submitted",
                comment=None,
                at=at,
            )
        return self.get_post(workspace_id, post_id)

    def approve_post(
        self,
        workspace_id: int,
        post_id: int,
        *,
        user_id: int,
        comment: str | None,
        steps: int,
        at: datetime,
    ) -> Post:
        """Record one approver's approval of the current round; the post is approved
        once ``steps`` different approvers approved it."""
        with self._write("approving a post") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "approved")
            if row.approval != PENDING:
                raise ConflictError(
                    f"post {post_id} is not waiting for approval (it is {row.approval}); "
                    f"submit it first"
                )
            already = conn.execute(
                sa.select(_a.user_id)
                .where(_a.post_id == post_id, _a.round == row.approval_round)
                .where(_a.decision == APPROVED)
            ).scalars()
            approvers = {int(u) for u in already if u is not None}
            if user_id in approvers:
                raise ConflictError(
                    f"you already approved post {post_id}; it needs {steps} different approvers"
                )
            self._record(
                conn,
                row,
                round_=row.approval_round,
                user_id=user_id,
                decision=APPROVED,
                comment=comment,
                at=at,
            )
            if len(approvers) + 1 >= steps:
                conn.execute(
                    sa.update(posts)
                    .where(_p.id == post_id)
                    .values(approval=APPROVED, approval_comment=comment, updated_at=at)
                )
        return self.get_post(workspace_id, post_id)

    def reject_post(
        self, workspace_id: int, post_id: int, *, user_id: int, comment: str, at: datetime
    ) -> Post:
        """Send the post back to draft with the approver's comment (kept on the post
        and in its history); its scheduled deliveries go back to draft too."""
        with self._write("rejecting a post") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "rejected")
            if row.approval not in (PENDING, APPROVED):
                raise ConflictError(
                    f"post {post_id} is not waiting for approval (it is {row.approval})"
                )
            self._record(
                conn,
                row,
                round_=row.approval_round,
                user_id=user_id,
                decision=REJECTED,
                comment=comment,
                at=at,
            )
            conn.execute(
                sa.update(posts)
                .where(_p.id == post_id)
                .values(approval=REJECTED, approval_comment=comment, status=st.DRAFT, updated_at=at)
            )
            conn.execute(
                sa.update(post_deliveries)
                .where(_d.post_id == post_id, _d.state.in_((st.SCHEDULED, st.CLAIMED)))
                .values(state=st.DRAFT, claimed_by=None, claimed_until=None, updated_at=at)
            )
        return self.get_post(workspace_id, post_id)

    def approval_history(self, workspace_id: int, post_id: int) -> list[ApprovalDecision]:
        """The post's submissions and decisions, oldest first."""
        with self._read("reading a post's approvals") as conn:
            rows = conn.execute(
                sa.select(post_approvals)
                .where(_a.workspace_id == workspace_id, _a.post_id == post_id)
                .order_by(_a.id)
            ).all()
        return [decision_of(r) for r in rows]

    def awaits_approval(self, workspace_id: int, post_id: int) -> bool:
        """True when the post may not be published until it is approved."""
        with self._read("reading a post's approval") as conn:
            value = conn.execute(
                sa.select(_unapproved(workspace_id)).where(_p.id == post_id)
            ).scalar()
        return bool(value)

    # -- the outbox
    def claim_due(
        self, runner: str, *, now: datetime, lease_s: float, limit: int = 10
    ) -> list[Delivery]:
        """Claim up to ``limit`` deliveries that are due (or whose lease ran out) in
        workspaces that are not paused, for channels that are connected, of posts that
        are approved where the workspace requires approval."""
        due = sa.and_(_d.state == st.SCHEDULED, _d.next_attempt_at <= now)
        expired = sa.and_(_d.state.in_((st.CLAIMED, st.SENDING)), _d.claimed_until < now)
        paused = sa.exists().where(publish_pauses.c.workspace_id == _d.workspace_id)
        stmt = (
            sa.select(_d.id, _d.state, _d.claimed_version, _d.updated_at, _p.version)
            .select_from(
                post_deliveries.join(posts, _p.id == _d.post_id).join(
                    publish_channels, _c.id == _d.channel_id
                )
            )
            .where(sa.or_(due, expired), _p.status == st.SCHEDULED, _c.status == "connected")
            .where(~paused, ~_unapproved(_d.workspace_id))
            .order_by(_d.next_attempt_at, _d.id)
            .limit(limit)
            .with_for_update(of=post_deliveries, skip_locked=True)
        )
        until = st.lease_end(now, lease_s)
        with self._write("claiming due deliveries") as conn:
            rows = conn.execute(stmt).all()
            for row in rows:
                values: dict[str, Any] = {
                    "state": st.CLAIMED,
                    "claimed_by": runner,
                    "claimed_until": until,
                    "claimed_version": row.version,
                    "updated_at": now,
                }
                if row.state == st.SENDING:
                    # Its scheduler died mid-send: the platform may have the post.
                    values.update(doubt_version=row.claimed_version, doubt_at=row.updated_at)
                conn.execute(sa.update(post_deliveries).where(_d.id == row.id).values(**values))
        return [self.get_delivery(row.id) for row in rows]

    def begin_send(
        self, delivery_id: int, runner: str, *, now: datetime, lease_s: float
    ) -> Attempt | str:
        """Move a claimed delivery to ``sending`` after checking, under the post's lock,
        that the claim is still ours, the post unchanged and the workspace not paused.
        Returns the Attempt, or why not ("lost", "stale", "deleted", "paused",
        "unapproved", "disconnected")."""
        with self._write("starting a delivery") as conn:
            delivery = conn.execute(sa.select(post_deliveries).where(_d.id == delivery_id)).first()
            if delivery is None:
                return "lost"
            post = _lock_post(conn, delivery.post_id)
            delivery = conn.execute(sa.select(post_deliveries).where(_d.id == delivery_id)).first()
            if (
                post is None
                or delivery is None
                or delivery.state != st.CLAIMED
                or delivery.claimed_by != runner
            ):
                return "lost"
            release: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "updated_at": now}
            if post.status != st.SCHEDULED:
                state = st.CANCELED if post.status == "deleted" else st.DRAFT
                conn.execute(
                    sa.update(post_deliveries)
                    .where(_d.id == delivery_id)
                    .values(state=state, **release)
                )
                return "deleted" if post.status == "deleted" else "stale"
            paused = conn.execute(
                sa.select(publish_pauses.c.workspace_id).where(
                    publish_pauses.c.workspace_id == delivery.workspace_id
                )
            ).first()
            # Approval withdrawn or required since the claim: wait for it.
            unapproved = conn.execute(
                sa.select(_unapproved(post.workspace_id)).where(_p.id == post.id)
            ).scalar()
            # A channel disconnected since the claim (an earlier delivery's 401): wait.
            connected = conn.execute(
                sa.select(_c.id).where(_c.id == delivery.channel_id, _c.status == "connected")
            ).first()
            why = (
                "paused"
                if paused is not None
                else "unapproved"
                if unapproved
                else "disconnected"
                if connected is None
                else "stale"
                if post.version != delivery.claimed_version
                else None
            )
            if why is not None:
                conn.execute(
                    sa.update(post_deliveries)
                    .where(_d.id == delivery_id)
                    .values(state=st.SCHEDULED, **release)
                )
                return why
            key = st.idempotency_key(delivery.id, delivery.created_at, post.version)
            rkey = delivery.record_key or st.record_key(delivery.id, delivery.created_at)
            conn.execute(
                sa.update(post_deliveries)
                .where(_d.id == delivery_id)
                .values(
                    state=st.SENDING,
                    attempts=delivery.attempts + 1,
                    claimed_until=st.lease_end(now, lease_s),
                    idempotency_key=key,
                    record_key=rkey,
                    updated_at=now,
                )
            )
            variants = {int(k): str(v) for k, v in dict(post.variants).items()}
            text = (
                variants.get(delivery.channel_id, post.text) if delivery.channel_id else post.text
            )
            media = pm.media_files(conn, post.id)
        return Attempt(
            delivery=self.get_delivery(delivery_id),
            text=text,
            version=int(post.version),
            idempotency_key=key,
            record_key=rkey,
            thread=pm.thread_of(post.thread),
            poll=pm.poll_of(post.poll),
            media=media,
            parts_sent=pm.parts_of(delivery.parts),
            on_part=lambda part: self.record_part(delivery_id, runner, part),
        )

    def record_part(self, delivery_id: int, runner: str, part: SentPart) -> None:
        """Keep a thread part the platform accepted, while the attempt is ours: a retry
        continues after it (never posts it again)."""
        with self._write("recording a published thread part") as conn:
            row = conn.execute(
                sa.select(_d.parts, _d.claimed_by, _d.state).where(_d.id == delivery_id)
            ).first()
            if row is None:
                return
            kept = [p for p in (row.parts or []) if int(p.get("index", -1)) != part.index]
            conn.execute(
                sa.update(post_deliveries)
                .where(_d.id == delivery_id)
                .values(parts=[*kept, pm.part_json(part)])
            )

    # -- media
    def attach_media(
        self,
        workspace_id: int,
        post_id: int,
        items: Sequence[tuple[Any, bytes, str]],
        *,
        at: datetime,
        most: int,
    ) -> Post:
        """Add checked images ((ImageInfo, bytes, alt)) to a post; its version goes up
        (a claimed delivery is stale and goes out with the images)."""
        with self._write("attaching media") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "changed")
            _refuse_if_published(conn, post_id)
            have = pm.count_media(conn, post_id)
            if have + len(items) > most:
                raise ConflictError(
                    f"post {post_id} has {have} images; {len(items)} more would be more than {most}"
                )
            pm.insert_media(conn, workspace_id, post_id, items, at=at)
            self._bump(conn, row, at)
        return self.get_post(workspace_id, post_id)

    def remove_media(self, workspace_id: int, post_id: int, media_id: int, *, at: datetime) -> Post:
        with self._write("removing media") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "changed")
            _refuse_if_published(conn, post_id)
            if not pm.delete_media(conn, post_id, media_id):
                raise NotFoundError(f"post {post_id} has no image with id {media_id}")
            self._bump(conn, row, at)
        return self.get_post(workspace_id, post_id)

    def set_media_alt(
        self, workspace_id: int, post_id: int, media_id: int, alt: str, *, at: datetime
    ) -> Post:
        with self._write("changing alt text") as conn:
            row = self._changing_post(conn, workspace_id, post_id, at, "changed")
            _refuse_if_published(conn, post_id)
            if not pm.set_alt(conn, post_id, media_id, alt):
                raise NotFoundError(f"post {post_id} has no image with id {media_id}")
            self._bump(conn, row, at)
        return self.get_post(workspace_id, post_id)

    def _bump(self, conn: Connection, row: Row[Any], at: datetime) -> None:
        """A content change: new version; an approval given before no longer counts."""
        conn.execute(
            sa.update(posts)
            .where(_p.id == row.id)
            .values(
                version=row.version + 1,
                updated_at=at,
                **(
                    {"approval": PENDING, "approval_round": row.approval_round + 1}
                    if row.approval in (PENDING, APPROVED)
                    else {}
                ),
            )
        )

    def media_files(self, post_id: int) -> tuple[MediaFile, ...]:
        with self._read("reading media") as conn:
            return pm.media_files(conn, post_id)

    def media_by_token(self, token: str) -> MediaFile | None:
        """The image behind a public media URL, or None."""
        with self._read("reading media") as conn:
            return pm.media_by_token(conn, token)

    def require_alt(self, workspace_id: int) -> bool:
        """True when every image of the workspace's posts needs alt text."""
        with self._read("reading the alt-text rule") as conn:
            return pm.require_alt(conn, workspace_id)

    def set_require_alt(self, workspace_id: int, required: bool) -> None:
        with self._write("setting the alt-text rule") as conn:
            pm.set_require_alt(conn, workspace_id, required)

    def finish_sent(self, attempt: Attempt, receipt: Receipt, *, now: datetime) -> None:
        """Record the platform's acceptance. A success is a fact: it is recorded even when
        the lease ran out meanwhile (unless the row is already marked sent)."""
        with self._write("recording a sent delivery") as conn:
            row = attempt.delivery
            conn.execute(
                sa.update(post_deliveries)
                .where(_d.id == row.id, _d.state != st.SENT)
                .values(
                    state=st.SENT,
                    remote_id=receipt.remote_id,
                    remote_url=receipt.url,
                    sent_version=attempt.version,
                    sent_at=now,
                    claimed_by=None,
                    claimed_until=None,
                    doubt_version=None,
                    doubt_at=None,
                    last_error=None,
                    updated_at=now,
                )
            )
            if row.channel_id is not None:
                conn.execute(
                    sa.update(publish_channels)
                    .where(_c.id == row.channel_id)
                    .values(last_success_at=now)
                )

    def finish_failed(
        self,
        attempt: Attempt,
        error: str,
        *,
        now: datetime,
        state: str,
        in_doubt: bool,
        next_attempt_at: datetime | None = None,
        disconnect_channel: bool = False,
    ) -> bool:
        """Record a failed attempt: back to ``scheduled`` at ``next_attempt_at`` (a
        transient error), or ``failed`` / ``needs_attention``. ``in_doubt``: the platform
        may have accepted it. Returns False when the row is no longer this attempt's."""
        row = attempt.delivery
        values: dict[str, Any] = {
            "state": state,
            "claimed_by": None,
            "claimed_until": None,
            "last_error": error,
            "last_error_at": now,
            "updated_at": now,
        }
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        if in_doubt:
            # The first attempt of unknown outcome starts the idempotency window.
            values.update(
                doubt_version=attempt.version,
                doubt_at=sa.func.coalesce(_d.doubt_at, sa.literal(now, UTCDateTime)),
            )
        with self._write("recording a failed delivery") as conn:
            changed = conn.execute(
                sa.update(post_deliveries)
                .where(_d.id == row.id, _d.state == st.SENDING, _d.claimed_by == row.claimed_by)
                .values(**values)
            ).rowcount
            if disconnect_channel and row.channel_id is not None:
                conn.execute(
                    sa.update(publish_channels)
                    .where(_c.id == row.channel_id)
                    .values(status="disconnected", last_error=error, last_error_at=now)
                )
        return bool(changed)

    # -- overdue
    def overdue(
        self, *, now: datetime, late_by: timedelta, workspace_id: int | None = None
    ) -> list[Delivery]:
        """Unsent deliveries of scheduled posts whose due time is ``late_by`` past (of one
        workspace, or of all)."""
        stmt = (
            sa.select(post_deliveries)
            .join(posts, _p.id == _d.post_id)
            .where(_d.state.in_(st.UNSENT), _p.status == st.SCHEDULED, _d.due_at < now - late_by)
            .order_by(_d.due_at, _d.id)
        )
        if workspace_id is not None:
            stmt = stmt.where(_d.workspace_id == workspace_id)
        with self._read("reading overdue deliveries") as conn:
            rows = conn.execute(stmt)
            return [_delivery(r) for r in rows]

    def mark_overdue_reported(self, delivery_ids: Sequence[int], *, at: datetime) -> None:
        if not delivery_ids:
            return
        with self._write("marking overdue deliveries reported") as conn:
            conn.execute(
                sa.update(post_deliveries)
                .where(_d.id.in_(tuple(delivery_ids)), _d.overdue_reported_at.is_(None))
                .values(overdue_reported_at=at)
            )

    # -- pause switch
    def pause(self, workspace_id: int, *, reason: str, at: datetime) -> Pause:
        with self._write("pausing publishing") as conn:
            exists = conn.execute(
                sa.select(publish_pauses).where(publish_pauses.c.workspace_id == workspace_id)
            ).first()
            if exists is None:
                conn.execute(
                    sa.insert(publish_pauses).values(
                        workspace_id=workspace_id, paused_at=at, reason=reason
                    )
                )
        found = self.paused(workspace_id)
        if found is None:
            raise StoreError("pausing publishing did not stick")
        return found

    def resume(self, workspace_id: int) -> bool:
        """Lift the pause; False when publishing was not paused."""
        with self._write("resuming publishing") as conn:
            gone = conn.execute(
                sa.delete(publish_pauses).where(publish_pauses.c.workspace_id == workspace_id)
            ).rowcount
        return bool(gone)

    def paused(self, workspace_id: int) -> Pause | None:
        with self._read("reading the pause switch") as conn:
            row = conn.execute(
                sa.select(publish_pauses).where(publish_pauses.c.workspace_id == workspace_id)
            ).first()
        if row is None:
            return None
        return Pause(workspace_id=row.workspace_id, paused_at=row.paused_at, reason=row.reason)


def publishing_store(store: Any) -> PublishingStore:
    """The publishing tables of an open SqlStore (sharing its engine and transactions)."""
    write = getattr(store, "_write", None)
    read = getattr(store, "_read", None)
    if write is None or read is None:
        raise StoreError(f"{store!r} is not a SQL store")
    return PublishingStore(write, read)
