"""Connecting OAuth channels from the browser: X, LinkedIn and Threads (publishing.
oauth_connect), a Facebook Page or an Instagram professional account through Facebook
Login (publishing.meta_connect), a Mastodon account (publishing.mastodon_connect: Resonanz
registers itself as an app on the instance, so no client id is typed); the same flows as
``resonanz channels connect``.

1. An admin sends the form (kind, name, the app's client id and secret, LinkedIn's author,
   the Meta Page, the Mastodon instance). :func:`begin_flow` makes the authorize URL
   with a fresh ``state`` (and a PKCE verifier where the platform takes one) and keeps
   the flow in the session: the state, the user and workspace it is bound to, when it
   expires, and everything else (client secret, verifier) sealed with the encryption
   key, so the signed (not encrypted) session cookie carries no secret in the clear. One
   flow per session: a new one replaces the one before.
2. The platform sends the browser back to ``<base_url>/w/{slug}/channels/callback/{kind}``
   with ``code`` and ``state`` (or ``error``). :func:`take_flow` accepts only the session's
   own state; the flow is then removed whatever follows (single use) and must belong to
   this user, workspace and kind and be younger than :data:`LIFETIME_S`.
3. :func:`finish_flow` exchanges the code through the channel kind's own code and stores
   the channel encrypted (an existing channel of that name is connected again). When a
   Facebook Login granted several Pages and the form named none, it answers a
   :class:`PageChoice` instead: the long-lived user token waits sealed in the session
   (same checks, single use, ten minutes) until :func:`choose_page` gets the admin's pick.

Messages are in the request's language; no token, secret or code is put in one.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from resonanz import secrets as secret_box
from resonanz.config import Settings
from resonanz.errors import ConfigError, NotFoundError, ValidationError
from resonanz.publishing import mastodon_connect, meta_connect, oauth_connect
from resonanz.publishing.channels.facebook import API as GRAPH_API
from resonanz.publishing.links import links_base_url
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.oauth import Authorization, OAuthApp
from resonanz.store.publishing import PublishingStore
from resonanz.web.deps import Access
from resonanz.web.i18n import gettext as _

OAUTH_KINDS = ("mastodon", "x", "linkedin", "threads", "facebook", "instagram")
SESSION_KEY = "channel_connect"
PAGES_KEY = "channel_connect_pages"
LIFETIME_S = 600  # the user has ten minutes to allow access on the platform


@dataclass(frozen=True)
class ConnectForm:
    """What the admin typed; ``client_secret`` is never shown back."""

    kind: str
    name: str
    client_id: str
    client_secret: str = field(default="", repr=False)
    author: str = ""  # LinkedIn: urn:li:organization:ID to post as a page
    page: str = ""  # Facebook / Instagram: the Page when several are granted
    api: str = ""  # another API base (a proxy); LinkedIn: also its token endpoint
    instance: str = ""  # Mastodon: the instance URL

    def shown(self) -> dict[str, str]:
        """The fields a form may show again (no secret)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "client_id": self.client_id,
            "author": self.author,
            "page": self.page,
            "api": self.api,
            "instance": self.instance,
        }


@dataclass(frozen=True)
class PageChoice:
    """Several Pages were granted and none named: the admin picks one."""

    kind: str
    name: str
    pages: tuple[meta_connect.MetaPage, ...]  # shown by label (id, name, account), no token


def redirect_uri(settings: Settings, slug: str, kind: str) -> str:
    """The redirect URI to register with the platform's app."""
    return f"{links_base_url(settings)}/w/{slug}/channels/callback/{kind}"


def _config(form: ConnectForm, existing: PublishChannel | None) -> dict[str, Any]:
    """The channel config the flow needs; a reconnected channel keeps its API base and
    author unless the form names others."""
    old = existing.config if existing is not None else {}
    config: dict[str, Any] = {}
    api = form.api.strip() or old.get("api")
    if api and form.kind != "facebook" and form.kind != "instagram":
        config["api"] = api
    if form.kind == "linkedin":
        oauth = form.api.strip() or old.get("oauth")
        if oauth:
            config["oauth"] = oauth
        author = form.author.strip() or old.get("author")
        if author:
            config["author"] = author
    return config


