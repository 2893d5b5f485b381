"""Publishing pages: the posts list, the composer (new and edit, with live checks per
channel) and a post's detail with its deliveries, approval and actions.

The composer's form (multipart: it uploads images) has dynamic fields (a variant text per
channel, ``variant-<id>``, image files with alt texts, thread parts, poll options; see
web.post_form), so the routes read the form as a whole. Nothing typed is lost: a form
with errors is shown again with the values (files chosen must be chosen again: browsers
do not keep them), and a post that fails a check when it is scheduled is stored as a
draft and shown in its edit form with the reasons next to the fields. Besides a draft,
a time and "now", a post can go into the next common queue slot of its channels or
start a recurring series (web.post_planning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from resonanz.analytics.hashtag_suggestions import suggest_hashtags
from resonanz.errors import ConflictError, NotFoundError, ValidationError
from resonanz.publishing import approval, compose
from resonanz.publishing.compose import NewImage
from resonanz.publishing.compose_tracked import (
    ACTIONS,
    DRAFT,
    PUBLISH,
    SCHEDULE,
    Written,
    then,
    write_post,
)
from resonanz.publishing.links import links_base_url
from resonanz.publishing.media import MAX_IMAGES
from resonanz.publishing.models import Delivery, Post, PublishChannel
from resonanz.publishing.states import FAILED, NEEDS_ATTENTION, SENT
from resonanz.store import Store
from resonanz.store.publishing import PublishingStore, publishing_store
from resonanz.web.deps import Access, Editor, Forbidden, SettingsDep, StoreDep, Viewer
from resonanz.web.i18n import gettext as _
from resonanz.web.post_checks import check_channels, check_time, classes_of, time_zones
from resonanz.web.post_form import (
    POLL_MINUTES,
    FormDep,
    Upload,
    candidate,
    extras_errors,
    extras_of,
    image_errors,
    missing_alts,
    read_extras,
    repeat_of,
    stored_extras,
    text_of,
    uploads,
)
from resonanz.web.post_planning import create_series, queue_into_slot
from resonanz.web.templating import render

router = APIRouter()

FILTERS = ("draft", "scheduled", "attention", "sent", "deleted")
QUEUE = "queue"  # the composer's "Add to queue" button


_text = text_of


def _read_form(
    form: FormData, channels: Sequence[PublishChannel], post: Post | None = None
) -> dict[str, Any]:
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
        **read_extras(form, post),
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
            **stored_extras(None),
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
        **stored_extras(post),
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
    """The live checks of the form's values: per channel (with the stored post's images
    and the form's thread parts and poll) and of the schedule time."""
    workspace_id = channels[0].workspace_id if channels else 0
    checks = check_channels(
        classes_of(request),
        channels,
        form["text"],
        selected=form["channels"],
        variants=form["variants"],
        track_base=links_base_url(settings) if form["track"] else None,
        post=candidate(post, form, workspace_id),
    )
    timing = check_time(form["date"], form["time"], form["timezone"] or "UTC")
    asked = bool(form["date"] or form["time"]) or form["action"] == SCHEDULE
    return {"checks": checks, "timing": timing if asked else None}


