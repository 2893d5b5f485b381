"""Records of publishing: channels, posts, deliveries (the outbox rows) and receipts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PublishChannel:
    """An account Resonanz publishes to; its credentials stay encrypted in the store."""

    id: int
    workspace_id: int
    kind: str
    name: str
    config: Mapping[str, Any]
    has_secrets: bool
    status: str  # connected | disconnected
    created_at: datetime
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None


@dataclass(frozen=True)
class Poll:
    """A poll on a post: its options, how long it stays open, one answer or several."""

    options: tuple[str, ...]
    minutes: int = 1440
    multiple: bool = False


@dataclass(frozen=True)
class PostMedia:
    """An image attached to a post (the bytes stay in the store: MediaFile has them).
    ``sha256`` names the content; ``token`` is the unguessable part of its public URL."""

    id: int
    post_id: int
    position: int
    sha256: str
    mime: str
    size: int
    width: int | None
    height: int | None
    alt: str
    token: str


@dataclass(frozen=True)
class MediaFile:
    """An attached image with its bytes, as a channel uploads it."""

    media: PostMedia
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class SentPart:
    """One part of a thread the platform already accepted (its id, URL and, on Bluesky,
    the record's cid): a retry continues after it instead of posting it again."""

    index: int
    remote_id: str
    url: str | None = None
    cid: str | None = None


@dataclass(frozen=True)
class Post:
    """One post written once; ``variants`` holds per-channel texts by channel id;
    ``thread`` the further parts that follow it as replies; ``media`` its images."""

    id: int
    workspace_id: int
    author_id: int | None
    text: str
    variants: Mapping[int, str]
    status: str  # draft | scheduled | deleted
    scheduled_at: datetime | None
    timezone: str
    local_time: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    # none | pending_approval | approved | rejected (see publishing.approval)
    approval: str = "none"
    approval_round: int = 0
    approval_comment: str | None = None
    thread: tuple[str, ...] = ()
    poll: Poll | None = None
    media: tuple[PostMedia, ...] = ()

    def text_for(self, channel_id: int | None) -> str:
        """The text this channel gets: its variant, else the main text."""
        if channel_id is not None and channel_id in self.variants:
            return self.variants[channel_id]
        return self.text


@dataclass(frozen=True)
class Delivery:
    """One outbox row: the post's delivery to one channel (see states.py)."""

    id: int
    workspace_id: int
    post_id: int
    channel_id: int | None
    channel_name: str
    channel_kind: str
    state: str
    due_at: datetime | None
    next_attempt_at: datetime | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    claimed_version: int | None = None
    doubt_version: int | None = None
    doubt_at: datetime | None = None
    idempotency_key: str | None = None
    record_key: str | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    sent_version: int | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    overdue_reported_at: datetime | None = None
    sent_at: datetime | None = None
    parts: Any = None  # JSON list of the thread parts sent so far (migration 0013)


@dataclass(frozen=True)
class Attempt:
    """What one send attempt publishes: the delivery (state sending) and the post's
    text for its channel at the version checked right before sending."""

    delivery: Delivery
    text: str
    version: int
    idempotency_key: str
    record_key: str
    thread: tuple[str, ...] = ()
    poll: Poll | None = None
    media: tuple[MediaFile, ...] = ()
    # parts of the thread an earlier attempt published (a retry continues after them)
    parts_sent: tuple[SentPart, ...] = ()
    # records a part as soon as the platform accepted it (set by the store)
    on_part: Callable[[SentPart], None] | None = field(default=None, compare=False, repr=False)

    @property
    def parts(self) -> tuple[str, ...]:
        """The texts to publish in order: the post's (its channel's) text, then the thread."""
        return (self.text, *self.thread)

    def sent_part(self, index: int) -> SentPart | None:
        return next((part for part in self.parts_sent if part.index == index), None)

    def part_done(self, part: SentPart) -> None:
        if self.on_part is not None:
            self.on_part(part)


@dataclass(frozen=True)
class Receipt:
    """What the platform answered to a successful publish."""

    remote_id: str
    url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pause:
    """The workspace-wide switch that holds all publishing."""

    workspace_id: int
    paused_at: datetime
    reason: str


@dataclass(frozen=True)
class ApprovalRule:
    """Whether a workspace's posts need approval before they are published, and by how
    many approvers (steps)."""

    workspace_id: int
    required: bool = False
    steps: int = 1


@dataclass(frozen=True)
class ApprovalDecision:
    """One step of a post's approval history: submitted, approved or rejected."""

    id: int
    post_id: int
    round: int
    user_id: int | None
    decision: str
    comment: str | None
    version: int
    created_at: datetime
