"""REST: posts (list, create, read, change the text, thread parts and poll, add and remove
images, schedule, publish now, delete) and the publishing channels (read only, never
their credentials). Viewers read; editors write, as with the CLI. A post that fails a
check when it is scheduled is kept as a draft: the answer is 422 ``kept_as_draft`` with
the post's id and the reasons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.compose_tracked import DRAFT, PUBLISH, SCHEDULE, Written, then, write_post
from resonanz.publishing.models import Delivery, Poll, Post, PublishChannel
from resonanz.store.publishing import PublishingStore, publishing_store
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Access, Editor, SettingsDep, StoreDep, Viewer
from resonanz.web.errors import error_json
from resonanz.web.post_checks import classes_of
from resonanz.web.post_form import FormDep, text_of

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


class PollIn(BaseModel):
    options: list[str] = Field(min_length=1, max_length=20, description="The answers")
    minutes: int = Field(1440, ge=1, description="How long the poll runs")
    multiple: bool = Field(False, description="Several answers allowed")

    def poll(self) -> Poll:
        return Poll(options=tuple(self.options), minutes=self.minutes, multiple=self.multiple)


class MediaOut(BaseModel):
    id: int
    mime: str
    size: int = Field(description="Bytes")
    width: int | None
    height: int | None
    alt: str
    url: str = Field(description="Public address path of the image (/m/<token>)")


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
    thread: list[str] = Field(description="Further parts, published as replies in order")
    poll: PollIn | None
    media: list[MediaOut] = Field(description="The images, in order")
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
    thread: list[str] = Field(
        default_factory=list, max_length=50, description="Further parts (replies), in order"
    )
    poll: PollIn | None = None


class PostPatch(BaseModel):
    text: str | None = Field(None, min_length=1, max_length=70_000)
    variants: dict[str, str] | None = Field(
        None, description="All own texts by channel name (replaces the stored ones)"
    )
    thread: list[str] | None = Field(
        None, max_length=50, description="All further parts (replaces them; [] removes them)"
    )
    poll: PollIn | None = Field(
        None, description="The poll (replaces it); null removes it; left out keeps it"
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
        thread=list(post.thread),
        poll=PollIn(
            options=list(post.poll.options), minutes=post.poll.minutes, multiple=post.poll.multiple
        )
        if post.poll
        else None,
        media=[
            MediaOut(
                id=m.id,
                mime=m.mime,
                size=m.size,
                width=m.width,
                height=m.height,
                alt=m.alt,
                url=f"/m/{m.token}",
            )
            for m in post.media
        ],
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
        thread=body.thread,
        poll=body.poll.poll() if body.poll else None,
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
    """Change the text, the own texts, the thread parts or the poll; unsent deliveries go
    out with the new text. A text that no longer fits a channel is stored and the post
    goes back to draft (422)."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    extras = None
    if body.thread is not None or "poll" in body.model_fields_set:
        thread = body.thread if body.thread is not None else post.thread
        poll = post.poll
        if "poll" in body.model_fields_set:
            poll = body.poll.poll() if body.poll else None
        extras = (thread, poll)
    return _changed(
        pub,
        store,
        access,
        post,
        lambda: compose.edit_post(
            pub,
            classes_of(request),
            access.workspace.id,
            post_id,
            body.text if body.text is not None else post.text,
            variants=body.variants,
            extras=extras,
        ),
    )


def _changed(
    pub: PublishingStore,
    store: StoreDep,
    access: Access,
    post: Post,
    change: Callable[[], Post],
    status: int = 200,
) -> Response:
    """Run a change of the post: its new state, or 422 ``kept_as_draft`` when it was stored
    but no longer fits a channel (bad input stores nothing and raises)."""
    try:
        edited = change()
    except ValidationError as exc:
        if pub.get_post(access.workspace.id, post.id).version == post.version:
            raise  # nothing stored: bad input
        _audit(store, access, "post.edit", post.id, "edit")
        return error_json(422, "kept_as_draft", str(exc), post_id=post.id)
    _audit(store, access, "post.edit", post.id, "edit")
    return JSONResponse(_out(pub, edited).model_dump(mode="json"), status_code=status)


_MEDIA_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A JPEG, PNG, GIF or WebP image",
                    },
                    "alt": {"type": "string", "description": "Alt text: what the image shows"},
                },
            }
        }
    },
}


@router.post(
    POST + "/media",
    response_model=PostOut,
    status_code=201,
    openapi_extra={"requestBody": _MEDIA_BODY},
)
def add_media(
    post_id: int, request: Request, access: Editor, store: StoreDep, form: FormDep
) -> Response:
    """Add an image (multipart ``file`` and ``alt``) after the post's others. A file that
    is not a whole image, or no alt text where the workspace requires one, stores
    nothing (422)."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ValidationError("send the image as the multipart field 'file'")
    data = file.file.read()
    alt = text_of(form, "alt")
    if pub.require_alt(access.workspace.id) and not alt.strip():
        raise ValidationError("this workspace requires alt text for every image: give alt")
    return _changed(
        pub,
        store,
        access,
        post,
        lambda: compose.attach_media(
            pub, classes_of(request), access.workspace.id, post_id, data, alt
        ),
        status=201,
    )


@router.delete(POST + "/media/{media_id}", response_model=PostOut)
def remove_media(
    post_id: int, media_id: int, request: Request, access: Editor, store: StoreDep
) -> Response:
    """Remove one image of the post."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    return _changed(
        pub,
        store,
        access,
        post,
        lambda: compose.remove_media(
            pub, classes_of(request), access.workspace.id, post_id, media_id
        ),
    )


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