def _existing(pub: PublishingStore, workspace_id: int, form: ConnectForm) -> PublishChannel | None:
    try:
        channel = pub.get_channel(workspace_id, form.name.strip())
    except NotFoundError:
        return None
    if channel.kind != form.kind:
        raise ValidationError(
            _("Channel %(name)s is a %(kind)s channel: choose another name.")
            % {"name": channel.name, "kind": channel.kind}
        )
    return channel


def begin_flow(
    session: MutableMapping[str, Any],
    settings: Settings,
    classes: Mapping[str, type],
    pub: PublishingStore,
    access: Access,
    form: ConnectForm,
) -> str:
    """Check the form, keep the flow in the session; the platform's authorize URL."""
    if form.kind not in OAUTH_KINDS:
        raise ValidationError(_("Choose Mastodon, X, LinkedIn, Threads, Facebook or Instagram."))
    if form.kind == "mastodon":
        return _begin_mastodon(session, settings, pub, access, form)
    if not (form.name.strip() and form.client_id.strip()):
        raise ValidationError(_("Fill in the name and the app's client id."))
    if form.kind != "x" and not form.client_secret.strip():
        raise ValidationError(_("This platform needs the app's client secret."))
    existing = _existing(pub, access.workspace.id, form)
    config = _config(form, existing)
    app = OAuthApp(
        form.client_id.strip(),
        form.client_secret.strip() or None,
        redirect_uri(settings, access.workspace.slug, form.kind),
    )
    if form.kind in meta_connect.KINDS:
        started = meta_connect.begin(form.kind, app)
    else:
        started = oauth_connect.begin(classes, form.kind, config, app)
    _keep(session, settings, access, form, app, config, started)
    return started.url


def _begin_mastodon(
    session: MutableMapping[str, Any],
    settings: Settings,
    pub: PublishingStore,
    access: Access,
    form: ConnectForm,
) -> str:
    """Mastodon: the app registered on the instance (or the one kept from an earlier
    connect there), then the instance's authorize URL."""
    existing = _existing(pub, access.workspace.id, form)
    kept = existing.config.get("instance") if existing is not None else None
    typed = form.instance.strip() or str(kept or "")  # a reconnect keeps its instance
    if not (form.name.strip() and typed):
        raise ValidationError(_("Fill in the name and the Mastodon instance."))
    instance = mastodon_connect.instance_url(typed, settings)
    redirect = redirect_uri(settings, access.workspace.slug, form.kind)
    app = mastodon_connect.app_for(pub, settings, access.workspace.id, instance, redirect)
    started = mastodon_connect.begin(instance, app)
    _keep(session, settings, access, form, app, {"instance": instance}, started)
    return started.url


def _keep(
    session: MutableMapping[str, Any],
    settings: Settings,
    access: Access,
    form: ConnectForm,
    app: OAuthApp,
    config: Mapping[str, Any],
    started: Authorization,
) -> None:
    """The flow in the session: what the callback checks in the clear, the rest sealed."""
    sealed = {
        "name": form.name.strip(),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri,
        "config": dict(config),
        "page": form.page.strip(),
        "api": form.api.strip(),
        "verifier": started.verifier,
    }
    session[SESSION_KEY] = {
        "state": started.state,
        "user": access.user.id,
        "workspace": access.workspace.id,
        "kind": form.kind,
        "expires": time.time() + LIFETIME_S,
        "sealed": secret_box.encrypt(settings, json.dumps(sealed)),
    }


def take_flow(
    session: MutableMapping[str, Any],
    settings: Settings,
    access: Access,
    kind: str,
    state: str,
) -> dict[str, Any]:
    """The flow the callback answers; ValidationError (nothing is connected) when the
    state is not this session's, or the flow was started by another user, in another
    workspace, for another kind, or too long ago. A matching state ends the flow."""
    pending = session.get(SESSION_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("state"), str):
        raise ValidationError(
            _(
                "No connect flow is waiting in this browser (it was finished or never started): "
                "start again."
            )
        )
    if not state or not hmac.compare_digest(pending["state"], state):
        raise ValidationError(
            _(
                "The answer does not belong to the connect flow started in this browser: "
                "start again."
            )
        )
    del session[SESSION_KEY]
    return _opened(settings, access, pending, kind)


