"""Pure ASGI middleware: the request's UI language and the security headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resonanz.web import i18n

# vega compiles chart expressions with Function(): 'unsafe-eval' for scripts; no inline
# scripts or styles from the page itself except vega-embed's own style element.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


class Locale:
    """Pick the UI language: ?lang= (remembered in the session), session, browser, default."""

    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            session: dict[str, Any] = scope.get("session", {})
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            wanted = (query.get("lang") or [""])[0]
            if wanted in i18n.LOCALES:
                session["locale"] = wanted
            locale = session.get("locale")
            if locale not in i18n.LOCALES:
                accept = None
                for name, value in scope.get("headers", []):
                    if name == b"accept-language":
                        accept = value.decode("latin-1")
                locale = i18n.negotiate(accept, self.default)
            i18n.set_locale(locale)
        await self.app(scope, receive, send)


class SecurityHeaders:
    """CSP, no sniffing, no framing, no referrer leaks, no caching of pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", CSP)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("referrer-policy", "same-origin")
                if not static:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, add_headers)
