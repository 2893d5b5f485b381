"""Publishing pages: the posts list, the composer (new and edit, with live checks per
channel) and a post's detail with its deliveries, approval and actions.

The composer's form has dynamic fields (a variant text per channel, ``variant-<id>``), so
the routes read the form as a whole. Nothing typed is lost: a form with errors is shown
again with the values, and a post that fails a check when it is scheduled is stored as a
draft and shown in its edit form with the reasons next to the fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from resonanz.analytics.hashtag_suggestions import suggest_hashtags
from resonanz.errors import ConflictError, NotFoundError, ValidationError
from resonanz.publishing import approval, compose
from resonanz.publishing.compose_tracked import ACTIONS, DRAFT, PUBLISH, SCHEDULE, then, write_post
from resonanz.publishing.links import links_base_url
from resonanz.publishing.models import Delivery, Post, PublishChannel
from resonanz.publishing.states import FAILED, NEEDS_ATTENTION, SENT
from resonanz.store import Store
from resonanz.store.publishing import PublishingStore, publishing_store
from resonanz.web.deps import Access, Editor, Forbidden, SettingsDep, StoreDep, Viewer
from resonanz.web.i18n import gettext as _
from resonanz.web.post_checks import check_channels, check_time, classes_of, time_zones
from resonanz.web.templating import render

router = APIRouter()

FILTERS = ("draft", "scheduled", "attention", "sent", "deleted")


async def _form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _read_form(form: FormData, channels: Sequence[PublishChannel]) -> dict[str, Any]:
    """The composer's values as typed (variants by channel id, only non-empty ones)."""
    variants = {}
    for channel in channels:
        own = _text(form, f"variant-{channel.id}")
        if own.strip():
            variants[channel.id] = own
    known = {c.name for c in channels}
    return {
        "text": _text(form, "text"),
        "channels": [v for v in form.getlist("channel") if isinstance(v, str) and v in known],
        "variants": variants,
        "date": _text(form, "date").strip(),
        "time": _text(form, "time").strip(),
        "timezone": _text(form, "timezone").strip() or "UTC",
        "track": _text(form, "track") in ("1", "on", "true"),
        "campaign": _text(form, "campaign").strip(),
        "action": _text(form, "action") or DRAFT,
    }


def _empty_form(post: Post | None, channels: Sequence[PublishChannel]) -> dict[str, Any]:
    if post is None:
        return {
            "text": "",
            "channels": [],
            "variants": {},
            "date": "",
            "time": "",
            "timezone": "",
            "track": False,
            "campaign": "",
            "action": DRAFT,
        }
    date, _sep, time = (post.local_time or "").partition(" ")
    return {
        "text": post.text,
        "channels": [c.name for c in channels],
        "variants": dict(post.variants),
        "date": date,
        "time": time,
        "timezone": post.timezone if post.local_time else "",
        "track": False,
        "campaign": "",
        "action": DRAFT,
    }


def _post_channels(pub: PublishingStore, post: Post) -> list[PublishChannel]:
    """The channels the post goes to (removed ones left out)."""
    found = []
    for delivery in pub.deliveries(post.workspace_id, post_id=post.id):
        if delivery.channel_id is not None:
            try:
                found.append(pub.get_channel_by_id(delivery.channel_id))
            except NotFoundError:
                continue
    return found


def _checks(
    request: Request,
    settings: Any,
    channels: Sequence[PublishChannel],
    form: Mapping[str, Any],
    post: Post | None = None,
) -> dict[str, Any]:
    """The live checks of the form's values: per channel and of the schedule time."""
    checks = check_channels(
        classes_of(request),
        channels,
        form["text"],
        selected=form["channels"],
        variants=form["variants"],
        track_base=links_base_url(settings) if form["track"] else None,
        post=post,
    )
    timing = check_time(form["date"], form["time"], form["timezone"] or "UTC")
    asked = bool(form["date"] or form["time"]) or form["action"] == SCHEDULE
    return {"checks": checks, "timing": timing if asked else None}


def _composer(
    request: Request,
    settings: Any,
    *,
    post: Post | None,
    channels: Sequence[PublishChannel],
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "nav": "publishing",
        "subnav": "posts",
        "post": post,
        "channels": channels,
        "form": form,
        "errors": errors,
        "zones": time_zones(),
        **_checks(request, settings, channels, form, post),
    }
    return render(request, "posts_form.html", context, status=status)


