"""praw for the Reddit connector: listing pages as plain JSON, prawcore's failures mapped onto
the one error tree, Reddit's rate-limit headers honoured, retries with the shared policy.

Reddit answers every OAuth call with ``x-ratelimit-remaining``, ``x-ratelimit-used`` and
``x-ratelimit-reset`` (seconds until the window resets; Reddit's Data API wiki). prawcore
spreads requests over the window by itself; when the budget is used up and the reset is
further away than ``settings.http_backoff_max``, :class:`RedditClient` ends the run with
:class:`RateLimited` instead of letting prawcore sleep through it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import praw
import prawcore
import requests
from prawcore.exceptions import (
    BadJSON,
    Forbidden,
    InsufficientScope,
    InvalidToken,
    NotFound,
    OAuthException,
    PrawcoreException,
    Redirect,
    RequestException,
    ResponseException,
    ServerError,
    TooManyRequests,
)
from prawcore.sessions import FiniteRetryStrategy

from resonanz.config import Settings
from resonanz.errors import AuthError, FetchError, ParseError, RateLimited
from resonanz.sources.retry import RetryPolicy, with_retries

__all__ = ["OAUTH_URL", "REDDIT_URL", "RedditClient", "RedditCredentials"]

OAUTH_URL = "https://oauth.reddit.com"
REDDIT_URL = "https://www.reddit.com"
_TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504, 520, 522})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RedditCredentials:
    """A script app's credentials; with ``username`` and ``password`` praw logs in as that
    account (needed for private subreddits it may read), without them it is read-only."""

    client_id: str
    client_secret: str
    user_agent: str
    username: str | None = None
    password: str | None = None


class _RateBudget:
    """What the last response's ``x-ratelimit-*`` headers said (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.remaining: float | None = None
        self._reset_at: float | None = None

    def update(self, headers: Mapping[str, str]) -> None:
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            left, seconds = float(remaining), float(reset)
        except ValueError:
            return
        with self._lock:
            self.remaining = left
            self._reset_at = time.monotonic() + max(0.0, seconds)

    def wait(self) -> float | None:
        """Seconds until the window resets when the budget is used up, else None."""
        with self._lock:
            if self.remaining is None or self.remaining > 0 or self._reset_at is None:
                return None
            return max(0.0, self._reset_at - time.monotonic())


class _ObservingRequestor(prawcore.Requestor):
    """prawcore's requestor, made to use our timeout and to remember rate-limit headers."""

    def __init__(self, *args: Any, budget: _RateBudget, timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, timeout=timeout, **kwargs)
        self._budget = budget
        self._timeout = timeout

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        # prawcore passes its own 16 s default on API calls; the setting wins.
        response = super().request(*args, timeout=self._timeout, **kwargs)
        self._budget.update(response.headers)
        return response


@dataclass(frozen=True)
class _SingleAttempt(FiniteRetryStrategy):
    """No retries inside prawcore: :func:`with_retries` retries with the shared policy, so
    5xx are not retried twice over, with two sets of sleeps."""

    retries: int = 0

    def _sleep_seconds(self) -> float | None:
        return None


class RedditClient:
    """GET Reddit API paths through praw and return the JSON Reddit sent, untouched."""

    def __init__(
        self,
        credentials: RedditCredentials,
        settings: Settings,
        *,
        oauth_url: str = OAUTH_URL,
        reddit_url: str = REDDIT_URL,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._policy = policy or RetryPolicy.from_settings(settings)
        self._budget = _RateBudget()
        session = requests.Session()
        # No proxies, .netrc or CA bundle from the environment: requests go where we say.
        session.trust_env = False
        login = bool(credentials.username and credentials.password)
        # Every setting is passed, so no praw.ini or praw_* environment variable of the
        # machine (a refresh token, another site) changes what this source does.
        self._reddit = praw.Reddit(
            "DEFAULT",
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            user_agent=credentials.user_agent,
            oauth_url=oauth_url,
            reddit_url=reddit_url,
            check_for_updates=False,
            check_for_async=False,
            redirect_uri=None,
            refresh_token=None,
            timeout=max(1, math.ceil(settings.http_timeout)),
            requestor_class=_ObservingRequestor,
            requestor_kwargs={
                "session": session,
                "budget": self._budget,
                "timeout": settings.http_timeout,
            },
            username=credentials.username if login else None,
            password=credentials.password if login else None,
        )
        self._reddit.read_only = not login
        for core in (self._reddit._read_only_core, self._reddit._authorized_core):
            if core is not None:  # prawcore has no public switch for its retry strategy
                core._retry_strategy_class = _SingleAttempt

    def close(self) -> None:
        """Close the HTTP session."""
        core = self._reddit._read_only_core
        if core is not None:
            core.close()

    def get(self, path: str, params: Mapping[str, str | int]) -> Any:
        """GET ``path`` (e.g. ``r/python/new``) with ``params``; retried when transient."""
        return with_retries(
            lambda: self._once(path, dict(params)),
            policy=self._policy,
            transient=_is_transient,
            retry_after=self._own_wait,
            what=f"reddit GET /{path}",
        )

    def _own_wait(self, exc: BaseException) -> float | None:
        """No extra sleep for a short 429 whose headers said the budget is used up:
        prawcore's rate limiter waits for the reset itself before the next request."""
        if (
            isinstance(exc, RateLimited)
            and exc.retry_after is not None
            and exc.retry_after <= self._policy.max_delay
            and self._budget.wait() is not None
        ):
            return 0.0
        return None

    def _once(self, path: str, params: dict[str, str | int]) -> Any:
        wait = self._budget.wait()
        if wait is not None and wait > self._policy.max_delay:
            raise RateLimited(
                f"reddit: the rate limit is used up; it resets in {wait:.0f} s",
                url=f"/{path}",
                retry_after=wait,
            )
        try:
            try:
                return self._reddit.request(method="GET", path=path, params=params)
            except InvalidToken:
                # prawcore dropped the token; one more try fetches a fresh one.
                return self._reddit.request(method="GET", path=path, params=params)
        except PrawcoreException as exc:
            raise _translate(exc, path) from None


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, RateLimited):
        return True
    if isinstance(exc, FetchError) and not isinstance(exc, ParseError):
        return exc.status is None or exc.status in _TRANSIENT_STATUS
    return False