def _opened(
    settings: Settings, access: Access, pending: Mapping[str, Any], kind: str
) -> dict[str, Any]:
    """The sealed part of a flow taken from the session, after its checks."""
    if pending.get("user") != access.user.id or pending.get("workspace") != access.workspace.id:
        raise ValidationError(
            _(
                "This connect flow was started in another workspace or by another user: "
                "start again there."
            )
        )
    if pending.get("kind") != kind:
        raise ValidationError(_("This connect flow was started for another platform: start again."))
    if float(pending.get("expires") or 0) < time.time():
        raise ValidationError(_("The connect flow took longer than ten minutes: start again."))
    data: dict[str, Any] = json.loads(secret_box.decrypt(settings, str(pending["sealed"])))
    return data


def finish_flow(
    session: MutableMapping[str, Any],
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    access: Access,
    kind: str,
    flow: Mapping[str, Any],
    code: str,
) -> PublishChannel | PageChoice:
    """Exchange the code and store the channel (ConfigError with the platform's reason);
    a PageChoice when Facebook Login granted several Pages and the form named none."""
    if not code:
        raise ConfigError("the platform sent no authorization code back")
    app = OAuthApp(str(flow["client_id"]), flow.get("client_secret"), str(flow["redirect_uri"]))
    name = str(flow["name"])
    if kind == "mastodon":
        config = dict(flow.get("config") or {})
        return mastodon_connect.finish(
            pub,
            settings,
            classes,
            access.workspace.id,
            name,
            config,
            app,
            code,
            flow.get("verifier"),
        )
    if kind in meta_connect.KINDS:
        base = (str(flow.get("api") or "") or GRAPH_API).rstrip("/")
        token = meta_connect.user_token(settings, app, code, api=base)
        granted = meta_connect.pages(settings, token, api=base)
        wanted = str(flow.get("page") or "") or None
        candidates = tuple(p for p in granted if p.ig_id or kind == "facebook")
        if wanted is None and len(candidates) > 1:
            sealed = {"token": token, "name": name, "api": base}
            session[PAGES_KEY] = {
                "user": access.user.id,
                "workspace": access.workspace.id,
                "kind": kind,
                "expires": time.time() + LIFETIME_S,
                "sealed": secret_box.encrypt(settings, json.dumps(sealed)),
            }
            return PageChoice(kind, name, candidates)
        chosen = meta_connect.choose(granted, kind, wanted)
        return meta_connect.connect_page(
            pub, settings, classes, access.workspace.id, kind, name, chosen, api=base
        )
    authorization = Authorization("", "", flow.get("verifier"))
    return oauth_connect.finish(
        pub,
        settings,
        classes,
        access.workspace.id,
        kind,
        name,
        dict(flow.get("config") or {}),
        app,
        code,
        authorization,
    )


def _waiting(
    session: MutableMapping[str, Any], settings: Settings, access: Access, *, take: bool
) -> tuple[str, dict[str, Any]]:
    """The kind and sealed part of the Page choice waiting in the session (removed with
    ``take``)."""
    pending = session.pop(PAGES_KEY, None) if take else session.get(PAGES_KEY)
    if not isinstance(pending, dict):
        raise ValidationError(
            _(
                "No connect flow is waiting in this browser (it was finished or never started): "
                "start again."
            )
        )
    kind = str(pending.get("kind"))
    return kind, _opened(settings, access, pending, kind)


def page_choice(
    session: MutableMapping[str, Any], settings: Settings, access: Access
) -> PageChoice:
    """The granted Pages of the waiting choice, listed again with its user token (so no
    list of Pages has to fit in the session cookie)."""
    kind, waiting = _waiting(session, settings, access, take=False)
    granted = meta_connect.pages(settings, str(waiting["token"]), api=str(waiting["api"]))
    candidates = tuple(p for p in granted if p.ig_id or kind == "facebook")
    return PageChoice(kind, str(waiting["name"]), candidates)


def choose_page(
    session: MutableMapping[str, Any],
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    access: Access,
    page: str,
) -> PublishChannel:
    """Connect the Page the admin picked after a PageChoice (the waiting user token is
    used once: the granted Pages are listed again and the pick must be one of them)."""
    kind, waiting = _waiting(session, settings, access, take=True)
    base = str(waiting["api"])
    granted = meta_connect.pages(settings, str(waiting["token"]), api=base)
    chosen = meta_connect.choose(granted, kind, page.strip() or None)
    return meta_connect.connect_page(
        pub, settings, classes, access.workspace.id, kind, str(waiting["name"]), chosen, api=base
    )
