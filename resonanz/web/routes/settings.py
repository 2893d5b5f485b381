"""Workspace settings: name, members, invitations, API tokens, UI language, audit log,
aspect categories, trained classifiers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.accounts import ROLES
from resonanz.errors import ValidationError
from resonanz.store import Store
from resonanz.web import aspects_form, classifiers_section, members_admin
from resonanz.web.deps import Access, Admin, Editor, SettingsDep, StoreDep, Viewer
from resonanz.web.i18n import LOCALES
from resonanz.web.i18n import gettext as _
from resonanz.web.templating import render
from resonanz.web.training_jobs import REANALYSE, AlreadyRunning, jobs_of
from resonanz.workspace_models import TASKS

router = APIRouter()

FormStr = Annotated[str, Form()]


def _page(
    request: Request,
    access: Access,
    store: Store,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    aspects_template: bool = False,
    aspects: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    """The settings page; ``aspects``: the aspect section as the caller left it (else read)."""
    admin = access.can("admin")
    if aspects is None and access.can("editor"):
        aspects = aspects_form.section(store, access.workspace.id, template=aspects_template)
    context: dict[str, Any] = {
        "nav": "settings",
        "roles": ROLES,
        "errors": errors or {},
        "members": store.accounts.members(access.workspace.id) if admin else [],
        "invitations": store.accounts.list_invitations(access.workspace.id) if admin else [],
        "tokens": members_admin.visible_tokens(store, access),
        "emails": {u.id: u.email for u, _m in store.accounts.members(access.workspace.id)},
        "form": {},
        "notice": "",
        "aspects": aspects,
        "classifiers": classifiers_section.section(
            store, jobs_of(request.app), access.workspace.id
        ),
    }
    context.update(extra)
    return render(request, "settings.html", context, status=status)


def _back(access: Access, anchor: str = "") -> Response:
    target = f"/w/{access.workspace.slug}/settings" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(target, status_code=303)


@router.get("/w/{slug}/settings")
def settings_page(
    request: Request, access: Viewer, store: StoreDep, aspects_template: int = 0
) -> Response:
    """The settings the caller's role may see (``aspects_template=1``: the aspect
    categories' field filled with the shipped railway template, not yet saved)."""
    return _page(request, access, store, aspects_template=bool(aspects_template))


@router.post("/w/{slug}/settings/name")
def rename(request: Request, access: Admin, store: StoreDep, name: FormStr = "") -> Response:
    """Change the workspace's display name."""
    if not name.strip() or len(name.strip()) > 200:
        errors = {"name": _("Please enter a name (up to 200 characters).")}
        return _page(request, access, store, errors=errors, form={"name": name}, status=422)
    store.accounts.rename_workspace(access.workspace.id, name)
    store.accounts.audit(access.workspace.id, access.user.id, "workspace.rename", name.strip())
    return _back(access)


@router.post("/w/{slug}/settings/members/{user_id}")
def member_update(
    request: Request,
    access: Admin,
    store: StoreDep,
    user_id: int,
    role: FormStr = "",
    approver: FormStr = "",
) -> Response:
    """Change a member's role and approver flag."""
    try:
        members_admin.change_member(store, access, user_id, role, approver in ("1", "on", "true"))
    except ValidationError as exc:
        return _page(request, access, store, errors={"members": str(exc)}, status=422)
    return _back(access, "members")


@router.post("/w/{slug}/settings/members/{user_id}/delete")
def member_remove(request: Request, access: Admin, store: StoreDep, user_id: int) -> Response:
    """Take a member out of the workspace."""
    try:
        members_admin.remove_member(store, access, user_id)
    except ValidationError as exc:
        return _page(request, access, store, errors={"members": str(exc)}, status=422)
    return _back(access, "members")


@router.post("/w/{slug}/settings/invitations")
def invitation_create(
    request: Request,
    access: Admin,
    store: StoreDep,
    settings: SettingsDep,
    email: FormStr = "",
    role: FormStr = "viewer",
) -> Response:
    """Invite someone by e-mail; without SMTP the link is shown here once."""
    form = {"email": email, "role": role}
    try:
        sent = members_admin.invite(request, store, settings, access, email, role)
    except ValidationError as exc:
        field = "role" if role not in ROLES else "email"
        return _page(request, access, store, errors={field: str(exc)}, form=form, status=422)
    return _page(request, access, store, sent=sent)


@router.post("/w/{slug}/settings/invitations/{invitation_id}/revoke")
def invitation_revoke(access: Admin, store: StoreDep, invitation_id: int) -> Response:
    """Withdraw an open invitation."""
    revoked = store.accounts.revoke_invitation(access.workspace.id, invitation_id)
    store.accounts.audit(access.workspace.id, access.user.id, "invitation.revoke", revoked.email)
    return _back(access, "invitations")


@router.post("/w/{slug}/settings/tokens")
def token_create(request: Request, access: Viewer, store: StoreDep, name: FormStr = "") -> Response:
    """Create an API token of the caller's; its secret is shown once."""
    try:
        token, secret = members_admin.create_token(store, access, name)
    except ValidationError as exc:
        form = {"token_name": name}
        return _page(request, access, store, errors={"token_name": str(exc)}, form=form, status=422)
    return _page(request, access, store, new_token=token, new_secret=secret)


