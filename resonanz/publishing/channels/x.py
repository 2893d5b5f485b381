"""Publishing to X: ``POST /2/tweets`` with an OAuth 2.0 user-context token.

X has no idempotency key, so after an attempt of unknown outcome (a timeout, a 5xx) the
retry first reads the account's newest posts (``GET /2/users/:id/tweets`` since a little
before that attempt) and records the post it finds with the same text instead of posting
again. When that read is refused (the free API tier cannot read timelines) the delivery
goes to needs_attention rather than risk a duplicate.

Tokens: OAuth 2.0 with PKCE (`resonanz channels connect x NAME`); access tokens live two
hours and are refreshed with the (single-use, rotated) refresh token of the
``offline.access`` scope. Texts are counted in X's weighted units (channels.units).

Built for the outbox: text posts, a poll on the first post (``tweet_body``), threads
(each part a reply, ``reply.in_reply_to_tweet_id``, recorded on the delivery as it is
accepted, so a retry continues after the last part X accepted; the part in doubt is looked
for in the recent posts like a single post) and up to 4 images on the first post: each is
uploaded with ``POST /2/media/upload`` (multipart ``media``, ``media_category=
tweet_image``; needs the ``media.write`` scope), its alt text set with ``POST
/2/media/metadata``, and the post carries ``media.media_ids``. An upload publishes
nothing. Not built: chunked uploads (video, GIFs over 5 MB), OAuth 1.0a user tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import PublishError, ValidationError
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.httpapi import (
    ChannelApi,
    checked_api,
    find_same,
    in_doubt,
    multipart_body,
    recent_check_failed,
    required_secret,
)
from resonanz.publishing.channels.thread_parts import publish_parts
from resonanz.publishing.channels.units import X_LIMITS, CountedLimits, x_weighted_length
from resonanz.publishing.models import Attempt, MediaFile, Receipt, SentPart
from resonanz.publishing.oauth import Grant, OAuthApp, OAuthProvider, grant_of, token_request
from resonanz.publishing.post_rules import MediaRules, PollRules, PostRules

API = "https://api.x.com"
POLL_OPTIONS = (2, 4)
POLL_OPTION_MAX = 25
POLL_MINUTES = (5, 10080)


@dataclass(frozen=True)
class XPoll:
    """A poll on a post: 2–4 options of at most 25 characters, open 5 min to 7 days."""

    options: Sequence[str]
    duration_minutes: int


def tweet_body(
    text: str,
    *,
    poll: XPoll | None = None,
    reply_to: str | None = None,
    media_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON body of ``POST /2/tweets``; ValidationError when the poll is invalid."""
    body: dict[str, Any] = {"text": text}
    if poll is not None:
        lo, hi = POLL_OPTIONS
        if not lo <= len(poll.options) <= hi:
            raise ValidationError(f"an X poll has {lo} to {hi} options, not {len(poll.options)}")
        for option in poll.options:
            length = x_weighted_length(option)
            if not option.strip() or length > POLL_OPTION_MAX:
                raise ValidationError(
                    f"X poll option {option!r} must have 1 to {POLL_OPTION_MAX} characters"
                )
        lo, hi = POLL_MINUTES
        if not lo <= poll.duration_minutes <= hi:
            raise ValidationError(f"an X poll runs {lo} to {hi} minutes")
        body["poll"] = {"options": list(poll.options), "duration_minutes": poll.duration_minutes}
    if reply_to is not None:
        body["reply"] = {"in_reply_to_tweet_id": reply_to}
    if media_ids:
        body["media"] = {"media_ids": list(media_ids)}
    return body


def _x_error(status: int, body: Any, message: str) -> Exception | None:
    """X answers a repeated text with 403 "duplicate content": permanent, not a revoked
    token. Any other 403 means the app or account may not post (auth)."""
    if status == 403 and "duplicate" in message.lower():
        return PublishError(f"X refused the post as a duplicate: {message}", permanent=True)
    if status == 403:
        return _Forbidden(
            f"X answered 403: {message} (check the app's permissions and the account)",
            auth=True,
        )
    return None