def _form_errors(form: Mapping[str, Any], *, new: bool) -> dict[str, str]:
    """What keeps the form from being stored at all (nothing is stored then)."""
    errors: dict[str, str] = {}
    if not form["text"].strip():
        errors["text"] = _("Please write the post's text.")
    if new and not form["channels"]:
        errors["channels"] = _("Please choose at least one channel.")
    if form["action"] not in ACTIONS:
        errors["form"] = _("Please use one of the buttons below the form.")
    if form["campaign"] and not form["track"]:
        errors["campaign"] = _("A campaign is for tracked links: switch tracking on.")
    if form["action"] == SCHEDULE:
        timing = check_time(form["date"], form["time"], form["timezone"])
        if timing.error and timing.utc is None:  # a time in the past is kept as a draft
            errors["time"] = timing.error
    return errors


def _kept_as_draft(doing: str) -> str:
    if doing == PUBLISH:
        return _("The post was saved as a draft but not published: fix what is marked.")
    return _("The post was saved as a draft but not scheduled: fix what is marked.")


def _by_name(
    channels: Sequence[PublishChannel], variants: Mapping[int, str], chosen: Sequence[str]
) -> dict[str, str]:
    """The own texts by channel name, of the chosen channels only."""
    return {c.name: variants[c.id] for c in channels if c.id in variants and c.name in chosen}


def _at(form: Mapping[str, Any]) -> str | None:
    return f"{form['date']} {form['time']}" if form["date"] and form["time"] else None


def _to_post(access: Access, post_id: int) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/posts/{post_id}", status_code=303)


@router.get("/w/{slug}/posts")
def post_list(request: Request, access: Viewer, store: StoreDep, status: str = "") -> Response:
    """The workspace's posts with their schedule and each channel's delivery state."""
    pub = publishing_store(store)
    ws = access.workspace.id
    chosen = status if status in FILTERS else ""
    by_post: dict[int, list[Delivery]] = {}
    for delivery in pub.deliveries(ws):
        by_post.setdefault(delivery.post_id, []).append(delivery)
    rows = []
    for post in pub.list_posts(ws, include_deleted=chosen == "deleted"):
        deliveries = by_post.get(post.id, [])
        if _matches(chosen, post, deliveries):
            rows.append((post, deliveries))
    context = {
        "nav": "publishing",
        "subnav": "posts",
        "rows": rows,
        "status": chosen,
        "filters": FILTERS,
        "rule": pub.approval_rule(ws),
    }
    return render(request, "posts.html", context)


def _matches(chosen: str, post: Post, deliveries: Sequence[Delivery]) -> bool:
    if chosen == "attention":
        return any(d.state in (FAILED, NEEDS_ATTENTION) for d in deliveries)
    if chosen == "sent":
        return bool(deliveries) and all(d.state == SENT for d in deliveries)
    return not chosen or post.status == chosen


@router.get("/w/{slug}/posts/new")
def post_new(request: Request, access: Editor, store: StoreDep, settings: SettingsDep) -> Response:
    """The composer with an empty form."""
    channels = publishing_store(store).list_channels(access.workspace.id)
    return _composer(
        request, settings, post=None, channels=channels, form=_empty_form(None, []), errors={}
    )


@router.post("/w/{slug}/posts/check")
def post_check(
    request: Request, access: Editor, store: StoreDep, settings: SettingsDep, raw: FormDep
) -> Response:
    """HTMX: the live checks of the composer's values (swapped in next to the fields)."""
    pub = publishing_store(store)
    post_id = _text(raw, "post_id")
    post = pub.get_post(access.workspace.id, int(post_id)) if post_id.isdigit() else None
    if post is not None:
        channels = _post_channels(pub, post)
    else:
        channels = pub.list_channels(access.workspace.id)
    form = _read_form(raw, channels)
    if post is not None:
        form["channels"] = [c.name for c in channels]
    context = _checks(request, settings, channels, form, post)
    return render(request, "_posts_check.html", context)


