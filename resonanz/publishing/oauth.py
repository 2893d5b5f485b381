"""OAuth 2.0 for channels: the authorization-code flow (with PKCE where the platform
takes it), the token endpoint's answers as a :class:`Grant`, and where a grant lives.

A grant's tokens go into the channel's encrypted secrets (``access_token``,
``refresh_token``, and the app's ``client_id`` / ``client_secret`` that a refresh needs);
what may be shown goes into its config: ``token_expires_at``, ``refresh_expires_at``
(ISO 8601, UTC) and ``auto_refresh`` (Resonanz renews the access token itself).
Refreshing is single-flight per channel: see publishing.tokens.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as random_secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError
from resonanz.fetcher import checked_addresses, pinned_client, pinned_request
from resonanz.sources.api import describe_error, redact_url


@dataclass(frozen=True)
class OAuthProvider:
    """A platform's authorization server as far as the connect flow needs it."""

    authorize_url: str
    scopes: tuple[str, ...]
    pkce: bool
    scope_separator: str = " "


@dataclass(frozen=True)
class OAuthApp:
    """The app registered with the platform (its client) and where the user is sent back."""

    client_id: str
    client_secret: str | None
    redirect_uri: str


@dataclass(frozen=True)
class Grant:
    """Tokens from a token endpoint; expiries in UTC (None: the platform said none)."""

    access_token: str
    expires_at: datetime | None = None
    refresh_token: str | None = None
    refresh_expires_at: datetime | None = None


@dataclass(frozen=True)
class Authorization:
    """One started connect flow: the URL to open and what checks its answer."""

    url: str
    state: str
    verifier: str | None


def start(provider: OAuthProvider, app: OAuthApp) -> Authorization:
    """The authorize URL with a fresh ``state`` (and a PKCE S256 challenge)."""
    state = random_secrets.token_urlsafe(24)
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": provider.scope_separator.join(provider.scopes),
        "state": state,
    }
    verifier = None
    if provider.pkce:
        verifier = random_secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        params["code_challenge"] = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        params["code_challenge_method"] = "S256"
    return Authorization(f"{provider.authorize_url}?{urlencode(params)}", state, verifier)


def code_from(answer: str, state: str) -> str:
    """The authorization code from what the user pasted: the whole redirect URL (its
    ``state`` must match and an ``error`` is reported) or the bare code."""
    text = answer.strip()
    if not text:
        raise ConfigError("no authorization code was given")
    if "://" not in text and "code=" not in text:
        return text
    query = parse_qs(urlsplit(text).query if "://" in text else text.lstrip("?"))
    if "error" in query:
        said = query.get("error_description", query["error"])[0]
        raise ConfigError(f"the platform refused the authorization: {said}")
    if query.get("state", [state])[0] != state:
        raise ConfigError("the redirect's state does not match this connect flow; start again")
    codes = query.get("code")
    if not codes or not codes[0]:
        raise ConfigError("the redirect URL has no 'code' parameter")
    return codes[0]


def _at(now: datetime, seconds: Any) -> datetime | None:
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return None
    return now + timedelta(seconds=value) if value > 0 else None


def grant_of(data: Mapping[str, Any], *, now: datetime, service: str) -> Grant:
    """A Grant from a token endpoint's JSON (``expires_in``, ``refresh_token_expires_in``)."""
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise PublishError(f"{service}: the token endpoint answered without an access token")
    refresh = data.get("refresh_token")
    return Grant(
        access_token=token,
        expires_at=_at(now, data.get("expires_in")),
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        refresh_expires_at=_at(now, data.get("refresh_token_expires_in")),
    )


def token_request(
    settings: Settings,
    url: str,
    form: Mapping[str, str],
    *,
    service: str,
    basic: tuple[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Mapping[str, Any]:
    """POST a form to a token endpoint (RFC 6749 §4.1.3, §6); the JSON answer.

    A 4xx (``invalid_grant``, ``invalid_client``; X says ``invalid_request`` to a spent
    refresh token) is an auth failure: the user must connect again. Timeouts, 5xx and
    429 are transient. A lost answer to a refresh with
    a single-use refresh token may have spent that token: the next refresh then fails
    with ``invalid_grant`` and the channel asks to be connected again.
    """
    shown = redact_url(url)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if basic is not None:
        pair = f"{basic[0]}:{basic[1]}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    address = checked_addresses(url, settings)[0]
    with pinned_client(settings, transport=transport) as client:
        request = pinned_request(
            client, "POST", url, address, headers=headers, content=urlencode(form).encode()
        )
        try:
            response = client.send(request)
        except httpx.TimeoutException as exc:
            raise PublishError(f"{service}: the token endpoint did not answer ({shown})") from exc
        except httpx.TransportError as exc:
            raise PublishError(
                f"{service}: the token endpoint could not be reached: {exc}"
            ) from exc
    try:
        data: Any = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    if response.status_code >= 400:
        message = describe_error(data) or response.reason_phrase or "no details"
        said = f"{service}: the token endpoint answered {response.status_code}: {message}"
        if response.status_code == 429 or response.status_code >= 500:
            raise PublishError(said)
        # invalid_grant, invalid_request (X's answer to a spent refresh token),
        # invalid_client: the stored grant or app cannot be used again.
        raise PublishError(f"{said}; connect the channel again", auth=True)
    if not isinstance(data, Mapping):
        raise PublishError(f"{service}: the token endpoint's answer is not a JSON object")
    return data


def grant_config(grant: Grant, *, auto_refresh: bool) -> dict[str, Any]:
    """What a channel's config keeps of a grant (no tokens)."""
    return {
        "token_expires_at": _iso(grant.expires_at),
        "refresh_expires_at": _iso(grant.refresh_expires_at),
        "auto_refresh": auto_refresh,
    }


def grant_secrets(grant: Grant, app: OAuthApp | None, old: Mapping[str, str]) -> dict[str, str]:
    """The secrets after a grant: new tokens, the app's client kept. A platform that
    answers a refresh without a new refresh token keeps the old one valid."""
    result = {k: v for k, v in old.items() if k in ("client_id", "client_secret")}
    if app is not None:
        result["client_id"] = app.client_id
        if app.client_secret:
            result["client_secret"] = app.client_secret
    result["access_token"] = grant.access_token
    refresh = grant.refresh_token or old.get("refresh_token")
    if refresh:
        result["refresh_token"] = refresh
    return result


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def parse_time(value: Any) -> datetime | None:
    """A stored ISO time (None for anything else)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def dumps_secrets(values: Mapping[str, str]) -> str:
    return json.dumps(dict(values), sort_keys=True)
