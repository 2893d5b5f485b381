"""What the plain-HTTP channels (X, LinkedIn, Threads, Telegram, Facebook, Instagram)
share: a client that makes one attempt per call (the outbox counts attempts and schedules
every retry), failures mapped to PublishErrors, and the recent-posts check that stands in
for an idempotency key.

The recent-posts check: after an attempt of unknown outcome (``attempt.delivery.doubt_at``
is set), a channel reads the account's newest posts and looks for the same text before
sending again. Platforms rewrite a text on the way (X replaces links by t.co links and
escapes ``&<>``), so texts are compared with links, entities and whitespace normalised.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx
import regex

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError, ResonanzError
from resonanz.fetcher import validate_url
from resonanz.publishing.channels.failures import publish_failure
from resonanz.publishing.models import Attempt
from resonanz.sources.api import ApiClient, ApiResponse, RateLimit
from resonanz.sources.retry import RetryPolicy


def checked_api(config: Mapping[str, Any], settings: Settings, default: str) -> str:
    """The channel's API base URL (``api`` in the config, else the platform's), checked like
    any address a user types."""
    api = str(config.get("api") or default).rstrip("/")
    validate_url(api, settings)
    return api


def required_secret(secrets: Mapping[str, str], key: str, missing: str) -> str:
    """The secret ``key``, stripped; ConfigError with ``missing`` when it is empty."""
    value = str(secrets.get(key) or "").strip()
    if not value:
        raise ConfigError(missing)
    return value


_LINK = regex.compile(r"https?://\S+", regex.IGNORECASE)
_SPACE = regex.compile(r"\s+")


class ChannelApi:
    """One account's API: ``call`` makes exactly one request and raises PublishError."""

    def __init__(
        self,
        settings: Settings,
        *,
        name: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        error_for: Callable[[int, Any, str], Exception | None] | None = None,
    ) -> None:
        self.name = name
        self.api = ApiClient(
            settings,
            service=name,
            base_url=base_url,
            headers=headers,
            transport=transport,
            policy=RetryPolicy(attempts=1, max_delay=0.0),
            error_for=error_for,
        )

    def close(self) -> None:
        self.api.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        publishes: bool = True,
        content: bytes | None = None,
    ) -> ApiResponse:
        """One request. ``publishes=False``: a read or a step that publishes nothing
        (a login, a container, an upload), so its failure is never in doubt.
        ``content``: a raw body (multipart_body), its Content-Type in ``headers``."""
        # A rate limit remembered from an earlier answer is stale by now: the outbox
        # schedules the waits (Retry-After included).
        self.api.rate_limit = RateLimit()
        try:
            return self.api.request(
                method, path, params=params, json_body=json_body, headers=headers, content=content
            )
        except ResonanzError as exc:
            failure = publish_failure(exc, self.name)
            if not publishes:
                failure.in_doubt = False
            raise failure from exc

    def data(self, response: ApiResponse) -> Mapping[str, Any]:
        """The answer's JSON object (an empty mapping for anything else)."""
        return response.data if isinstance(response.data, Mapping) else {}


def comparable(text: str) -> str:
    """A text as platforms give it back: entities unescaped, links and whitespace folded."""
    folded: str = _SPACE.sub(" ", _LINK.sub("<link>", html.unescape(text)))
    return folded.strip()


def in_doubt(attempt: Attempt) -> bool:
    """True when an earlier attempt of this delivery may have published it."""
    return attempt.delivery.doubt_at is not None


def find_same(text: str, candidates: Iterable[tuple[str, str]]) -> str | None:
    """The id of the first (id, text) whose text matches ``text``, or None."""
    wanted = comparable(text)
    for remote_id, candidate in candidates:
        if comparable(candidate) == wanted:
            return remote_id
    return None


def recent_check_failed(name: str, exc: PublishError) -> PublishError:
    """The error when the recent-posts check itself fails: transient failures are
    retried later; a refusal (no read permission, the free X tier) cannot be fixed by
    waiting, so the delivery goes to needs_attention rather than risking a second post."""
    if not exc.permanent:
        return PublishError(
            f"{name}: could not read the recent posts to check an earlier attempt: {exc}",
            retry_after=exc.retry_after,
        )
    return PublishError(
        f"{name}: an earlier attempt may have been published and the recent posts could not "
        f"be read to check ({exc}); check the account, then 'resonanz post publish-now'",
        permanent=True,
        auth=exc.auth,
    )


def recent_match(
    api: ChannelApi,
    text: str,
    path: str,
    params: Mapping[str, Any],
    *,
    items: Callable[[Any], list[Mapping[str, Any]]],
    text_key: str,
    id_key: str = "id",
) -> str | None:
    """Read the account's newest posts at ``path`` and return the id of one whose
    ``text_key`` matches ``text`` (None: not published); see ``recent_check_failed``."""
    try:
        response = api.call("GET", path, params=params, publishes=False)
    except PublishError as exc:
        raise recent_check_failed(api.name, exc) from exc
    candidates = [
        (str(item[id_key]), str(item.get(text_key) or ""))
        for item in items(response.data)
        if item.get(id_key)
    ]
    return find_same(text, candidates)


def multipart_body(
    fields: Mapping[str, str], file_field: str, filename: str, mime: str, data: bytes
) -> tuple[bytes, str]:
    """A multipart/form-data body with text fields and one file, and its Content-Type
    (with the boundary), for uploads through ApiClient's ``content``."""
    request = httpx.Request(
        "POST",
        "http://upload.invalid/",
        data=dict(fields),
        files={file_field: (filename, data, mime)},
    )
    return request.read(), request.headers["Content-Type"]
