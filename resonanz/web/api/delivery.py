"""REST: the delivery status of a workspace (deliveries by state with the likely reason
of each failure, overdue ones with the sweeper's reason) and the "pause all publishing"
switch (takes effect at the scheduler's next tick). The retry is
``POST /posts/{post_id}/publish-now`` (api/posts.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from resonanz.publishing import states as st
from resonanz.publishing import sweeper
from resonanz.publishing.diagnosis import diagnose
from resonanz.publishing.models import Delivery, Pause
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Editor, StoreDep, Viewer
from resonanz.web.publishing_deps import PublishingDep
from resonanz.web.routes.delivery import PAUSE_REASON_MAX

router = APIRouter(tags=["publishing"], responses=ERRORS)
WS = "/workspaces/{slug}"


class DeliveryOut(BaseModel):
    id: int
    post_id: int
    channel: str
    channel_kind: str
    state: str = Field(description=" | ".join(st.STATES))
    due_at: datetime | None
    next_attempt_at: datetime | None
    attempts: int
    last_error: str | None
    last_error_at: datetime | None
    remote_url: str | None
    sent_at: datetime | None
    reason: str | None = Field(
        description="Failed / needs attention: removed, disconnected, in_doubt, rejected, "
        "credentials, gave_up or other (see docs/publishing.md); overdue: 'overdue'"
    )
    advice: str | None = Field(description="What to do, in English")
    late_s: float | None = Field(description="Overdue deliveries: seconds past their time")


class PauseIn(BaseModel):
    reason: str = Field("", max_length=PAUSE_REASON_MAX, description="Shown on the pages")


class PauseOut(BaseModel):
    paused: bool
    paused_at: datetime | None
    reason: str | None


def _out(d: Delivery, reason: str | None, advice: str | None, late: float | None) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        post_id=d.post_id,
        channel=d.channel_name,
        channel_kind=d.channel_kind,
        state=d.state,
        due_at=d.due_at,
        next_attempt_at=d.next_attempt_at,
        attempts=d.attempts,
        last_error=d.last_error,
        last_error_at=d.last_error_at,
        remote_url=d.remote_url,
        sent_at=d.sent_at,
        reason=reason,
        advice=advice,
        late_s=late,
    )


def _pause(found: Pause | None) -> PauseOut:
    if found is None:
        return PauseOut(paused=False, paused_at=None, reason=None)
    return PauseOut(paused=True, paused_at=found.paused_at, reason=found.reason)


@router.get(WS + "/deliveries", response_model=list[DeliveryOut])
def deliveries(
    access: Viewer,
    publishing: PublishingDep,
    state: list[str] | None = Query(None, description="Only these states (repeat)"),
    limit: int = Query(500, ge=1, le=5000),
) -> list[DeliveryOut]:
    """Deliveries, needs-attention and failed first, then overdue, then the rest newest
    first."""
    pub = publishing.pub
    ws = access.workspace.id
    wanted = tuple(state) if state else st.STATES
    channels = {c.id: c for c in pub.list_channels(ws)}
    now = datetime.now(UTC)
    late = {item.delivery.id: item for item in sweeper.overdue(pub, now=now, workspace_id=ws)}
    found = pub.latest_deliveries(ws, states=wanted, limit=limit)
    rank = {st.NEEDS_ATTENTION: 0, st.FAILED: 1}
    found.sort(key=lambda d: rank.get(d.state, 3 if d.id not in late else 2))
    result = []
    for d in found:
        diagnosis = diagnose(d, channels.get(d.channel_id or 0))
        if diagnosis is not None:
            result.append(_out(d, diagnosis.code, diagnosis.advice, None))
        elif d.id in late:
            result.append(_out(d, "overdue", late[d.id].reason, late[d.id].late_s))
        else:
            result.append(_out(d, None, None, None))
    return result


@router.get(WS + "/publishing/pause", response_model=PauseOut)
def get_pause(access: Viewer, publishing: PublishingDep) -> PauseOut:
    """Whether all publishing of the workspace is paused, since when and why."""
    return _pause(publishing.pub.paused(access.workspace.id))


@router.put(WS + "/publishing/pause", response_model=PauseOut)
def put_pause(
    body: PauseIn, access: Editor, store: StoreDep, publishing: PublishingDep
) -> PauseOut:
    """Pause all publishing (from the scheduler's next tick on); already paused: kept."""
    reason = body.reason.strip()
    found = publishing.pub.pause(access.workspace.id, reason=reason, at=datetime.now(UTC))
    store.accounts.audit(
        access.workspace.id, access.user.id, "publishing.pause", "publishing", {"reason": reason}
    )
    return _pause(found)


@router.delete(WS + "/publishing/pause", response_model=PauseOut)
def delete_pause(access: Editor, store: StoreDep, publishing: PublishingDep) -> PauseOut:
    """Resume publishing: due deliveries go out at the scheduler's next tick."""
    if publishing.pub.resume(access.workspace.id):
        store.accounts.audit(access.workspace.id, access.user.id, "publishing.resume", "publishing")
    return _pause(None)
