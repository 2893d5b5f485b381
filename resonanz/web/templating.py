"""The Jinja2 environment: autoescaping on, gettext from ``i18n``, and ``render``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from resonanz.web import i18n


def _datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else value.strftime(fmt)


def format_number(value: int | float | None, digits: int = 1) -> str:
    """A number in the request's language (1,234.5 / 1.234,5); floats with ``digits``."""
    if value is None:
        return ""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"
    if i18n.current_locale() == "de":  # 1,234.5 -> 1.234,5
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _number(value: int | float | None) -> str:
    return format_number(value)


def _lang_url(request: Request, code: str) -> str:
    """This page's address with the UI language switched, its other parameters kept."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return "?" + urlencode([*params, ("lang", code)])


def environment() -> Environment:
    """A Jinja2 environment over ``resonanz/web/templates`` (HTML escaped everywhere)."""
    env = Environment(
        loader=PackageLoader("resonanz.web", "templates"),
        autoescape=select_autoescape(("html", "xml"), default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters["datetime"] = _datetime
    env.filters["number"] = _number
    return env


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a template with the request's user, workspace, CSRF token and locale."""
    state = request.state
    values = {
        "request": request,
        "user": getattr(state, "user", None),
        "access": getattr(state, "access", None),
        "csrf_token": request.session.get("csrf", "") if "session" in request.scope else "",
        "locale": i18n.current_locale(),
        "locales": i18n.LOCALES,
        "lang_url": lambda code: _lang_url(request, code),
    }
    values.update(context or {})
    html = request.app.state.templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)
