"""Publishing to Threads (Meta): a text container, then its publication.

``POST /v1.0/{user-id}/threads`` (``media_type=TEXT``, ``text``) creates a container and
publishes nothing; ``POST /v1.0/{user-id}/threads_publish`` (``creation_id``) publishes
it; ``GET /v1.0/{media-id}?fields=permalink`` gives the link. 500 characters. Errors are
Graph API bodies (channels.graph). Exactly once: after an attempt of unknown outcome the
account's newest threads (``GET /v1.0/{user-id}/threads``) are searched for the same
text before publishing again.

Tokens: long-lived user tokens live 60 days and are renewed with
``GET /refresh_access_token?grant_type=th_refresh_token`` (allowed once a token is a day
old) when less than 30 days remain; the connect flow exchanges the code for a short-lived
token, then for a long-lived one (``th_exchange_token``). Polls: ``poll_body`` builds the
``poll_attachment`` parameter (2–4 options) of the text container of a post with a poll
(Threads polls run 24 hours). A post with an image makes an ``IMAGE`` container whose
``image_url`` is the image's public address in Resonanz (``<base_url>/m/<token>``) and
waits until its ``status`` is ``FINISHED`` before publishing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import PublishError, ValidationError
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.graph import graph_data, graph_failure, wait_until_finished
from resonanz.publishing.channels.httpapi import (
    ChannelApi,
    checked_api,
    in_doubt,
    recent_match,
    required_secret,
)
from resonanz.publishing.channels.units import CountedLimits, code_points
from resonanz.publishing.links import links_base_url
from resonanz.publishing.models import Attempt, Receipt
from resonanz.publishing.oauth import Grant, OAuthApp, OAuthProvider, grant_of, token_request
from resonanz.publishing.post_rules import MediaRules, PollRules, PostRules

API = "https://graph.threads.net"
LIMITS = CountedLimits(max_units=500, unit="characters", counter=code_points)
_OPTION_KEYS = ("option_a", "option_b", "option_c", "option_d")
POLL_MINUTES = 1440  # a Threads poll is open for 24 hours


def poll_body(options: Sequence[str]) -> str:
    """The ``poll_attachment`` parameter for a text container: 2 to 4 options."""
    if not 2 <= len(options) <= 4:
        raise ValidationError(f"a Threads poll has 2 to 4 options, not {len(options)}")
    if any(not option.strip() or len(option) > 25 for option in options):
        raise ValidationError("each Threads poll option has 1 to 25 characters")
    return json.dumps(dict(zip(_OPTION_KEYS, options, strict=False)))


class ThreadsChannel:
    """A Threads profile: ``api`` in the config (learned: ``user_id``, ``username``),
    ``access_token`` (and the app's client) in the secrets."""

    kind: ClassVar[str] = "threads"
    label: ClassVar[str] = "Threads"
    replaces_in_doubt: ClassVar[bool] = False
    idempotency_window_s: ClassVar[float | None] = None
    refresh_margin_s: ClassVar[float] = 30 * 86400.0
    refreshes_access_token: ClassVar[bool] = True  # th_refresh_token needs no refresh token
    oauth: ClassVar[OAuthProvider] = OAuthProvider(
        authorize_url="https://threads.net/oauth/authorize",
        scopes=("threads_basic", "threads_content_publish"),
        pkce=False,
        scope_separator=",",
    )

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        status_wait_s: float = 2.0,
    ) -> None:
        self.config = dict(config)
        self._token = str(secrets.get("access_token", ""))
        self.media_base = links_base_url(settings)
        self.status_wait_s = status_wait_s
        self.api = ChannelApi(
            settings,
            name=f"Threads @{self.config.get('username', '?')}",
            base_url=str(self.config.get("api") or API),
            transport=transport,
            error_for=graph_failure("Threads"),
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        api = checked_api(config, settings, API)
        token = required_secret(
            secrets,
            "access_token",
            "a Threads channel needs a long-lived access token: 'resonanz channels connect "
            "threads NAME' or --token",
        )
        return {**dict(config), "api": api}, {**dict(secrets), "access_token": token}

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> CountedLimits:
        return LIMITS

    @classmethod
    def post_rules(cls, config: Mapping[str, Any]) -> PostRules:
        """One image (JPEG or PNG, 8 MB; Meta fetches it from ``<base_url>/m/<token>``),
        or a poll of 2-4 options of at most 25 characters, open 24 hours (Threads' fixed
        length), one answer. Reply threads are not built for Threads."""
        return PostRules(
            media=MediaRules(
                max_images=1,
                max_bytes=8 * 1024 * 1024,
                types=frozenset({"image/jpeg", "image/png"}),
            ),
            poll=PollRules(
                min_options=2,
                max_options=4,
                option_max=25,
                min_minutes=POLL_MINUTES,
                max_minutes=POLL_MINUTES,
                multiple=False,
            ),
        )

    def close(self) -> None:
        self.api.close()

    def _params(self, **values: Any) -> dict[str, Any]:
        return {**values, "access_token": self._token}

    def check(self) -> ChannelCheck:
        data = self.api.data(
            self.api.call(
                "GET", "/v1.0/me", params=self._params(fields="id,username"), publishes=False
            )
        )
        if not data.get("id"):
            raise PublishError(f"{self.api.name}: /me answered without an id")
        username = str(data.get("username", ""))
        learned = {"account": f"@{username}", "user_id": str(data["id"]), "username": username}
        return ChannelCheck(account=learned["account"], config=learned)

    def publish(self, attempt: Attempt) -> Receipt:
        user = self.config.get("user_id", "me")
        if in_doubt(attempt):
            found = recent_match(
                self.api,
                attempt.text,
                f"/v1.0/{user}/threads",
                self._params(fields="id,text,timestamp", limit=25),
                items=graph_data,
                text_key="text",
            )
            if found is not None:
                return self._receipt(found)
        fields: dict[str, Any] = {"media_type": "TEXT", "text": attempt.text}
        if attempt.poll is not None:
            fields["poll_attachment"] = poll_body(attempt.poll.options)
        if attempt.media:
            token = attempt.media[0].media.token
            fields.update(media_type="IMAGE", image_url=f"{self.media_base}/m/{token}")
        container = self.api.data(
            self.api.call(
                "POST", f"/v1.0/{user}/threads", params=self._params(**fields), publishes=False
            )
        ).get("id")
        if not container:
            raise PublishError(f"{self.api.name}: the container answer had no id")
        if attempt.media:
            wait_until_finished(
                lambda: self.api.data(
                    self.api.call(
                        "GET",
                        f"/v1.0/{container}",
                        params=self._params(fields="status,error_message"),
                        publishes=False,
                    )
                ).get("status"),
                self.api.name,
                wait_s=self.status_wait_s,
                hint="check that base_url is the public address of Resonanz",
            )
        published = self.api.data(
            self.api.call(
                "POST", f"/v1.0/{user}/threads_publish", params=self._params(creation_id=container)
            )
        ).get("id")
        if not published:
            raise PublishError(
                f"{self.api.name}: threads_publish answered without an id", in_doubt=True
            )
        return self._receipt(str(published))

    def _receipt(self, media_id: str) -> Receipt:
        try:
            link = self.api.data(
                self.api.call(
                    "GET",
                    f"/v1.0/{media_id}",
                    params=self._params(fields="permalink"),
                    publishes=False,
                )
            ).get("permalink")
        except PublishError:
            link = None  # published all the same; the link is a nicety
        return Receipt(remote_id=media_id, url=str(link) if link else None)

    # -- OAuth: code -> short-lived token -> long-lived token; th_refresh_token
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
        base = str(config.get("api") or API).rstrip("/")
        form = {
            "client_id": app.client_id,
            "client_secret": app.client_secret or "",
            "grant_type": "authorization_code",
            "redirect_uri": app.redirect_uri,
            "code": code,
        }
        short = token_request(
            settings, f"{base}/oauth/access_token", form, service="Threads", transport=transport
        )
        return _token_get(
            settings,
            base,
            "/access_token",
            {
                "grant_type": "th_exchange_token",
                "client_secret": app.client_secret or "",
                "access_token": str(short.get("access_token") or ""),
            },
            transport,
        )

    @classmethod
    def refresh_grant(
        cls,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> Grant:
        base = str(config.get("api") or API).rstrip("/")
        params = {"grant_type": "th_refresh_token", "access_token": secrets.get("access_token", "")}
        return _token_get(settings, base, "/refresh_access_token", params, transport)


def _token_get(
    settings: Settings,
    base: str,
    path: str,
    params: Mapping[str, str],
    transport: httpx.BaseTransport | None,
) -> Grant:
    """Threads' GET token endpoints (a refused token is an auth failure: code 190)."""
    api = ChannelApi(
        settings,
        name="Threads",
        base_url=base,
        transport=transport,
        error_for=graph_failure("Threads"),
    )
    try:
        response = api.call("GET", path, params=params, publishes=False)
    finally:
        api.close()
    data = response.data if isinstance(response.data, Mapping) else {}
    return grant_of(data, now=datetime.now(UTC), service="Threads")


@hookimpl
def register_channels() -> list[Any]:
    return [ThreadsChannel]