@router.post("/w/{slug}/posts/hashtags")
def post_hashtags(request: Request, access: Editor, store: StoreDep, raw: FormDep) -> Response:
    """HTMX: hashtags for the draft from the workspace's own mentions (co-occurring with
    its words, trending in its topics); see analytics.hashtag_suggestions."""
    text = _text(raw, "text")
    found = None
    if text.strip():
        found = suggest_hashtags(store, access.workspace.id, text, now=datetime.now(UTC))
    return render(request, "_posts_hashtags.html", {"found": found})


@router.post("/w/{slug}/posts/new")
def post_create(
    request: Request, access: Editor, store: StoreDep, settings: SettingsDep, raw: FormDep
) -> Response:
    """Store the post as a draft, schedule it or make it due now."""
    pub = publishing_store(store)
    channels = pub.list_channels(access.workspace.id)
    form = _read_form(raw, channels)
    errors = _form_errors(form, new=True)
    if not errors:
        try:
            written = write_post(
                store,
                settings,
                classes_of(request),
                access.workspace.id,
                form["text"],
                form["channels"],
                action=form["action"],
                variants=_by_name(channels, form["variants"], form["channels"]),
                at=_at(form),
                timezone=form["timezone"],
                author_id=access.user.id,
                track=form["track"],
                campaign=form["campaign"] or None,
            )
        except (ValidationError, NotFoundError) as exc:
            errors["form"] = str(exc)
        else:
            _audit(store, access, "post.create", written.post, form["action"])
            if written.refused is None:
                return _to_post(access, written.post.id)
            post = written.post
            own = _post_channels(pub, post)
            kept = {**_empty_form(post, own), "date": form["date"], "time": form["time"]}
            kept.update(timezone=form["timezone"], action=form["action"])
            errors["form"] = _kept_as_draft(form["action"])
            return _composer(
                request, settings, post=post, channels=own, form=kept, errors=errors, status=422
            )
    return _composer(
        request, settings, post=None, channels=channels, form=form, errors=errors, status=422
    )


def _audit(store: Store, access: Access, action: str, post: Post, doing: str) -> None:
    store.accounts.audit(
        access.workspace.id, access.user.id, action, f"post {post.id}", {"action": doing}
    )


@router.get("/w/{slug}/posts/{post_id}/edit")
def post_edit(
    request: Request, access: Editor, store: StoreDep, settings: SettingsDep, post_id: int
) -> Response:
    """The composer with a stored post."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    channels = _post_channels(pub, post)
    return _composer(
        request,
        settings,
        post=post,
        channels=channels,
        form=_empty_form(post, channels),
        errors={},
    )


@router.post("/w/{slug}/posts/{post_id}/edit")
def post_update(
    request: Request,
    access: Editor,
    store: StoreDep,
    settings: SettingsDep,
    post_id: int,
    raw: FormDep,
) -> Response:
    """Store the changed text, then schedule or publish the post when asked."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    channels = _post_channels(pub, post)
    form = _read_form(raw, channels)
    form["channels"] = [c.name for c in channels]
    errors = _form_errors(form, new=False)
    if not errors:
        classes = classes_of(request)
        variants = _by_name(channels, form["variants"], form["channels"])
        try:
            if form["text"] != post.text or form["variants"] != dict(post.variants):
                post = compose.edit_post(
                    pub, classes, access.workspace.id, post_id, form["text"], variants=variants
                )
        except ValidationError as exc:
            stored = pub.get_post(access.workspace.id, post_id)
            # The text was stored (a new version) but no longer fits: kept as a draft.
            kept = stored.version > post.version
            errors["form"] = _kept_as_draft(form["action"]) if kept else str(exc)
            post = stored
        except ConflictError as exc:
            errors["form"] = str(exc)
        else:
            written = then(
                pub, classes, post, form["action"], at=_at(form), timezone=form["timezone"]
            )
            _audit(store, access, "post.edit", written.post, form["action"])
            if written.refused is None:
                return _to_post(access, post_id)
            post = written.post
            errors["form"] = _kept_as_draft(form["action"])
    return _composer(
        request, settings, post=post, channels=channels, form=form, errors=errors, status=422
    )


