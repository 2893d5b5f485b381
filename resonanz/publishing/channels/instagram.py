"""Publishing to an Instagram professional (business or creator) account through the
Graph API: an image container, then its publication.

Instagram posts need an image, which Meta fetches from a public URL: the post's own
image (one JPEG of at most 8 MB, served by the web app at ``<base_url>/m/<token>``, so
``base_url`` must be the public address), else a line of the text of its own,
``image: https://…/photo.jpg`` (a public JPEG URL), which is not part of the caption.
Checked at compose time: an image, a caption of at most 2,200 characters, 30 hashtags and
20 @mentions.

Calls: ``POST /{ig-user-id}/media`` (``image_url``, ``caption``) makes a container and
publishes nothing; ``GET /{container}?fields=status_code`` until ``FINISHED``;
``POST /{ig-user-id}/media_publish`` (``creation_id``) publishes; ``GET
/{media-id}?fields=permalink``. The token is a Page access token (or user token) with
``instagram_content_publish``; Meta caps publishing at 100 posts per 24 hours. Exactly
once: after an attempt of unknown outcome the account's newest media (``GET
/{ig-user-id}/media``) are searched for the same caption before publishing again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx
import regex

from resonanz.config import Settings
from resonanz.errors import PublishError
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.facebook import API, GRAPH_VERSION, graph_config
from resonanz.publishing.channels.graph import graph_data, graph_failure, wait_until_finished
from resonanz.publishing.channels.httpapi import ChannelApi, in_doubt, recent_match
from resonanz.publishing.channels.units import CountedLimits, at_most, hashtags, mentions
from resonanz.publishing.links import links_base_url
from resonanz.publishing.models import Attempt, Poll, PostMedia, Receipt
from resonanz.publishing.post_rules import MediaRules, PostRules

_IMAGE_LINE = regex.compile(
    r"^[ \t]*image:[ \t]*(https?://\S+)[ \t]*$\n?", regex.MULTILINE | regex.IGNORECASE
)


def split_image(text: str) -> tuple[str | None, str]:
    """(image URL, caption) of an Instagram text: the ``image: URL`` line taken out."""
    match = _IMAGE_LINE.search(text)
    if match is None:
        return None, text.strip()
    return match.group(1), (text[: match.start()] + text[match.end() :]).strip()


def _caption_length(text: str) -> int:
    return len(split_image(text)[1])


class _InstagramRules(PostRules):
    """One JPEG of at most 8 MB; a post needs it or an ``image:`` line, not both."""

    def problems(
        self, text: str, media: Sequence[PostMedia], poll: Poll | None, thread: Sequence[str]
    ) -> list[str]:
        found = super().problems(text, media, poll, thread)
        line = split_image(text)[0]
        if not media and line is None:
            found.append(
                "Instagram needs an image: attach one (--image) or add a line "
                "'image: https://…/photo.jpg' to the text"
            )
        if media and line is not None:
            found.append("the post has an image and an 'image:' line; keep one")
        return found


RULES = _InstagramRules(
    media=MediaRules(max_images=1, max_bytes=8 * 1024 * 1024, types=frozenset({"image/jpeg"}))
)


LIMITS = CountedLimits(
    max_units=2200,
    unit="characters in the caption",
    counter=_caption_length,
    checks=(
        at_most("hashtags", lambda t: hashtags(split_image(t)[1]), 30),
        at_most("@mentions", lambda t: mentions(split_image(t)[1]), 20),
    ),
)


class InstagramChannel:
    """An Instagram professional account: ``ig_user`` id, ``api``, ``version`` in the
    config; ``access_token`` in the secrets."""

    kind: ClassVar[str] = "instagram"
    label: ClassVar[str] = "Instagram"
    replaces_in_doubt: ClassVar[bool] = False
    idempotency_window_s: ClassVar[float | None] = None

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        status_wait_s: float = 1.0,
    ) -> None:
        self.config = dict(config)
        self.prefix = f"/{self.config.get('version') or GRAPH_VERSION}"
        self.user = str(self.config.get("ig_user", ""))
        self.status_wait_s = status_wait_s
        self.media_base = links_base_url(settings)
        self.api = ChannelApi(
            settings,
            name=f"Instagram {self.config.get('account') or self.user}",
            base_url=str(self.config.get("api") or API),
            headers={"Authorization": f"Bearer {secrets.get('access_token', '')}"},
            transport=transport,
            error_for=graph_failure("Instagram"),
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        return graph_config(config, secrets, settings, id_key="ig_user", what="Instagram")

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> CountedLimits:
        return LIMITS

    @classmethod
    def post_rules(cls, config: Mapping[str, Any]) -> PostRules:
        return RULES

    def close(self) -> None:
        self.api.close()

    def _get(self, path: str, fields: str) -> Mapping[str, Any]:
        return self.api.data(
            self.api.call(
                "GET", f"{self.prefix}/{path}", params={"fields": fields}, publishes=False
            )
        )

    def check(self) -> ChannelCheck:
        data = self._get(self.user, "id,username")
        if str(data.get("id")) != self.user:
            raise PublishError(f"{self.api.name}: the account answered with another id")
        account = f"@{data.get('username', self.user)}"
        return ChannelCheck(account=account, config={"account": account})

    def publish(self, attempt: Attempt) -> Receipt:
        image, caption = split_image(attempt.text)
        if attempt.media:
            image = f"{self.media_base}/m/{attempt.media[0].media.token}"
        if image is None:
            raise PublishError("Instagram needs an image line ('image: https://…')", permanent=True)
        if in_doubt(attempt):
            found = recent_match(
                self.api,
                caption,
                f"{self.prefix}/{self.user}/media",
                {"fields": "id,caption,timestamp", "limit": 25},
                items=graph_data,
                text_key="caption",
            )
            if found is not None:
                return self._receipt(found)
        made = self.api.call(
            "POST",
            f"{self.prefix}/{self.user}/media",
            json_body={"image_url": image, "caption": caption},
            publishes=False,
        )
        container = self.api.data(made).get("id")
        if not container:
            raise PublishError(f"{self.api.name}: the container answer had no id")
        wait_until_finished(
            lambda: self._get(str(container), "status_code").get("status_code"),
            self.api.name,
            wait_s=self.status_wait_s,
            hint="check that the image URL is public and a JPEG",
        )
        response = self.api.call(
            "POST", f"{self.prefix}/{self.user}/media_publish", json_body={"creation_id": container}
        )
        media_id = self.api.data(response).get("id")
        if not media_id:
            raise PublishError(
                f"{self.api.name}: media_publish answered without an id", in_doubt=True
            )
        return self._receipt(str(media_id))

    def _receipt(self, media_id: str) -> Receipt:
        try:
            link = self._get(media_id, "permalink").get("permalink")
        except PublishError:
            link = None
        return Receipt(remote_id=media_id, url=str(link) if link else None)


@hookimpl
def register_channels() -> list[Any]:
    return [InstagramChannel]
