"""Publishing to Mastodon: ``POST /api/v1/statuses`` with an ``Idempotency-Key``.

Mastodon remembers an Idempotency-Key for one hour per account and answers a repeated
request with the status it created the first time, so a retry after a timeout cannot post
twice (the scheduler's backoff keeps retries inside that hour). Limits come from
``GET /api/v1/instance`` (``configuration.statuses.max_characters`` and
``characters_reserved_per_url``) and are cached in the channel's config by the check.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError, ResonanzError
from resonanz.fetcher import validate_url
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.failures import publish_failure
from resonanz.publishing.channels.httpapi import multipart_body
from resonanz.publishing.channels.thread_parts import publish_parts
from resonanz.publishing.media import MIME_NAMES
from resonanz.publishing.models import Attempt, MediaFile, Receipt, SentPart
from resonanz.publishing.post_rules import MediaRules, PollRules, PostRules
from resonanz.publishing.text import TextLimits, mastodon_limits
from resonanz.sources.api import ApiClient, RateLimit
from resonanz.sources.retry import RetryPolicy

VISIBILITIES = ("public", "unlisted", "private")
IMAGE_BYTES = 16 * 1024 * 1024  # Mastodon 4's image_size_limit, until the instance says
ALT_MAX = 1500  # MediaAttachment::MAX_DESCRIPTION_LENGTH
PROCESSING_WAIT_S = 30.0  # how long an upload may stay "processing" (202/206)


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
        # A channel connected with OAuth keeps the app it was registered as (reused by
        # the next connect to the instance: publishing.mastodon_connect).
        kept = {k: str(secrets[k]) for k in ("client_id", "client_secret") if secrets.get(k)}
        checked = {**dict(config), "instance": instance, "visibility": visibility}
        return checked, {"token": token, **kept}

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
        """The status (with its images and poll), then each thread part as a reply to the
        one before, every one with an Idempotency-Key of its own."""
        # The outbox schedules every wait (Retry-After included); a rate limit remembered
        # from an earlier answer is stale by now and must not refuse this attempt.
        self.api.rate_limit = RateLimit()

        def send(index: int, text: str, parent: SentPart | None, _: SentPart | None) -> SentPart:
            body: dict[str, Any] = {
                "status": text,
                "visibility": self.config.get("visibility", "public"),
            }
            if index == 0 and attempt.media:
                body["media_ids"] = [self._upload(item) for item in attempt.media]
            if index == 0 and attempt.poll is not None:
                body["poll"] = {
                    "options": list(attempt.poll.options),
                    "expires_in": attempt.poll.minutes * 60,
                    "multiple": attempt.poll.multiple,
                }
            if parent is not None:
                body["in_reply_to_id"] = parent.remote_id
            key = attempt.idempotency_key + (f"-p{index}" if index else "")
            return self._status(body, key, index)

        return publish_parts(attempt, send)

    def _status(self, body: Mapping[str, Any], key: str, index: int) -> SentPart:
        try:
            response = self.api.request(
                "POST", "/api/v1/statuses", json_body=body, headers={"Idempotency-Key": key}
            )
        except ResonanzError as exc:
            raise publish_failure(exc, self.name) from exc
        data = response.data if isinstance(response.data, Mapping) else {}
        status_id = data.get("id")
        if not status_id:
            raise PublishError(
                f"{self.name} answered {response.status} without a status id", in_doubt=True
            )
        return SentPart(
            index=index, remote_id=str(status_id), url=data.get("url") or data.get("uri")
        )

    def _upload(self, item: MediaFile) -> str:
        """Upload one image (``POST /api/v2/media`` with its description) and wait until
        the instance has processed it (``url`` set). An upload publishes nothing, so a
        failure here is never in doubt; an unused upload is deleted by the instance."""
        media = item.media
        extension = media.mime.rsplit("/", 1)[-1].replace("jpeg", "jpg")
        body, content_type = multipart_body(
            {"description": media.alt} if media.alt else {},
            "file",
            f"image-{media.position + 1}.{extension}",
            media.mime,
            item.data,
        )
        try:
            response = self.api.request(
                "POST", "/api/v2/media", content=body, headers={"Content-Type": content_type}
            )
            data = response.data if isinstance(response.data, Mapping) else {}
            media_id = str(data.get("id") or "")
            if not media_id:
                raise PublishError(f"{self.name}: the media upload answered no id")
            deadline = time.monotonic() + PROCESSING_WAIT_S
            while not data.get("url"):  # 202: still processing; GET answers 206 until done
                if time.monotonic() > deadline:
                    raise PublishError(
                        f"{self.name}: image {media.position + 1} was still being processed "
                        f"after {PROCESSING_WAIT_S:.0f} s"
                    )
                time.sleep(1.0)
                polled = self.api.request("GET", f"/api/v1/media/{media_id}")
                data = polled.data if isinstance(polled.data, Mapping) else {}
        except PublishError:
            raise
        except ResonanzError as exc:
            failure = publish_failure(exc, self.name)
            failure.in_doubt = False  # an upload publishes nothing
            raise failure from exc
        return media_id


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