def _body(exc: ResponseException) -> dict[str, Any]:
    try:
        data = exc.response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _said(exc: ResponseException) -> str:
    """Reddit's own words from an error body: ``{"message": ..., "error": ..., "reason": ...}``."""
    body = _body(exc)
    parts = [str(body[key]) for key in ("message", "reason", "explanation") if body.get(key)]
    return ": ".join(parts) or exc.response.reason or "no details"


def _translate(exc: PrawcoreException, path: str) -> Exception:
    """The error-tree exception for a prawcore failure on ``path``."""
    where = f"/{path}"
    if isinstance(exc, OAuthException):
        detail = f" ({exc.description})" if exc.description else ""
        return AuthError(
            f"reddit refused the login: {exc.error}{detail}; check username and password "
            "(the account that owns the script app)"
        )
    if isinstance(exc, RequestException):
        return FetchError(f"reddit could not be reached: {_unreachable(exc)}", url=where)
    if not isinstance(exc, ResponseException):
        return FetchError(f"reddit: {exc}", url=where)
    status = exc.response.status_code
    if "/api/v1/access_token" in (exc.response.url or ""):
        if status in (400, 401, 403):
            return AuthError(
                f"reddit refused the app credentials ({status} {_said(exc)}); "
                "check client_id and client_secret"
            )
        if status >= 500:
            return FetchError(
                f"reddit's login endpoint answered {status}: {_said(exc)}", url=where, status=status
            )
    if isinstance(exc, InvalidToken):
        return AuthError(f"reddit rejected the access token twice on {where}; check the app")
    if isinstance(exc, Forbidden | InsufficientScope):
        reason = _body(exc).get("reason")
        why = {
            "private": "the subreddit is private: only its approved members may read it "
            "(set username/password of a member)",
            "quarantined": "the subreddit is quarantined: the account must opt in on reddit",
            "gated": "the subreddit is gated: the account must opt in on reddit",
            "banned": "the subreddit is banned",
        }.get(str(reason), f"access denied ({_said(exc)})")
        return AuthError(f"reddit answered 403 for {where}: {why}")
    if isinstance(exc, Redirect):
        return FetchError(
            f"reddit has no such subreddit ({where} redirects to {exc.path})",
            url=where,
            status=status,
        )
    if isinstance(exc, NotFound):
        return FetchError(
            f"reddit answered 404 for {where}: {_said(exc)} (banned or does not exist)",
            url=where,
            status=status,
        )
    if isinstance(exc, TooManyRequests):
        return RateLimited(
            f"reddit answered 429 (too many requests) for {where}",
            url=where,
            retry_after=_retry_after(exc),
        )
    if isinstance(exc, BadJSON):
        return ParseError(f"reddit sent something that is not JSON ({status})", where=where)
    if isinstance(exc, ServerError) or status >= 500:
        return FetchError(f"reddit answered {status}: {_said(exc)}", url=where, status=status)
    return FetchError(
        f"reddit answered {status} for {where}: {_said(exc)}", url=where, status=status
    )


def _retry_after(exc: TooManyRequests) -> float | None:
    for value in (exc.retry_after, exc.response.headers.get("x-ratelimit-reset")):
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            continue
    return None


def _unreachable(exc: RequestException) -> str:
    """A short reason for a failed connection (requests' own text runs to five lines)."""
    original = exc.original_exception
    url = next((a for a in exc.request_args if isinstance(a, str) and "://" in a), "")
    host = urlsplit(url).netloc or "the server"
    text = str(original)
    if isinstance(original, requests.Timeout):
        return f"{host} did not answer in time"
    if "NameResolution" in text or "Name or service not known" in text:
        return f"the name {urlsplit(url).hostname or host} could not be resolved"
    if "Connection refused" in text:
        return f"{host} refused the connection"
    return f"{type(original).__name__} talking to {host}"
