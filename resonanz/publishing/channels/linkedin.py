"""Publishing to LinkedIn: ``POST /rest/posts`` (the versioned Posts API) as a member
(``urn:li:person:…``) or an organisation page (``urn:li:organization:…``).

Every call carries ``LinkedIn-Version: YYYYMM`` (config ``version``; LinkedIn retires a
version after about a year and answers 426) and ``X-Restli-Protocol-Version: 2.0.0``.
The created post's URN comes back in the ``x-restli-id`` header. The commentary is
LinkedIn's "little text" format: the characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` are
escaped (an unescaped one cuts the text off there), and ``#tag`` becomes a hashtag
template. 3,000 characters, counted as UTF-16 code units.

Exactly once: no idempotency key; after an attempt of unknown outcome the author's newest
posts (``GET /rest/posts?q=author``, needs ``r_organization_social`` for pages or
``r_member_social`` for members) are searched for the same commentary first, and a
refused read sends the delivery to needs_attention.

Tokens: access tokens live ~60 days; refresh tokens (apps with programmatic refresh)
365 days from the first grant — refreshing does not extend that, so the channel must be
connected again within a year (warned ahead).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import regex

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.httpapi import (
    ChannelApi,
    checked_api,
    in_doubt,
    recent_match,
    required_secret,
)
from resonanz.publishing.channels.units import CountedLimits, utf16_units
from resonanz.publishing.models import Attempt, Receipt
from resonanz.publishing.oauth import Grant, OAuthApp, OAuthProvider, grant_of, token_request

API = "https://api.linkedin.com"
OAUTH = "https://www.linkedin.com"
VERSION = "202511"
_AUTHOR = regex.compile(r"urn:li:(person|organization):[A-Za-z0-9_-]+")
_RESERVED = regex.compile(r"([\\|{}@\[\]()<>#*_~])")
_HASHTAG = regex.compile(r"(?<![\w#&])#(\w*\p{L}\w*)")
LIMITS = CountedLimits(max_units=3000, unit="characters (UTF-16)", counter=utf16_units)


def commentary(text: str) -> str:
    """``text`` in the little text format: reserved characters escaped, hashtags as
    ``{hashtag|\\#|tag}``."""
    out, last = [], 0
    for match in _HASHTAG.finditer(text):
        out.append(_RESERVED.sub(r"\\\1", text[last : match.start()]))
        out.append("{hashtag|\\#|" + match.group(1) + "}")
        last = match.end()
    out.append(_RESERVED.sub(r"\\\1", text[last:]))
    return "".join(out)


def _scopes(author: str) -> tuple[str, ...]:
    if author.startswith("urn:li:organization:"):
        return ("w_organization_social", "r_organization_social")
    return ("openid", "profile", "w_member_social")


class LinkedInChannel:
    """A LinkedIn member or page: ``author`` URN (learned for members), ``version``,
    ``api`` in the config; ``access_token`` (and ``refresh_token``, the app's client)
    in the secrets."""

    kind: ClassVar[str] = "linkedin"
    label: ClassVar[str] = "LinkedIn"
    replaces_in_doubt: ClassVar[bool] = False
    idempotency_window_s: ClassVar[float | None] = None
    refresh_margin_s: ClassVar[float] = 7 * 86400.0

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = dict(config)
        self.api = ChannelApi(
            settings,
            name=f"LinkedIn {self.config.get('account') or self.config.get('author', '')}",
            base_url=str(self.config.get("api") or API),
            headers={
                "Authorization": f"Bearer {secrets.get('access_token', '')}",
                "LinkedIn-Version": str(self.config.get("version") or VERSION),
                "X-Restli-Protocol-Version": "2.0.0",
            },
            transport=transport,
        )

    @classmethod
    def oauth_provider(cls, config: Mapping[str, Any]) -> OAuthProvider:
        """LinkedIn's authorization (no PKCE for web apps): member or page scopes."""
        return OAuthProvider(
            authorize_url=f"{OAUTH}/oauth/v2/authorization",
            scopes=_scopes(str(config.get("author") or "")),
            pkce=False,
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        api = checked_api(config, settings, API)
        author = str(config.get("author") or "").strip()
        if author and not _AUTHOR.fullmatch(author):
            raise ConfigError(
                f"--author {author!r} is not urn:li:organization:ID or urn:li:person:ID"
            )
        version = str(config.get("version") or VERSION)
        if not regex.fullmatch(r"20\d{4}(\.\d{2})?", version):
            raise ConfigError(f"--linkedin-version {version!r} is not YYYYMM, e.g. {VERSION}")
        token = required_secret(
            secrets,
            "access_token",
            "a LinkedIn channel needs an access token: 'resonanz channels connect linkedin "
            "NAME' or --token",
        )
        checked = {**dict(config), "api": api, "author": author, "version": version}
        return checked, {**dict(secrets), "access_token": token}

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> CountedLimits:
        return LIMITS

    def close(self) -> None:
        self.api.close()

    def check(self) -> ChannelCheck:
        """A page: ``GET /rest/organizations/{id}``; a member: ``GET /v2/userinfo``
        (OpenID Connect), whose ``sub`` makes the author URN."""
        author = str(self.config.get("author") or "")
        if author.startswith("urn:li:organization:"):
            org_id = author.rsplit(":", 1)[1]
            data = self.api.data(
                self.api.call("GET", f"/rest/organizations/{org_id}", publishes=False)
            )
            account = str(data.get("localizedName") or author)
            return ChannelCheck(account=account, config={"account": account})
        data = self.api.data(self.api.call("GET", "/v2/userinfo", publishes=False))
        sub = data.get("sub")
        if not isinstance(sub, str) or not sub:
            raise PublishError(f"{self.api.name}: /v2/userinfo answered without 'sub'")
        person = f"urn:li:person:{sub}"
        if author and author != person:
            raise PublishError(
                f"the token belongs to {person}, not to --author {author}", permanent=True
            )
        account = str(data.get("name") or person)
        return ChannelCheck(account=account, config={"account": account, "author": person})

    def publish(self, attempt: Attempt) -> Receipt:
        author = str(self.config.get("author") or "")
        body = commentary(attempt.text)
        if in_doubt(attempt):
            found = recent_match(
                self.api,
                body,
                "/rest/posts",
                {"author": author, "q": "author", "count": 20, "sortBy": "LAST_MODIFIED"},
                items=_elements,
                text_key="commentary",
            )
            if found is not None:
                return _receipt(found)
        response = self.api.call(
            "POST",
            "/rest/posts",
            json_body={
                "author": author,
                "commentary": body,
                "visibility": "PUBLIC",
                "distribution": {
                    "feedDistribution": "MAIN_FEED",
                    "targetEntities": [],
                    "thirdPartyDistributionChannels": [],
                },
                "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": False,
            },
        )
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise PublishError(
                f"{self.api.name} answered {response.status} without the post's URN",
                in_doubt=True,
            )
        return _receipt(urn)

    # -- OAuth 2.0 (authorization code; refresh for apps LinkedIn enabled it for)
    @classmethod
    def connect_grant(
        cls,
        config: Mapping[str, Any],
        app: OAuthApp,
        code: str,
        verifier: str | None,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> Grant:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
            "client_id": app.client_id,
            "client_secret": app.client_secret or "",
        }
        return _token(config, form, settings, transport)

    @classmethod
    def refresh_grant(
        cls,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> Grant:
        refresh = secrets.get("refresh_token")
        if not refresh:
            raise PublishError(
                "LinkedIn: no refresh token stored; connect the channel again", auth=True
            )
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": secrets.get("client_id", ""),
            "client_secret": secrets.get("client_secret", ""),
        }
        return _token(config, form, settings, transport)


def _token(
    config: Mapping[str, Any],
    form: Mapping[str, str],
    settings: Settings,
    transport: httpx.BaseTransport | None,
) -> Grant:
    url = f"{str(config.get('oauth') or OAUTH).rstrip('/')}/oauth/v2/accessToken"
    data = token_request(settings, url, form, service="LinkedIn", transport=transport)
    return grant_of(data, now=datetime.now(UTC), service="LinkedIn")


def _elements(body: Any) -> list[Mapping[str, Any]]:
    items = body.get("elements") if isinstance(body, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _receipt(urn: str) -> Receipt:
    return Receipt(remote_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")


@hookimpl
def register_channels() -> list[Any]:
    return [LinkedInChannel]
