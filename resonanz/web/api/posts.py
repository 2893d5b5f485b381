"""REST: posts (list, create, read, change the text, schedule, publish now, delete) and the
publishing channels (read only, never their credentials). Viewers read; editors write,
as with the CLI. A post that fails a check when it is scheduled is kept as a draft: the
answer is 422 ``kept_as_draft`` with the post's id and the reasons."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.compose_tracked import DRAFT, PUBLISH, SCHEDULE, Written, then, write_post
from resonanz.publishing.models import Delivery, Post, PublishChannel
from resonanz.store.publishing import PublishingStore, publishing_store
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Access, Editor, SettingsDep, StoreDep, Viewer
from resonanz.web.errors import error_json
from resonanz.web.post_checks import classes_of

router = APIRouter(tags=["publishing"], responses=ERRORS)
WS = "/workspaces/{slug}"
POSTS = WS + "/posts"
POST = POSTS + "/{post_id}"
STATUSES = ("draft", "scheduled", "deleted")


class DeliveryOut(BaseModel):
    channel: str
    kind: str
    state: str = Field(
        description="draft | scheduled | claimed | sending | sent | failed | "
        "needs_attention | canceled"
    )
    attempts: int
    due_at: datetime | None
    sent_at: datetime | None
    remote_url: str | None
    last_error: str | None


class PostOut(BaseModel):
    id: int
    text: str
    variants: dict[str, str] = Field(description="Own texts by channel name")
    status: str = Field(description="draft | scheduled | deleted")
    approval: str = Field(description="none | pending_approval | approved | rejected")
    scheduled_at: datetime | None
    timezone: str
    local_time: str | None = Field(description="The wall time as planned, in timezone")
    version: int
    created_at: datetime
    updated_at: datetime
    deliveries: list[DeliveryOut]


class PostIn(BaseModel):
    text: str = Field(min_length=1, max_length=70_000)
    channels: list[str] = Field(min_length=1, description="Channel names")
    variants: dict[str, str] = Field(
        default_factory=dict, description="Own text for some channels, by channel name"
    )
    at: str | None = Field(
        None, description="Schedule for this wall time (YYYY-MM-DD HH:MM) in timezone"
    )
    timezone: str = Field("UTC", description="IANA time zone of at, e.g. Europe/Berlin")
    publish_now: bool = Field(False, description="Make it due now instead of scheduling")
    track: bool = Field(False, description="Replace links by tracked short links per channel")
    campaign: str | None = Field(None, max_length=200, description="utm_campaign (with track)")


class PostPatch(BaseModel):
    text: str | None = Field(None, min_length=1, max_length=70_000)
    variants: dict[str, str] | None = Field(
        None, description="All own texts by channel name (replaces the stored ones)"
    )


class ScheduleIn(BaseModel):
    at: str = Field(examples=["2026-12-24 09:00"], description="Wall time YYYY-MM-DD HH:MM")
    timezone: str = Field("UTC", description="IANA time zone, e.g. Europe/Berlin")


class DeletedOut(BaseModel):
    id: int
    canceled: int = Field(description="Unsent deliveries canceled")


class ChannelOut(BaseModel):
    id: int
    name: str
    kind: str
    account: str | None
    status: str = Field(description="connected | disconnected")
    last_error: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None
    max_units: int = Field(description="The text limit in the platform's unit")
    unit: str


def _delivery(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        channel=d.channel_name,
        kind=d.channel_kind,
        state=d.state,
        attempts=d.attempts,
        due_at=d.due_at,
        sent_at=d.sent_at,
        remote_url=d.remote_url,
        last_error=d.last_error,
    )


def _out(pub: PublishingStore, post: Post) -> PostOut:
    deliveries = pub.deliveries(post.workspace_id, post_id=post.id)
    names = {d.channel_id: d.channel_name for d in deliveries}
    return PostOut(
        id=post.id,
        text=post.text,
        variants={names.get(k, str(k)): v for k, v in post.variants.items()},
        status=post.status,
        approval=post.approval,
        scheduled_at=post.scheduled_at,
        timezone=post.timezone,
        local_time=post.local_time,
        version=post.version,
        created_at=post.created_at,
        updated_at=post.updated_at,
        deliveries=[_delivery(d) for d in deliveries],
    )


def _answer(pub: PublishingStore, written: Written, status: int = 200) -> Response:
    if written.refused is not None:
        return error_json(422, "kept_as_draft", written.refused, post_id=written.post.id)
    body = _out(pub, written.post).model_dump(mode="json")
    return JSONResponse(body, status_code=status)


@router.get(POSTS, response_model=list[PostOut])
def list_posts(access: Viewer, store: StoreDep, status: str | None = None) -> list[PostOut]:
    """The workspace's posts (deleted ones only with status=deleted), soonest first."""
    if status is not None and status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    pub = publishing_store(store)
    posts = pub.list_posts(access.workspace.id, include_deleted=status == "deleted")
    return [_out(pub, p) for p in posts if status is None or p.status == status]