def _detail(
    request: Request,
    access: Access,
    store: Store,
    post: Post,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    pub = publishing_store(store)
    ws = access.workspace.id
    names = {user.id: user.name for user, _m in store.accounts.members(ws)}
    context = {
        "nav": "publishing",
        "subnav": "posts",
        "post": post,
        "channels": {c.id: c for c in _post_channels(pub, post)},
        "deliveries": pub.deliveries(ws, post_id=post.id),
        "history": pub.approval_history(ws, post.id),
        "names": names,
        "rule": pub.approval_rule(ws),
        "may_approve": approval.may_approve(access.membership),
        "awaits": post.status != "deleted" and pub.awaits_approval(ws, post.id),
        "error": error,
    }
    return render(request, "posts_detail.html", context, status=status)


@router.get("/w/{slug}/posts/{post_id}")
def post_detail(request: Request, access: Viewer, store: StoreDep, post_id: int) -> Response:
    """A post: its texts, deliveries, approval history and the actions the role allows."""
    post = publishing_store(store).get_post(access.workspace.id, post_id)
    return _detail(request, access, store, post)


def _act(
    request: Request,
    access: Access,
    store: Store,
    post_id: int,
    action: str,
    run: Any,
) -> Response:
    """Run an action on the post: back to its page, or the page with the reason."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    try:
        run(pub, post)
    except (ValidationError, ConflictError) as exc:
        current = pub.get_post(access.workspace.id, post_id)
        return _detail(request, access, store, current, error=str(exc), status=422)
    if action:
        _audit(store, access, action, post, action)
    return _to_post(access, post_id)


def _approver(access: Access) -> None:
    if not approval.may_approve(access.membership):
        raise Forbidden("only members with the approver flag, admins and owners may do this")


@router.post("/w/{slug}/posts/{post_id}/submit")
def post_submit(request: Request, access: Editor, store: StoreDep, post_id: int) -> Response:
    """Ask for approval."""
    return _act(
        request,
        access,
        store,
        post_id,
        "",
        lambda pub, post: approval.submit(store, pub, access.workspace.id, post.id, access.user.id),
    )


def _decide(
    request: Request, access: Access, store: Store, post_id: int, raw: FormData, *, reject: bool
) -> Response:
    """Approve or reject (approvers, admins and owners); a rejection needs a comment."""
    post = publishing_store(store).get_post(access.workspace.id, post_id)
    _approver(access)
    comment = _text(raw, "comment")
    if reject and not comment.strip():
        message = _("Please say in the comment what to change.")
        return _detail(request, access, store, post, error=message, status=422)
    decide = approval.reject if reject else approval.approve
    return _act(
        request,
        access,
        store,
        post_id,
        "",
        lambda pub, post: decide(store, pub, access.workspace.id, post.id, access.user.id, comment),
    )


@router.post("/w/{slug}/posts/{post_id}/approve")
def post_approve(
    request: Request, access: Editor, store: StoreDep, post_id: int, raw: FormDep
) -> Response:
    """One approval step (approvers, admins and owners)."""
    return _decide(request, access, store, post_id, raw, reject=False)


@router.post("/w/{slug}/posts/{post_id}/reject")
def post_reject(
    request: Request, access: Editor, store: StoreDep, post_id: int, raw: FormDep
) -> Response:
    """Send the post back to draft with a comment (approvers, admins and owners)."""
    return _decide(request, access, store, post_id, raw, reject=True)


@router.post("/w/{slug}/posts/{post_id}/publish-now")
def post_publish_now(request: Request, access: Editor, store: StoreDep, post_id: int) -> Response:
    """Make every unsent delivery due now (also the retry of failed ones)."""
    classes = classes_of(request)
    now = datetime.now(UTC)
    return _act(
        request,
        access,
        store,
        post_id,
        "post.publish_now",
        lambda pub, post: compose.publish_now(pub, classes, post.workspace_id, post.id, now=now),
    )


@router.post("/w/{slug}/posts/{post_id}/delete")
def post_delete(request: Request, access: Editor, store: StoreDep, post_id: int) -> Response:
    """Delete the post; unsent deliveries are canceled (published ones stay online)."""
    pub = publishing_store(store)
    post = pub.get_post(access.workspace.id, post_id)
    try:
        compose.delete_post(pub, access.workspace.id, post_id)
    except ConflictError as exc:
        return _detail(request, access, store, post, error=str(exc), status=422)
    _audit(store, access, "post.delete", post, "delete")
    return RedirectResponse(f"/w/{access.workspace.slug}/posts", status_code=303)
