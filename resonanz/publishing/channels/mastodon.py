"""Publishing to Mastodon: ``POST /api/v1/statuses`` with an ``Idempotency-Key``.

Mastodon remembers an Idempotency-Key for one hour per account and answers a repeated
request with the status it created the first time, so a retry after a timeout cannot post
twice (the scheduler's backoff keeps retries inside that hour). Limits come from
``GET /api/v1/instance`` (``configuration.statuses.max_characters`` and
``characters_reserved_per_url``) and are cached in the channel's config by the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError, ResonanzError
from resonanz.fetcher import validate_url
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.failures import publish_failure
from resonanz.publishing.media import MIME_NAMES
from resonanz.publishing.models import Attempt, Receipt
from resonanz.publishing.post_rules import MediaRules, PollRules, PostRules
from resonanz.publishing.text import TextLimits, mastodon_limits
from resonanz.sources.api import ApiClient, RateLimit
from resonanz.sources.retry import RetryPolicy

VISIBILITIES = ("public", "unlisted", "private")
IMAGE_BYTES = 16 * 1024 * 1024  # Mastodon 4's image_size_limit, until the instance says
ALT_MAX = 1500  # MediaAttachment::MAX_DESCRIPTION_LENGTH


class MastodonChannel:
    """A Mastodon account: ``instance`` URL in the config, ``token`` in the secrets."""

    kind: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Mastodon"
    replaces_in_doubt: ClassVar[bool] = False
    idempotency_window_s: ClassVar[float | None] = 3600.0

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = dict(config)
        self.name = f"Mastodon {self.config.get('instance', '')}"
        # One attempt per call: the outbox counts attempts and schedules the retries.
        self.api = ApiClient(
            settings,
            service=self.name,
            base_url=str(self.config["instance"]),
            headers={"Authorization": f"Bearer {secrets.get('token', '')}"},
            transport=transport,
            policy=RetryPolicy(attempts=1, max_delay=0.0),
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A checked config (instance URL, visibility) and secrets (token)."""
        instance = str(config.get("instance") or "").strip().rstrip("/")
        if not instance:
            raise ConfigError("a Mastodon channel needs --instance, e.g. https://mastodon.social")
        if "://" not in instance:
            instance = f"https://{instance}"
        validate_url(instance, settings)
        visibility = str(config.get("visibility") or "public")
        if visibility not in VISIBILITIES:
            raise ConfigError(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        token = str(secrets.get("token") or "").strip()
        if not token:
            raise ConfigError(
                "a Mastodon channel needs --token (an access token with write:statuses)"
            )
        return {**dict(config), "instance": instance, "visibility": visibility}, {"token": token}

    def close(self) -> None:
        self.api.close()

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> TextLimits:
        """The instance's limits as the last check cached them (500 and 23 before)."""
        return mastodon_limits(config.get("max_characters"), config.get("url_chars"))

    @classmethod
    def post_rules(cls, config: Mapping[str, Any]) -> PostRules:
        """4 images (the instance's size limit and types, cached by the check), alt text
        up to 1,500 characters, polls as the instance allows, threads; no images and a
        poll in one status (Mastodon refuses that)."""
        types = config.get("image_types")
        known = frozenset(t for t in types if t in MIME_NAMES) if isinstance(types, list) else None
        return PostRules(
            media=MediaRules(
                max_images=int(config.get("max_media") or 4),
                max_bytes=int(config.get("image_size_limit") or IMAGE_BYTES),
                types=known or frozenset(MIME_NAMES),
                alt_max=ALT_MAX,
            ),
            poll=PollRules(
                min_options=2,
                max_options=int(config.get("poll_max_options") or 4),
                option_max=int(config.get("poll_option_chars") or 50),
                min_minutes=-(-int(config.get("poll_min_expiration") or 300) // 60),
                max_minutes=int(config.get("poll_max_expiration") or 2629746) // 60,
            ),
            thread=True,
        )

    def check(self) -> ChannelCheck:
        """Verify the token and read the instance's limits."""
        try:
            me = self.api.get("/api/v1/accounts/verify_credentials").data
            instance = self.api.get("/api/v1/instance").data
        except ResonanzError as exc:
            raise publish_failure(exc, self.name) from exc
        statuses = _statuses_config(instance)
        learned: dict[str, Any] = {"account": f"@{me.get('acct', '?')}"}
        if isinstance(statuses.get("max_characters"), int):
            learned["max_characters"] = statuses["max_characters"]
        elif isinstance(instance, Mapping) and isinstance(instance.get("max_toot_chars"), int):
            learned["max_characters"] = instance["max_toot_chars"]  # Pleroma, Akkoma
        if isinstance(statuses.get("characters_reserved_per_url"), int):
            learned["url_chars"] = statuses["characters_reserved_per_url"]
        learned.update(_media_config(instance))
        return ChannelCheck(account=str(learned["account"]), config=learned)

    def publish(self, attempt: Attempt) -> Receipt:
        body = {"status": attempt.text, "visibility": self.config.get("visibility", "public")}
        # The outbox schedules every wait (Retry-After included); a rate limit remembered
        # from an earlier answer is stale by now and must not refuse this attempt.
        self.api.rate_limit = RateLimit()
        try:
            response = self.api.request(
                "POST",
                "/api/v1/statuses",
                json_body=body,
                headers={"Idempotency-Key": attempt.idempotency_key},
            )
        except ResonanzError as exc:
            raise publish_failure(exc, self.name) from exc
        data = response.data if isinstance(response.data, Mapping) else {}
        status_id = data.get("id")
        if not status_id:
            raise PublishError(
                f"{self.name} answered {response.status} without a status id", in_doubt=True
            )
        return Receipt(remote_id=str(status_id), url=data.get("url") or data.get("uri"))


def _section(instance: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(instance, Mapping):
        return {}
    configuration = instance.get("configuration")
    if not isinstance(configuration, Mapping):
        return {}
    section = configuration.get(name)
    return section if isinstance(section, Mapping) else {}


def _statuses_config(instance: Any) -> Mapping[str, Any]:
    return _section(instance, "statuses")


def _media_config(instance: Any) -> dict[str, Any]:
    """The instance's media and poll limits (``configuration.media_attachments``,
    ``statuses.max_media_attachments`` and ``polls``) as channel config keys."""
    media, polls = _section(instance, "media_attachments"), _section(instance, "polls")
    statuses = _statuses_config(instance)
    wanted = {
        "image_size_limit": media.get("image_size_limit"),
        "max_media": statuses.get("max_media_attachments"),
        "poll_max_options": polls.get("max_options"),
        "poll_option_chars": polls.get("max_characters_per_option"),
        "poll_min_expiration": polls.get("min_expiration"),
        "poll_max_expiration": polls.get("max_expiration"),
    }
    learned: dict[str, Any] = {k: v for k, v in wanted.items() if isinstance(v, int)}
    types = media.get("supported_mime_types")
    if isinstance(types, list):
        learned["image_types"] = sorted(str(t) for t in types if str(t).startswith("image/"))
    return learned


@hookimpl
def register_channels() -> list[Any]:
    return [MastodonChannel]
