"""Log in and out, password reset by e-mail, accepting invitations."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.accounts import User
from resonanz.errors import NotFoundError, ResonanzError, ValidationError
from resonanz.web.deps import SettingsDep, StoreDep, optional_user
from resonanz.web.errors import TooManyAttempts
from resonanz.web.i18n import gettext as _
from resonanz.web.mail import MailError, send_mail
from resonanz.web.security import hash_password, new_csrf_token, verify_password
from resonanz.web.templating import render

router = APIRouter()


def start_session(request: Request, user: User) -> None:
    """Log the user in: a fresh session (no fixation) with a new CSRF token."""
    request.session.clear()
    request.session.update({"uid": user.id, "sv": user.session_version, "csrf": new_csrf_token()})
    if user.locale:
        request.session["locale"] = user.locale
    request.state.user = user


def ensure_csrf(request: Request) -> None:
    """Anonymous forms (login, reset) get a CSRF token too."""
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: no open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    ensure_csrf(request)
    return render(request, "login.html", {"next": _safe_next(next), "email": "", "error": ""})


@router.post("/login")
def login(
    request: Request,
    store: StoreDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    keys = (f"email:{email.strip().lower()}", f"ip:{client}")
    if limiter.blocked(*keys):
        raise TooManyAttempts(_("Too many failed logins. Please wait 15 minutes."))
    user = store.accounts.find_user(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        limiter.failed(*keys)
        ensure_csrf(request)
        context = {
            "next": _safe_next(next),
            "email": email,
            "error": _("Wrong e-mail or password."),
        }
        return render(request, "login.html", context, status=401)
    limiter.succeeded(*keys)
    start_session(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/password-reset")
def reset_form(request: Request) -> Response:
    ensure_csrf(request)
    return render(request, "reset_request.html", {"sent": False, "email": ""})


@router.post("/password-reset")
def reset_request(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
) -> Response:
    """Always the same answer, whether or not the address has an account."""
    ensure_csrf(request)
    if not settings.smtp_url:
        message = _("This server cannot send e-mail. Please ask an administrator.")
        return render(
            request,
            "reset_request.html",
            {"sent": False, "email": email, "error": message},
            status=503,
        )
    user = store.accounts.find_user(email)
    if user is not None:
        secret = store.accounts.create_password_reset(user.id)
        link = f"{public_url(settings, request)}/password-reset/{secret}"
        body = _("Someone asked to reset your Resonanz password. To choose a new one, open:")
        try:
            send_mail(
                settings,
                user.email,
                _("Reset your Resonanz password"),
                f"{body}\n\n{link}\n\n" + _("The link works once, for one hour."),
            )
        except MailError as exc:
            return render(
                request,
                "reset_request.html",
                {"sent": False, "email": email, "error": str(exc)},
                status=503,
            )
    return render(request, "reset_request.html", {"sent": True, "email": email})


@router.get("/password-reset/{secret}")
def reset_password_form(request: Request, secret: str) -> Response:
    ensure_csrf(request)
    return render(request, "reset_password.html", {"secret": secret, "error": ""})


@router.post("/password-reset/{secret}")
def reset_password(
    request: Request,
    store: StoreDep,
    secret: str,
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        user = store.accounts.reset_password(secret, hash_password(password))
    except (ValidationError, NotFoundError) as exc:
        ensure_csrf(request)
        context = {"secret": secret, "error": str(exc)}
        return render(request, "reset_password.html", context, status=422)
    start_session(request, user)
    return RedirectResponse("/", status_code=303)


@router.get("/invite/{secret}")
def invitation(request: Request, store: StoreDep, secret: str) -> Response:
    found = store.accounts.invitation_for(secret)
    if found is None:
        raise NotFoundError(_("This invitation is invalid, used or expired."))
    ensure_csrf(request)
    user = optional_user(request)
    has_account = store.accounts.find_user(found.email) is not None
    context = {
        "invitation": found,
        "secret": secret,
        "has_account": has_account,
        "error": "",
        "name": "",
    }
    return render(request, "invitation.html", context | {"me": user})


@router.post("/invite/{secret}")
def accept_invitation(
    request: Request,
    store: StoreDep,
    secret: str,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    found = store.accounts.invitation_for(secret)
    if found is None:
        raise NotFoundError(_("This invitation is invalid, used or expired."))
    user = optional_user(request)
    if user is None:
        if store.accounts.find_user(found.email) is not None:
            return RedirectResponse(f"/login?next=/invite/{secret}", status_code=303)
        try:
            user = store.accounts.create_user(found.email, name, hash_password(password))
        except ResonanzError as exc:
            context = {
                "invitation": found,
                "secret": secret,
                "has_account": False,
                "error": str(exc),
                "name": name,
                "me": None,
            }
            return render(request, "invitation.html", context, status=422)
        start_session(request, user)
    store.accounts.accept_invitation(secret, user.id)
    store.accounts.audit(
        found.workspace_id, user.id, "member.join", user.email, {"role": found.role}
    )
    workspace = next(
        w for w, _m in store.accounts.workspaces_of(user.id) if w.id == found.workspace_id
    )
    return RedirectResponse(f"/w/{workspace.slug}", status_code=303)


def public_url(settings: SettingsDep, request: Request) -> str:
    """The base URL for links in e-mails: settings.base_url, else this request's origin."""
    if settings.base_url:
        return settings.base_url.rstrip("/")
    return str(request.base_url).rstrip("/")