@router.post(POSTS, response_model=PostOut, status_code=201)
def create_post(
    body: PostIn, request: Request, access: Editor, store: StoreDep, settings: SettingsDep
) -> Response:
    """Write a post: a draft, scheduled with ``at``, or due now with ``publish_now``."""
    if body.publish_now and body.at:
        raise ValidationError("give either at or publish_now, not both")
    action = PUBLISH if body.publish_now else SCHEDULE if body.at else DRAFT
    written = write_post(
        store,
        settings,
        classes_of(request),
        access.workspace.id,
        body.text,
        body.channels,
        action=action,
        variants=body.variants,
        at=body.at,
        timezone=body.timezone,
        author_id=access.user.id,
        track=body.track,
        campaign=body.campaign,
    )
    _audit(store, access, "post.create", written.post.id, action)
    return _answer(publishing_store(store), written, 201)


def _audit(store: StoreDep, access: Access, action: str, post_id: int, doing: str) -> None:
    store.accounts.audit(
        access.workspace.id, access.user.id, action, f"post {post_id}", {"action": doing}
    )


@router.get(POST, response_model=PostOut)
def get_post(post_id: int, access: Viewer, store: StoreDep) -> PostOut:
    """One post with its deliveries."""
    pub = publishing_store(store)
    return _out(pub, pub.get_post(access.workspace.id, post_id))


@router.patch(POST, response_model=PostOut)
def patch_post(
    post_id: int, body: PostPatch, request: Request, access: Editor, store: StoreDep
) -> Response:
    """Change the text or the own texts; unsent deliveries go out with the new text. A
    text that no longer fits a channel is stored and the post goes back to draft (422)."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    try:
        edited = compose.edit_post(
            pub,
            classes_of(request),
            access.workspace.id,
            post_id,
            body.text if body.text is not None else post.text,
            variants=body.variants,
        )
    except ValidationError as exc:
        if pub.get_post(access.workspace.id, post_id).version == post.version:
            raise  # nothing stored: bad input
        # stored, but it no longer fits a channel: kept as a draft
        _audit(store, access, "post.edit", post_id, "edit")
        return error_json(422, "kept_as_draft", str(exc), post_id=post_id)
    _audit(store, access, "post.edit", post_id, "edit")
    return JSONResponse(_out(pub, edited).model_dump(mode="json"))


@router.post(POST + "/schedule", response_model=PostOut)
def schedule_post(
    post_id: int, body: ScheduleIn, request: Request, access: Editor, store: StoreDep
) -> Response:
    """Schedule or reschedule the post for a wall time in a time zone."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    written = then(pub, classes_of(request), post, SCHEDULE, at=body.at, timezone=body.timezone)
    _audit(store, access, "post.schedule", post_id, SCHEDULE)
    return _answer(pub, written)


@router.post(POST + "/publish-now", response_model=PostOut)
def publish_post_now(post_id: int, request: Request, access: Editor, store: StoreDep) -> Response:
    """Make every unsent delivery due now (also the retry of failed ones)."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    written = then(pub, classes_of(request), post, PUBLISH)
    _audit(store, access, "post.publish_now", post_id, PUBLISH)
    return _answer(pub, written)


@router.delete(POST, response_model=DeletedOut)
def delete_post(post_id: int, access: Editor, store: StoreDep) -> DeletedOut:
    """Delete the post; unsent deliveries are canceled (published ones stay online)."""
    canceled = compose.delete_post(publishing_store(store), access.workspace.id, post_id)
    _audit(store, access, "post.delete", post_id, "delete")
    return DeletedOut(id=post_id, canceled=canceled)


def _channel(classes: dict[str, type], channel: PublishChannel) -> ChannelOut:
    cls = classes.get(channel.kind)
    limits = cls.text_limits(channel.config) if cls is not None else None  # type: ignore[attr-defined]
    account = channel.config.get("account") or channel.config.get("handle")
    return ChannelOut(
        id=channel.id,
        name=channel.name,
        kind=channel.kind,
        account=str(account) if account else None,
        status=channel.status,
        last_error=channel.last_error,
        last_error_at=channel.last_error_at,
        last_success_at=channel.last_success_at,
        max_units=limits.max_units if limits is not None else 0,
        unit=limits.unit if limits is not None else "",
    )


@router.get(WS + "/channels", response_model=list[ChannelOut])
def list_channels(request: Request, access: Viewer, store: StoreDep) -> list[ChannelOut]:
    """The publishing channels: account, status, last error and text limit."""
    classes = classes_of(request)
    return [
        _channel(classes, c) for c in publishing_store(store).list_channels(access.workspace.id)
    ]
