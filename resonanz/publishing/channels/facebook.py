"""Publishing to a Facebook Page: ``POST /{page-id}/feed`` with a Page access token.

The token is a Page access token with ``pages_manage_posts`` (one derived from a
long-lived user token does not expire; Resonanz does not refresh or exchange Facebook
tokens). The post's id is ``{page-id}_{post-id}``; its link
``https://www.facebook.com/{id}``. A text may have 63,206 characters. Errors are Graph API
bodies (channels.graph; 506 "duplicate status message" is permanent). Exactly once: after
an attempt of unknown outcome the page's newest posts (``GET /{page-id}/posts``) are
searched for the same message before posting again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.graph import graph_data, graph_failure
from resonanz.publishing.channels.httpapi import (
    ChannelApi,
    checked_api,
    in_doubt,
    recent_match,
    required_secret,
)
from resonanz.publishing.channels.units import CountedLimits, code_points
from resonanz.publishing.models import Attempt, Receipt

API = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
LIMITS = CountedLimits(max_units=63206, unit="characters", counter=code_points)


def graph_config(
    config: Mapping[str, Any],
    secrets: Mapping[str, str],
    settings: Settings,
    *,
    id_key: str,
    what: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The checked config (``api``, ``version``, the account id under ``id_key``) and
    secrets (``access_token``) of a Graph API channel."""
    api = checked_api(config, settings, API)
    account = str(config.get(id_key) or "").strip()
    if not account.isdigit():
        raise ConfigError(f"a {what} channel needs --{id_key.replace('_', '-')}: its numeric id")
    token = required_secret(
        secrets, "access_token", f"a {what} channel needs --token: a Page access token"
    )
    version = str(config.get("version") or GRAPH_VERSION)
    return {**dict(config), "api": api, id_key: account, "version": version}, {
        "access_token": token
    }


class FacebookPageChannel:
    """A Facebook Page: ``page`` id, ``api`` and Graph ``version`` in the config,
    ``access_token`` (a Page token) in the secrets."""

    kind: ClassVar[str] = "facebook"
    label: ClassVar[str] = "Facebook Page"
    replaces_in_doubt: ClassVar[bool] = False
    idempotency_window_s: ClassVar[float | None] = None

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = dict(config)
        self.prefix = f"/{self.config.get('version') or GRAPH_VERSION}"
        self.page = str(self.config.get("page", ""))
        self.api = ChannelApi(
            settings,
            name=f"Facebook page {self.config.get('account') or self.page}",
            base_url=str(self.config.get("api") or API),
            headers={"Authorization": f"Bearer {secrets.get('access_token', '')}"},
            transport=transport,
            error_for=graph_failure("Facebook"),
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        return graph_config(config, secrets, settings, id_key="page", what="Facebook Page")

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> CountedLimits:
        return LIMITS

    def close(self) -> None:
        self.api.close()

    def check(self) -> ChannelCheck:
        data = self.api.data(
            self.api.call(
                "GET", f"{self.prefix}/{self.page}", params={"fields": "id,name"}, publishes=False
            )
        )
        if str(data.get("id")) != self.page:
            raise PublishError(f"{self.api.name}: the page answered with another id")
        name = str(data.get("name") or self.page)
        return ChannelCheck(account=name, config={"account": name})

    def publish(self, attempt: Attempt) -> Receipt:
        if in_doubt(attempt):
            found = recent_match(
                self.api,
                attempt.text,
                f"{self.prefix}/{self.page}/posts",
                {"fields": "id,message,created_time", "limit": 25},
                items=graph_data,
                text_key="message",
            )
            if found is not None:
                return _receipt(found)
        response = self.api.call(
            "POST", f"{self.prefix}/{self.page}/feed", json_body={"message": attempt.text}
        )
        post_id = self.api.data(response).get("id")
        if not post_id:
            raise PublishError(f"{self.api.name}: /feed answered without an id", in_doubt=True)
        return _receipt(str(post_id))


def _receipt(post_id: str) -> Receipt:
    return Receipt(remote_id=post_id, url=f"https://www.facebook.com/{post_id}")


@hookimpl
def register_channels() -> list[Any]:
    return [FacebookPageChannel]