@router.post("/w/{slug}/settings/tokens/{token_id}/revoke")
def token_revoke(access: Viewer, store: StoreDep, token_id: int) -> Response:
    """Revoke an API token (own ones; admins: anyone's)."""
    members_admin.revoke_token(store, access, token_id)
    return _back(access, "tokens")


@router.post("/w/{slug}/settings/locale")
def locale_set(request: Request, access: Viewer, store: StoreDep, locale: FormStr = "") -> Response:
    """The caller's UI language (kept with the account and in the session)."""
    if locale not in LOCALES:
        return _page(
            request, access, store, errors={"locale": _("Please choose a language.")}, status=422
        )
    store.accounts.update_user(access.user.id, locale=locale)
    request.session["locale"] = locale
    return _back(access, "language")


@router.post("/w/{slug}/settings/aspects")
def aspects_save(
    request: Request,
    access: Editor,
    store: StoreDep,
    source: FormStr = "",
    fmt: FormStr = "toml",
) -> Response:
    """Check a category file and make it the workspace's aspect categories."""
    try:
        aspects_form.save(store, access.workspace.id, access.user.id, source, fmt)
    except ValidationError as exc:
        # What was typed comes back as it was, with the error beside it.
        aspects = aspects_form.section(store, access.workspace.id)
        aspects.update(text=source, fmt=fmt if fmt in aspects["formats"] else "toml")
        errors = {"aspects": str(exc)}
        return _page(request, access, store, errors=errors, status=422, aspects=aspects)
    return _back(access, "aspects")


@router.post("/w/{slug}/settings/aspects/clear")
def aspects_clear(access: Editor, store: StoreDep) -> Response:
    """Remove the workspace's own categories (collection goes back to the setting)."""
    if store.aspects.clear(access.workspace.id):
        store.accounts.audit(access.workspace.id, access.user.id, "aspects.clear", "")
    return _back(access, "aspects")


def _busy(
    request: Request, access: Access, store: Store, task: str, section: str, message: str
) -> Response:
    """409: the page with ``message`` (``%(at)s``: when the running job began) in the
    section."""
    running = jobs_of(request.app).state(access.workspace.id, task)
    at = running.started_at.strftime("%H:%M") if running else ""
    return _page(request, access, store, errors={section: message % {"at": at}}, status=409)


# A training that fails at once (too few labels) is shown by the page the click leads to.
QUICK_FAILURE_S = 0.5


@router.post("/w/{slug}/settings/classifiers/train")
def classifier_train(
    request: Request,
    access: Editor,
    store: StoreDep,
    settings: SettingsDep,
    task: FormStr = "",
) -> Response:
    """Start training the workspace's ``task`` classifier in the background."""
    if task not in TASKS:
        errors = {"classifiers": _("Please choose sentiment, relevance or aspects.")}
        return _page(request, access, store, errors=errors, status=422)
    jobs = jobs_of(request.app)
    try:
        jobs.start(
            store,
            access.workspace.id,
            task,
            user_id=access.user.id,
            categories_setting=settings.aspect_categories,
        )
    except AlreadyRunning:
        message = _("This classifier is already being trained (since %(at)s UTC).")
        return _busy(request, access, store, task, "classifiers", message)
    jobs.wait(access.workspace.id, task, QUICK_FAILURE_S)
    return _back(access, "classifiers")


# Days back a reanalysis from the settings page may reach (ten years).
REANALYSE_MAX_DAYS = 3650


@router.post("/w/{slug}/settings/classifiers/reanalyse")
def classifier_reanalyse(
    request: Request,
    access: Editor,
    store: StoreDep,
    settings: SettingsDep,
    days: FormStr = "",
) -> Response:
    """Reanalyse the mentions posted in the last ``days`` days with the workspace's active
    models and categories, in the background (``resonanz reanalyse``)."""
    try:
        n_days = int(days.strip())
    except ValueError:
        n_days = 0
    if not 1 <= n_days <= REANALYSE_MAX_DAYS:
        message = _("Please give a number of days from 1 to %(max)s.") % {"max": REANALYSE_MAX_DAYS}
        return _page(request, access, store, errors={"reanalyse": message}, status=422)
    since = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since -= timedelta(days=n_days - 1)
    jobs = jobs_of(request.app)
    try:
        jobs.start_reanalyse(
            store, access.workspace.id, settings=settings, since=since, user_id=access.user.id
        )
    except AlreadyRunning:
        message = _("The mentions are already being reanalysed (since %(at)s UTC).")
        return _busy(request, access, store, REANALYSE, "reanalyse", message)
    jobs.wait(access.workspace.id, REANALYSE, QUICK_FAILURE_S)
    return _back(access, "reanalyse")


@router.get("/w/{slug}/settings/audit")
def audit_log(request: Request, access: Admin, store: StoreDep) -> Response:
    """The workspace's audit log, newest first."""
    entries = store.accounts.audit_entries(access.workspace.id, limit=200)
    return render(request, "settings_audit.html", {"nav": "settings", "entries": entries})
