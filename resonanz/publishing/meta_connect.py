"""Connecting a Facebook Page or an Instagram professional account with Facebook Login.

1. The Login dialog (``https://www.facebook.com/{version}/dialog/oauth``) with the
   scopes below and a random ``state``; the user allows access and is sent back to the
   app's redirect URI with a ``code``.
2. The code is exchanged for a short-lived user token, that one for a long-lived user
   token (``grant_type=fb_exchange_token``): both at ``/{version}/oauth/access_token``,
   sent as a POST form so that the app secret, the code and the tokens are in no URL
   (and so in no request log).
3. ``GET /{version}/me/accounts`` (the user token as a Bearer header) lists the Pages the
   user granted, each with its Page access token and linked
   ``instagram_business_account{id,username}``.
4. The chosen Page's token is stored encrypted as the channel's ``access_token``: a Page
   token obtained with a long-lived user token does not expire (it stops working when the
   user removes the app, changes the password or loses the Page role: the channel is then
   disconnected at the next send, code 190). The user token is not kept.

Graph error bodies (``{"error": {"message", "type", "code", ...}}``) become ConfigErrors
with Meta's message and code: 190 (invalid or expired token, a used code), 10 / 200–299
(a permission is missing), 100 (a bad code or redirect URI).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError
from resonanz.fetcher import validate_url
from resonanz.publishing.channels.facebook import API, GRAPH_VERSION
from resonanz.publishing.channels.graph import graph_data, graph_failure
from resonanz.publishing.channels.httpapi import ChannelApi
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.oauth import Authorization, OAuthApp, OAuthProvider, start, token_request
from resonanz.publishing.oauth_connect import store_connected
from resonanz.store.publishing import PublishingStore

KINDS = ("facebook", "instagram")
SCOPES: dict[str, tuple[str, ...]] = {
    "facebook": ("pages_manage_posts", "pages_read_engagement", "pages_show_list"),
    # /me/accounts needs pages_show_list (and pages_read_engagement for the linked
    # account) to find the Page the Instagram account belongs to.
    "instagram": (
        "instagram_basic",
        "instagram_content_publish",
        "pages_show_list",
        "pages_read_engagement",
    ),
}
DIALOG = "https://www.facebook.com/{version}/dialog/oauth"
PAGE_FIELDS = "id,name,access_token,instagram_business_account{id,username}"


@dataclass(frozen=True)
class MetaPage:
    """A Page the user granted, with its token (never shown) and linked Instagram
    professional account (if any)."""

    id: str
    name: str
    token: str = field(repr=False)
    ig_id: str | None = None
    ig_username: str | None = None

    def label(self) -> str:
        """ "123 ACME" or "123 ACME (Instagram @acme)"; no token."""
        ig = f" (Instagram @{self.ig_username or self.ig_id})" if self.ig_id else ""
        return f"{self.id} {self.name}{ig}"


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ConfigError(f"a Facebook Login flow connects facebook or instagram, not {kind!r}")
    return kind


def begin(kind: str, app: OAuthApp, *, version: str = GRAPH_VERSION) -> Authorization:
    """The Login dialog URL for ``kind`` (scopes comma-separated, no PKCE)."""
    if not app.client_id:
        raise ConfigError("--client-id is needed: the app id from Meta's app dashboard")
    if not app.client_secret:
        raise ConfigError("--client-secret is needed: the app secret (kept for nothing else)")
    provider = OAuthProvider(
        authorize_url=DIALOG.format(version=version),
        scopes=SCOPES[_kind(kind)],
        pkce=False,
        scope_separator=",",
    )
    return start(provider, app)


def _token(
    settings: Settings, api: str, version: str, form: Mapping[str, str], what: str, **options: Any
) -> str:
    try:
        data = token_request(
            settings,
            f"{api}/{version}/oauth/access_token",
            form,
            service="Facebook",
            transport=options.get("transport"),
        )
    except PublishError as exc:
        raise ConfigError(f"Facebook did not give {what}: {exc}") from exc
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise ConfigError(f"Facebook answered without {what}")
    return token


def user_token(
    settings: Settings,
    app: OAuthApp,
    code: str,
    *,
    api: str = API,
    version: str = GRAPH_VERSION,
    **options: Any,
) -> str:
    """The code exchanged for a short-lived, then a long-lived user token."""
    short = _token(
        settings,
        api,
        version,
        {
            "client_id": app.client_id,
            "client_secret": app.client_secret or "",
            "redirect_uri": app.redirect_uri,
            "code": code,
        },
        "a user token for the code",
        **options,
    )
    return _token(
        settings,
        api,
        version,
        {
            "grant_type": "fb_exchange_token",
            "client_id": app.client_id,
            "client_secret": app.client_secret or "",
            "fb_exchange_token": short,
        },
        "a long-lived user token",
        **options,
    )


def pages(
    settings: Settings,
    token: str,
    *,
    api: str = API,
    version: str = GRAPH_VERSION,
    **options: Any,
) -> list[MetaPage]:
    """The Pages the user granted (at most 100), with their tokens."""
    client = ChannelApi(
        settings,
        name="Facebook",
        base_url=api,
        headers={"Authorization": f"Bearer {token}"},
        transport=options.get("transport"),
        error_for=graph_failure("Facebook"),
    )
    try:
        response = client.call(
            "GET",
            f"/{version}/me/accounts",
            params={"fields": PAGE_FIELDS, "limit": 100},
            publishes=False,
        )
    except PublishError as exc:
        raise ConfigError(f"the Facebook Pages could not be listed: {exc}") from exc
    finally:
        client.close()
    found = []
    for item in graph_data(response.data):
        ig = item.get("instagram_business_account")
        ig = ig if isinstance(ig, Mapping) else {}
        if item.get("id") and item.get("access_token"):
            found.append(
                MetaPage(
                    id=str(item["id"]),
                    name=str(item.get("name") or item["id"]),
                    token=str(item["access_token"]),
                    ig_id=str(ig["id"]) if ig.get("id") else None,
                    ig_username=str(ig["username"]) if ig.get("username") else None,
                )
            )
    return found


def choose(found: Sequence[MetaPage], kind: str, wanted: str | None) -> MetaPage:
    """The Page to connect: ``wanted`` is a Page id or name (for Instagram also the
    account's id or @username); without it, the only candidate. ConfigError naming the
    candidates otherwise."""
    if not found:
        raise ConfigError(
            "this Facebook user granted no Pages to the app: choose the Page in the Login "
            "dialog (and allow pages_show_list), or ask for a Page role"
        )
    candidates = [p for p in found if p.ig_id] if _kind(kind) == "instagram" else list(found)
    if not candidates:
        granted = ", ".join(p.label() for p in found)
        raise ConfigError(
            f"none of the granted Pages has an Instagram professional account linked ({granted})"
        )
    if wanted:
        key = wanted.strip().lstrip("@").casefold()
        for page in candidates:
            keys = {page.id, page.name, page.ig_id or "", page.ig_username or ""}
            if key in {k.casefold() for k in keys if k}:
                return page
        listed = ", ".join(p.label() for p in candidates)
        raise ConfigError(f"no granted Page matches {wanted!r}; choose one of: {listed}")
    if len(candidates) > 1:
        listed = ", ".join(p.label() for p in candidates)
        raise ConfigError(f"several Pages were granted; choose one with --page: {listed}")
    return candidates[0]


def connect_page(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    workspace_id: int,
    kind: str,
    name: str,
    page: MetaPage,
    *,
    api: str = API,
    version: str = GRAPH_VERSION,
    **options: Any,
) -> PublishChannel:
    """Store the Page's token (checked against the platform first) as channel ``name``;
    an existing channel of that name is connected again."""
    validate_url(api, settings)
    config: dict[str, Any] = {"api": api, "version": version, "page": page.id}
    if _kind(kind) == "instagram":
        if not page.ig_id:
            raise ConfigError(f"Page {page.name!r} has no Instagram professional account")
        config.update(ig_user=page.ig_id, account=f"@{page.ig_username or page.ig_id}")
    # A Page token made from a long-lived user token does not expire.
    config.update(token_expires_at=None, refresh_expires_at=None, auto_refresh=False)
    return store_connected(
        pub,
        settings,
        classes,
        workspace_id,
        kind,
        name,
        config,
        {"access_token": page.token},
        **options,
    )