def _durations(current: str) -> list[tuple[int, str]]:
    """The poll durations offered (a stored post's own one too), with their labels."""
    values = sorted({*POLL_MINUTES, *([int(current)] if current.isdigit() else [])})
    shown = []
    for minutes in values:
        if minutes % 1440 == 0:
            label = _("%(n)s day(s)") % {"n": minutes // 1440}
        elif minutes % 60 == 0:
            label = _("%(n)s hour(s)") % {"n": minutes // 60}
        else:
            label = _("%(n)s minutes") % {"n": minutes}
        shown.append((minutes, label))
    return shown


def _composer(
    request: Request,
    settings: Any,
    access: Access,
    store: Store,
    *,
    post: Post | None,
    channels: Sequence[PublishChannel],
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    notice: str = "",
) -> Response:
    require_alt = publishing_store(store).require_alt(access.workspace.id)
    context = {
        "nav": "publishing",
        "subnav": "posts",
        "post": post,
        "channels": channels,
        "form": form,
        "errors": errors,
        "notice": notice,
        "zones": time_zones(),
        "require_alt": require_alt,
        "missing_alts": missing_alts(post, form, require_alt=require_alt),
        "max_images": MAX_IMAGES,
        "max_request_bytes": settings.max_request_bytes,
        "poll_minutes": _durations(form["poll_minutes"]),
        **_checks(request, settings, channels, form, post),
    }
    return render(request, "posts_form.html", context, status=status)


def _form_errors(
    form: Mapping[str, Any],
    new_images: Sequence[Upload],
    post: Post | None,
    *,
    require_alt: bool,
) -> dict[str, str]:
    """What keeps the form from being stored at all (nothing is stored then)."""
    errors: dict[str, str] = {}
    if not form["text"].strip():
        errors["text"] = _("Please write the post's text.")
    if post is None and not form["channels"]:
        errors["channels"] = _("Please choose at least one channel.")
    if form["action"] not in (*ACTIONS, QUEUE):
        errors["form"] = _("Please use one of the buttons below the form.")
    if form["campaign"] and not form["track"]:
        errors["campaign"] = _("A campaign is for tracked links: switch tracking on.")
    if form["action"] == SCHEDULE:
        timing = check_time(form["date"], form["time"], form["timezone"])
        if timing.error and timing.utc is None:  # a time in the past is kept as a draft
            errors["time"] = timing.error
    errors.update(extras_errors(form))
    errors.update(image_errors(new_images, form, post, require_alt=require_alt))
    if post is None and form["repeat"]:
        repeat, wrong = repeat_of(form, form["date"])
        errors.update(wrong)
        extras = new_images or form["thread"] or form["poll_options"] or form["track"]
        if repeat is not None and extras:
            errors["repeat"] = _(
                "A repeating post takes text only: no images, thread parts, poll or "
                "tracked links (yet)."
            )
        elif repeat is not None and form["action"] != SCHEDULE:
            errors["repeat"] = _(
                "A repeating post starts at the date and time above: press Schedule."
            )
    if new_images and errors:
        errors["images-again"] = _(
            "Nothing was saved. Please choose the image files again: browsers do not keep "
            "them when a form comes back."
        )
    return errors


def _kept_as_draft(doing: str) -> str:
    if doing == PUBLISH:
        return _("The post was saved as a draft but not published: fix what is marked.")
    if doing == QUEUE:
        return _("The post was saved as a draft but not queued: fix what is marked.")
    return _("The post was saved as a draft but not scheduled: fix what is marked.")


def _by_name(
    channels: Sequence[PublishChannel], variants: Mapping[int, str], chosen: Sequence[str]
) -> dict[str, str]:
    """The own texts by channel name, of the chosen channels only."""
    return {c.name: variants[c.id] for c in channels if c.id in variants and c.name in chosen}


def _at(form: Mapping[str, Any]) -> str | None:
    return f"{form['date']} {form['time']}" if form["date"] and form["time"] else None


def _to_post(access: Access, post_id: int, query: str = "") -> Response:
    url = f"/w/{access.workspace.slug}/posts/{post_id}{query}"
    return RedirectResponse(url, status_code=303)


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
        request,
        settings,
        access,
        store,
        post=None,
        channels=channels,
        form=_empty_form(None, []),
        errors={},
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
    form = _read_form(raw, channels, post)
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
    """Store the post (with its images, thread parts and poll) as a draft, schedule it,
    make it due now, put it into the next queue slot, or start a recurring series."""
    pub = publishing_store(store)
    ws = access.workspace.id
    channels = pub.list_channels(ws)
    form = _read_form(raw, channels)
    new = uploads(raw)
    errors = _form_errors(form, new, None, require_alt=pub.require_alt(ws))
    variants = _by_name(channels, form["variants"], form["channels"])
    classes = classes_of(request)
    if not errors and form["repeat"]:
        repeat, _wrong = repeat_of(form, form["date"])
        assert repeat is not None  # checked by _form_errors
        try:
            made = create_series(pub, classes, ws, form, repeat, variants, access.user.id)
        except (ValidationError, NotFoundError) as exc:
            errors["repeat"] = str(exc)
        else:
            store.accounts.audit(ws, access.user.id, "series.create", f"series {made.series.id}")
            return _to_post(access, made.made.post_ids[0], f"?series={made.series.id}")
    post: Post | None = None
    if not errors:
        thread, poll = extras_of(form)
        try:
            written = write_post(
                store,
                settings,
                classes,
                ws,
                form["text"],
                form["channels"],
                action=DRAFT if form["action"] == QUEUE else form["action"],
                variants=variants,
                at=_at(form),
                timezone=form["timezone"],
                author_id=access.user.id,
                track=form["track"],
                campaign=form["campaign"] or None,
                images=[NewImage(u.data, u.alt) for u in new],
                thread=thread,
                poll=poll,
            )
        except (ValidationError, NotFoundError) as exc:
            errors["form"] = str(exc)
        else:
            _audit(store, access, "post.create", written.post, form["action"])
            own = _post_channels(pub, written.post)
            done = _queue_or_refused(pub, classes, access, written, form["action"], own, errors)
            if done is not None:
                return done
            post = pub.get_post(ws, written.post.id)
            kept = {**_empty_form(post, own), "date": form["date"], "time": form["time"]}
            kept.update(timezone=form["timezone"], action=form["action"])
            form, channels = kept, own
    return _composer(
        request,
        settings,
        access,
        store,
        post=post,
        channels=channels,
        form=form,
        errors=errors,
        status=422,
    )


def _queue_or_refused(
    pub: PublishingStore,
    classes: Mapping[str, type],
    access: Access,
    written: Written,
    action: str,
    channels: Sequence[PublishChannel],
    errors: dict[str, str],
) -> Response | None:
    """After the post was stored (and scheduled or published as asked): queue it when
    asked, then go to its page; or, when it was kept as a draft, None with the reasons
    in ``errors``."""
    why = written.refused
    if why is None and action == QUEUE:
        why = queue_into_slot(pub, classes, written.post, channels)
        if why is None:
            return _to_post(access, written.post.id, "?queued=1")
    elif why is None:
        return _to_post(access, written.post.id)
    errors["form"] = _kept_as_draft(action)
    if action == QUEUE:
        errors["queue"] = why
    return None


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
        access,
        store,
        post=post,
        channels=channels,
        form=_empty_form(post, channels),
        errors={},
    )


def _store_edit(
    pub: PublishingStore,
    classes: Mapping[str, type],
    post: Post,
    channels: Sequence[PublishChannel],
    form: Mapping[str, Any],
    new: Sequence[Upload],
    remove: int | None,
) -> list[str]:
    """Store what the edit form changed: images and alt texts first, then text, thread
    parts and poll (checked with the images as they now are). Each step that was stored
    but no longer fits a channel is returned (the post is a draft then); bad input was
    refused before."""
    ws, post_id = post.workspace_id, post.id
    refused: list[str] = []
    steps: list[Any] = []
    for item in post.media:
        alt = form["alts"].get(item.id, item.alt).strip()
        if item.id != remove and alt != item.alt:
            steps.append(lambda m=item.id, a=alt: compose.set_alt(pub, classes, ws, post_id, m, a))
    if remove is not None:
        steps.append(lambda: compose.remove_media(pub, classes, ws, post_id, remove))
    for upload in new:
        steps.append(
            lambda u=upload: compose.attach_media(pub, classes, ws, post_id, u.data, u.alt)
        )
    thread, poll = extras_of(form)
    extras = (thread, poll) if (thread, poll) != (post.thread, post.poll) else None
    if form["text"] != post.text or form["variants"] != dict(post.variants) or extras:
        variants = _by_name(channels, form["variants"], form["channels"])
        steps.append(
            lambda: compose.edit_post(
                pub, classes, ws, post_id, form["text"], variants=variants, extras=extras
            )
        )
    for step in steps:
        try:
            step()
        except ValidationError as exc:
            refused.append(str(exc))
    return refused


@router.post("/w/{slug}/posts/{post_id}/edit")
def post_update(
    request: Request,
    access: Editor,
    store: StoreDep,
    settings: SettingsDep,
    post_id: int,
    raw: FormDep,
) -> Response:
    """Store the changed text, images, thread parts and poll, then schedule, publish or
    queue the post when asked. "Remove image" stores the form too and shows it again."""
    pub = publishing_store(store)
    ws = access.workspace.id
    post = pub.get_post(ws, post_id)
    channels = _post_channels(pub, post)
    form = _read_form(raw, channels, post)
    form["channels"] = [c.name for c in channels]
    new = uploads(raw)
    removing = _text(raw, "remove_image")
    remove = int(removing) if removing.isdigit() else None
    errors = _form_errors(form, new, post, require_alt=pub.require_alt(ws))
    if errors:
        return _composer(
            request,
            settings,
            access,
            store,
            post=post,
            channels=channels,
            form=form,
            errors=errors,
            status=422,
        )
    classes = classes_of(request)
    try:
        refused = _store_edit(pub, classes, post, channels, form, new, remove)
    except (ConflictError, NotFoundError) as exc:
        errors["form"] = str(exc)
        refused = []
    stored = pub.get_post(ws, post_id)
    form.update(new_alts={}, alts={m.id: m.alt for m in stored.media})
    notice = ""
    if refused:
        errors["form"] = _kept_as_draft(form["action"])
        errors["stored"] = "; ".join(refused)
    elif remove is not None and not errors:
        _audit(store, access, "post.edit", stored, "remove_image")
        notice = _("The image was removed and the form saved.")
    elif not errors:
        doing = DRAFT if form["action"] == QUEUE else form["action"]
        written = then(pub, classes, stored, doing, at=_at(form), timezone=form["timezone"])
        _audit(store, access, "post.edit", written.post, form["action"])
        done = _queue_or_refused(pub, classes, access, written, form["action"], channels, errors)
        if done is not None:
            return done
        stored = pub.get_post(ws, post_id)
    return _composer(
        request,
        settings,
        access,
        store,
        post=stored,
        channels=channels,
        form=form,
        errors=errors,
        status=200 if notice else 422,
        notice=notice,
    )


def _detail(
    request: Request,
    access: Access,
    store: Store,
    post: Post,
    *,
    error: str = "",
    status: int = 200,
    queued: bool = False,
    series: bool = False,
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
        "queued": queued,
        "series": series,
    }
    return render(request, "posts_detail.html", context, status=status)


@router.get("/w/{slug}/posts/{post_id}")
def post_detail(
    request: Request,
    access: Viewer,
    store: StoreDep,
    post_id: int,
    queued: str = "",
    series: str = "",
) -> Response:
    """A post: its texts, images, thread, poll, deliveries, approval history and the
    actions the role allows (``queued`` / ``series``: the composer's note after it)."""
    post = publishing_store(store).get_post(access.workspace.id, post_id)
    return _detail(request, access, store, post, queued=bool(queued), series=bool(series))


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
