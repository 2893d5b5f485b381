"""Mastodon.py behind Resonanz's rules: checked addresses, retries, rate limits, one error tree.

``MastodonClient`` calls Mastodon.py (which builds the requests, sends the token and reads
the ``X-RateLimit-*`` headers) and hands back the *raw* JSON the instance sent: Mastodon.py
turns dates into ``datetime`` objects, so the untouched body is taken from the response
itself. Failures map onto :mod:`resonanz.errors`:

- 429 (``MastodonRatelimitError``, ``ratelimit_method="throw"``) -> :class:`RateLimited`
  with the wait ``X-RateLimit-Reset`` / ``Retry-After`` ask for; waited out and retried
  when it is at most ``http_backoff_max``, otherwise the run ends and resumes later;
- 5xx and network failures -> :class:`FetchError`, retried with jittered backoff;
- 401/403 -> :class:`AuthError` (never retried: the token is wrong, revoked or lacks a scope);
- 404 or a body that is not JSON -> :class:`FetchError` / :class:`ParseError` saying the
  address does not look like a Mastodon instance.

Mastodon.py sends through ``requests``, not the pinned httpx fetcher: every request (each
redirect hop too) is checked against private targets just before it is sent, but the
connection is not pinned to the checked address.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
    MastodonWarning,
)

from resonanz.config import Settings
from resonanz.errors import AuthError, FetchError, ParseError, RateLimited, SourceError
from resonanz.fetcher import checked_addresses, parse_retry_after
from resonanz.sources.api import describe_error, redact_url
from resonanz.sources.retry import RetryPolicy, with_retries

__all__ = ["MastodonClient", "is_transient", "items_of"]

log = logging.getLogger(__name__)
_SNIPPET = 200


class _CheckedSession(requests.Session):
    """A requests session that checks each target address and keeps the last response."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings
        # Like the project's httpx clients: no proxies, netrc or CA bundle from the
        # environment (REQUESTS_CA_BUNDLE would otherwise override certificate checks).
        self.trust_env = False
        self.max_redirects = settings.http_max_redirects
        self.last: requests.Response | None = None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Refuse private targets (unless allowed), then send and remember the response."""
        checked_addresses(str(request.url), self._settings)
        response = super().send(request, **kwargs)
        self.last = response
        return response


def is_transient(exc: BaseException) -> bool:
    """429, 5xx and network failures are worth another try; the rest are not."""
    if isinstance(exc, RateLimited):
        return True
    return isinstance(exc, FetchError) and (exc.status is None or exc.status >= 500)


class MastodonClient:
    """Read one Mastodon instance through Mastodon.py; every call returns raw JSON."""

    def __init__(
        self,
        instance: str,
        settings: Settings,
        *,
        access_token: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.instance = instance.rstrip("/")
        self._settings = settings
        self._policy = policy or RetryPolicy.from_settings(settings)
        self._has_token = bool(access_token)
        self._session = _CheckedSession(settings)
        self._api = Mastodon(
            api_base_url=self.instance,
            access_token=access_token or None,
            request_timeout=settings.http_timeout,
            ratelimit_method="throw",
            version_check_mode="none",
            session=self._session,
            user_agent=settings.user_agent,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()

    def call(self, what: str, request: Callable[[Mastodon], object]) -> Any:
        """Run ``request`` (a Mastodon.py call) with retries; return the raw JSON body."""
        return with_retries(
            lambda: self._once(what, request),
            policy=self._policy,
            transient=is_transient,
            what=f"mastodon {what} at {self.instance}",
        )

    def _once(self, what: str, request: Callable[[Mastodon], object]) -> Any:
        self._wait_for_rate_limit(what)
        self._session.last = None
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", MastodonWarning)
                request(self._api)
        except MastodonError as exc:
            raise self._error(what, exc) from exc
        for warning in caught:
            log.warning("%s (%s): %s", self.instance, what, warning.message)
        response = self._session.last
        if response is None:  # Mastodon.py answered without asking the instance
            raise FetchError(f"{self.instance}: {what} sent no request", url=self.instance)
        try:
            return response.json()
        except ValueError as exc:
            raise self._not_json(what, response.url) from exc

    def _wait_for_rate_limit(self, what: str) -> None:
        """Wait before a call when the last answer said the limit is used up."""
        api = self._api
        if api.ratelimit_remaining > 0 or api.ratelimit_reset is None:
            return
        wait = float(api.ratelimit_reset) - time.time()
        if wait <= 0:
            return
        if wait > self._policy.max_delay:
            raise RateLimited(
                f"{self.instance}: rate limit used up before {what}; it resets in {wait:.0f} s",
                url=self.instance,
                retry_after=wait,
            )
        self._policy.sleep(wait)

    def _retry_after(self) -> float | None:
        """Seconds until the limit resets: X-RateLimit-Reset (as Mastodon.py read it,
        corrected by the server's Date) or else Retry-After; None when neither says."""
        reset = self._api.ratelimit_reset
        if reset is not None and float(reset) > time.time():
            return float(reset) - time.time()
        last = self._session.last
        return parse_retry_after(last.headers.get("Retry-After")) if last is not None else None

    def _error(self, what: str, exc: MastodonError) -> SourceError:
        """The Resonanz error for a Mastodon.py error (message without credentials)."""
        last = self._session.last
        url = redact_url(last.url) if last is not None and last.url else self.instance
        if isinstance(exc, MastodonRatelimitError):
            wait = self._retry_after()
            when = f"; it resets in {wait:.0f} s" if wait is not None else ""
            return RateLimited(
                f"{self.instance} rate limit reached during {what}{when}",
                url=url,
                retry_after=wait,
            )
        if isinstance(exc, MastodonNetworkError):
            return self._network_error(what, exc, url)
        status, text = _status_and_text(exc)
        text = _error_text(last) or text
        said = f" ({text})" if text else ""
        if isinstance(exc, MastodonUnauthorizedError) or status in (401, 403):
            if self._has_token:
                hint = "the access token is invalid, revoked or lacks the read scope"
            else:
                hint = "this needs an access token: add one with -o access_token=..."
            return AuthError(f"{self.instance} refused {what} with HTTP {status}{said}: {hint}")
        if isinstance(exc, MastodonNotFoundError):
            return FetchError(
                f"{self.instance} has no {what} endpoint (HTTP 404{said}); "
                "is this the address of a Mastodon instance?",
                url=url,
                status=404,
            )
        if isinstance(exc, MastodonServerError):
            return FetchError(
                f"{self.instance} failed on {what} with HTTP {status}{said}", url=url, status=status
            )
        if isinstance(exc, MastodonAPIError) and str(exc.args[0]).startswith("Could not parse"):
            return self._not_json(what, url)
        detail = f"HTTP {status}{said}" if status else f"{type(exc).__name__}: {exc}"[:_SNIPPET]
        return FetchError(f"{self.instance}: {what} failed ({detail})", url=url, status=status)

    def _network_error(self, what: str, exc: MastodonNetworkError, url: str) -> SourceError:
        cause = exc.__context__
        if isinstance(cause, SourceError):  # our address check refused or could not resolve
            return cause
        if isinstance(cause, requests.Timeout):
            reason = f"no answer within {self._settings.http_timeout:g} s"
        elif isinstance(cause, requests.TooManyRedirects):
            return FetchError(f"{self.instance}: {what} redirected too often", url=url, status=310)
        elif isinstance(cause, requests.ConnectionError):
            reason = "connection failed (wrong address, or the instance is down)"
        else:
            reason = str(cause or exc)[:_SNIPPET]
        return FetchError(f"could not reach {self.instance} for {what}: {reason}", url=url)

    def _not_json(self, what: str, url: str) -> ParseError:
        return ParseError(
            f"the answer to {what} is not JSON; is this the address of a Mastodon instance?",
            where=redact_url(url),
        )


def _status_and_text(exc: MastodonError) -> tuple[int | None, str | None]:
    """HTTP status and the instance's error text from a Mastodon.py API error, if given."""
    # Mastodon.py raises MastodonAPIError('Mastodon API returned error', status, reason, error)
    args = exc.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    text = args[3] if len(args) > 3 and isinstance(args[3], str) else None
    if text is None and len(args) > 2 and isinstance(args[2], str):
        text = args[2]
    return status, (text[:_SNIPPET] if text else None)


def _error_text(response: requests.Response | None) -> str | None:
    """The instance's own error text ({"error": "..."}); Mastodon.py may drop it."""
    if response is None or response.ok:
        return None
    try:
        text = describe_error(response.json())
    except ValueError:
        return None
    return text[:_SNIPPET] if text else None


def items_of(body: Any, key: str | None, where: str) -> list[Any]:
    """The list of items in a JSON body (``body[key]`` when ``key``), else ParseError."""
    found = body.get(key) if key is not None and isinstance(body, Mapping) else body
    if not isinstance(found, list):
        shape = type(body).__name__
        raise ParseError(
            f"expected a list{f' under {key!r}' if key else ''}, got a JSON {shape}; "
            "is this the address of a Mastodon instance?",
            where=where,
        )
    return found