class _Forbidden(PublishError):
    """X's 403: this app or account may not make this call."""


class XChannel:
    """An X account: ``api`` base in the config (learned: ``user_id``, ``username``),
    ``access_token`` (and ``refresh_token``, ``client_id``) in the secrets."""

    kind: ClassVar[str] = "x"
    label: ClassVar[str] = "X"
    replaces_in_doubt: ClassVar[bool] = False
    idempotency_window_s: ClassVar[float | None] = None
    refresh_margin_s: ClassVar[float] = 600.0
    oauth: ClassVar[OAuthProvider] = OAuthProvider(
        authorize_url="https://x.com/i/oauth2/authorize",
        scopes=("tweet.read", "tweet.write", "users.read", "offline.access", "media.write"),
        pkce=True,
    )

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
            name=f"X @{self.config.get('username', '?')}",
            base_url=str(self.config.get("api") or API),
            headers={"Authorization": f"Bearer {secrets.get('access_token', '')}"},
            transport=transport,
            error_for=_x_error,
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        api = checked_api(config, settings, API)
        token = required_secret(
            secrets,
            "access_token",
            "an X channel needs an OAuth 2.0 user access token: use "
            "'resonanz channels connect x NAME' or --token",
        )
        return {**dict(config), "api": api}, {**dict(secrets), "access_token": token}

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> CountedLimits:
        return X_LIMITS

    @classmethod
    def post_rules(cls, config: Mapping[str, Any]) -> PostRules:
        """4 images of at most 5 MB with alt text of 1,000 characters, not with a poll;
        polls of 2-4 options of at most 25 weighted characters, open 5 minutes to 7 days,
        one answer; threads."""
        return PostRules(
            media=MediaRules(max_images=4, max_bytes=5 * 1024 * 1024, alt_max=1000),
            poll=PollRules(
                min_options=POLL_OPTIONS[0],
                max_options=POLL_OPTIONS[1],
                option_max=POLL_OPTION_MAX,
                option_counter=x_weighted_length,
                min_minutes=POLL_MINUTES[0],
                max_minutes=POLL_MINUTES[1],
                multiple=False,
            ),
            thread=True,
        )

    def close(self) -> None:
        self.api.close()

    def check(self) -> ChannelCheck:
        """``GET /2/users/me``: the account's id and username."""
        data = self.api.data(self.api.call("GET", "/2/users/me", publishes=False))
        user = data.get("data")
        if not isinstance(user, Mapping):
            user = {}
        if not user.get("id"):
            raise PublishError(f"{self.api.name}: /2/users/me answered without a user id")
        username = str(user.get("username", ""))
        learned = {"account": f"@{username}", "user_id": str(user["id"]), "username": username}
        return ChannelCheck(account=learned["account"], config=learned)

    def publish(self, attempt: Attempt) -> Receipt:
        """The post (with its poll), then each thread part as a reply to the one before.
        The first part this attempt sends is looked for in the recent posts when an
        earlier attempt may have published it."""
        checked = False

        def send(index: int, text: str, parent: SentPart | None, _: SentPart | None) -> SentPart:
            nonlocal checked
            if in_doubt(attempt) and not checked:
                checked = True
                found = self._recent(attempt, text)
                if found is not None:
                    return SentPart(index=index, remote_id=found.remote_id, url=found.url)
            poll = None
            if index == 0 and attempt.poll is not None:
                poll = XPoll(attempt.poll.options, attempt.poll.minutes)
            media_ids = [self._upload(item) for item in attempt.media] if index == 0 else []
            body = tweet_body(
                text,
                poll=poll,
                reply_to=parent.remote_id if parent is not None else None,
                media_ids=media_ids,
            )
            response = self.api.call("POST", "/2/tweets", json_body=body)
            post = self.api.data(response).get("data")
            if not isinstance(post, Mapping) or not post.get("id"):
                raise PublishError(
                    f"{self.api.name} answered {response.status} without a post id",
                    in_doubt=True,
                )
            receipt = self._receipt(str(post["id"]))
            return SentPart(index=index, remote_id=receipt.remote_id, url=receipt.url)

        return publish_parts(attempt, send)

    def _upload(self, item: MediaFile) -> str:
        """Upload one image and set its alt text; the media id. A 403 here is a token
        without ``media.write`` (connect the channel again), not a revoked one."""
        media = item.media
        body, content_type = multipart_body(
            {"media_category": "tweet_image", "media_type": media.mime},
            "media",
            f"image-{media.position + 1}.{media.mime.rsplit('/', 1)[-1]}",
            media.mime,
            item.data,
        )
        try:
            answer = self.api.call(
                "POST",
                "/2/media/upload",
                content=body,
                headers={"Content-Type": content_type},
                publishes=False,
            )
            uploaded = self.api.data(answer).get("data")
            media_id = str(uploaded.get("id") or "") if isinstance(uploaded, Mapping) else ""
            if not media_id:
                raise PublishError(f"{self.api.name}: the media upload answered no id")
            if media.alt:
                self.api.call(
                    "POST",
                    "/2/media/metadata",
                    json_body={"id": media_id, "metadata": {"alt_text": {"text": media.alt}}},
                    publishes=False,
                )
        except _Forbidden as exc:
            raise PublishError(
                f"{exc}; uploading images needs the media.write scope: connect the channel "
                "again with 'resonanz channels connect x'",
                permanent=True,
            ) from exc
        return media_id

    def _receipt(self, post_id: str) -> Receipt:
        return Receipt(
            remote_id=post_id,
            url=f"https://x.com/{self.config.get('username', 'i')}/status/{post_id}",
        )

    def _recent(self, attempt: Attempt, text: str) -> Receipt | None:
        """The post an earlier attempt published, if the account's newest posts (since a
        minute before that attempt) have one with this text."""
        since = (attempt.delivery.doubt_at or datetime.now(UTC)) - timedelta(minutes=1)
        try:
            response = self.api.call(
                "GET",
                f"/2/users/{self.config.get('user_id', '')}/tweets",
                params={
                    "max_results": 100,
                    "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "tweet.fields": "created_at",
                },
                publishes=False,
            )
        except _Forbidden as exc:  # a read the API tier does not allow: no revoked token
            exc.auth = False
            raise recent_check_failed(self.api.name, exc) from exc
        except PublishError as exc:
            raise recent_check_failed(self.api.name, exc) from exc
        posts = self.api.data(response).get("data")
        candidates = [
            (str(p.get("id")), str(p.get("text", "")))
            for p in (posts if isinstance(posts, list) else [])
            if isinstance(p, Mapping)
        ]
        found = find_same(text, candidates)
        return self._receipt(found) if found is not None else None

    # -- OAuth 2.0 (PKCE); confidential clients authenticate with HTTP Basic
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
            "code_verifier": verifier or "",
            "client_id": app.client_id,
        }
        return cls._token(config, form, app.client_id, app.client_secret, settings, transport)

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
            raise PublishError("X: no refresh token stored; connect the channel again", auth=True)
        client_id = secrets.get("client_id", "")
        form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": client_id}
        return cls._token(
            config, form, client_id, secrets.get("client_secret"), settings, transport
        )

    @classmethod
    def _token(
        cls,
        config: Mapping[str, Any],
        form: Mapping[str, str],
        client_id: str,
        client_secret: str | None,
        settings: Settings,
        transport: httpx.BaseTransport | None,
    ) -> Grant:
        url = f"{str(config.get('api') or API).rstrip('/')}/2/oauth2/token"
        basic = (client_id, client_secret) if client_secret else None
        data = token_request(settings, url, form, service="X", basic=basic, transport=transport)
        return grant_of(data, now=datetime.now(UTC), service="X")


@hookimpl
def register_channels() -> list[Any]:
    return [XChannel]
