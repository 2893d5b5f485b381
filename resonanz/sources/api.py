"""A JSON API client for platform connectors that speak plain HTTP (Hacker News, YouTube,
X, the Graph API, Discourse): SSRF-checked and pinned like the feed fetcher, retries with
backoff and jitter, rate-limit headers honoured, errors that say what and where.

Failures map onto the one error tree: 401/403 -> :class:`AuthError` (not retried: the user
must renew the credentials), 429 -> :class:`RateLimited`, 5xx and timeouts ->
:class:`FetchError` (both retried), other 4xx -> :class:`FetchError`, a body that is not
JSON -> :class:`ParseError`. Messages carry the platform's own error text (``describe_error``
finds it in the common error-body shapes) and URLs with credentials removed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from resonanz.config import Settings
from resonanz.errors import AuthError, FetchError, ParseError, RateLimited
from resonanz.fetcher import checked_addresses, parse_retry_after, pinned_client, pinned_request
from resonanz.sources.configure import is_secret_key
from resonanz.sources.retry import RetryPolicy, with_retries

__all__ = [
    "ApiClient",
    "ApiResponse",
    "RateLimit",
    "describe_error",
    "redact_url",
]

_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_SNIPPET = 200


@dataclass(frozen=True)
class RateLimit:
    """What the last response said about the rate limit (None: it did not say)."""

    limit: int | None = None
    remaining: int | None = None
    reset_in: float | None = None


@dataclass(frozen=True)
class ApiResponse:
    """A decoded JSON response."""

    status: int
    url: str
    headers: Mapping[str, str]
    data: Any
    rate_limit: RateLimit


def redact_url(url: str) -> str:
    """The URL without user-info passwords and without credential query parameters
    (``key``, ``access_token``, ...), for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc.rpartition("@")[2]
    query = [
        (name, "redacted" if is_secret_key(name) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))


def describe_error(body: Any) -> str | None:
    """The platform's own error text from the usual JSON error shapes, or None.

    Covers ``{"error": "..."}`` / ``{"error_description": ...}`` (OAuth, Mastodon),
    ``{"error": {"message": ...}}`` (Graph API, YouTube), ``{"errors": [{"message"|"detail"}]}``
    (X, Discourse), ``{"detail": ...}`` / ``{"title": ...}`` (RFC 7807) and ``{"message": ...}``.
    """
    if not isinstance(body, Mapping):
        return None
    if isinstance(body.get("error_description"), str):
        return str(body["error_description"])
    error = body.get("error")
    if isinstance(error, str) and error:
        return error
    if isinstance(error, Mapping):
        for key in ("message", "description", "type"):
            if isinstance(error.get(key), str):
                return str(error[key])
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        texts = []
        for item in errors[:3]:
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, Mapping):
                text = item.get("message") or item.get("detail") or item.get("title")
                if isinstance(text, str):
                    texts.append(text)
        if texts:
            return "; ".join(texts)
    for key in ("detail", "message", "title"):
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def rate_limit_of(headers: Mapping[str, str], *, now: float | None = None) -> RateLimit:
    """Read ``x-ratelimit-*`` / ``ratelimit-*`` headers; a reset above 10^9 is a Unix time
    (X, GitHub), a smaller one a number of seconds (Reddit, the IETF draft)."""
    lowered = {k.lower(): v for k, v in headers.items()}

    def first(*names: str) -> str | None:
        for name in names:
            if name in lowered:
                return lowered[name]
        return None

    reset: float | None = None
    raw_reset = first("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset")
    if raw_reset is not None:
        try:
            value = float(raw_reset)
        except ValueError:
            parsed = parse_retry_after(raw_reset)  # Mastodon sends an ISO or HTTP date
            if parsed is None:
                try:
                    when = datetime.fromisoformat(raw_reset.replace("Z", "+00:00"))
                    parsed = max(0.0, (when - datetime.now(UTC)).total_seconds())
                except ValueError:
                    parsed = None
            reset = parsed
        else:
            current = time.time() if now is None else now
            reset = max(0.0, value - current) if value > 1e9 else max(0.0, value)
    return RateLimit(
        limit=_int(first("x-ratelimit-limit", "ratelimit-limit", "x-rate-limit-limit")),
        remaining=_int(
            first("x-ratelimit-remaining", "ratelimit-remaining", "x-rate-limit-remaining")
        ),
        reset_in=reset,
    )


class ApiClient:
    """GET/POST JSON from one platform's API with retries, rate limits and safe addresses.

    ``base_url`` may be user-typed (a Discourse or Mastodon instance): every request's host
    is resolved and checked (no private targets unless the settings allow them) and the
    connection pinned to the checked address. ``error_for`` lets a connector map a
    platform-specific error body to an error of its own (return None for the default).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        service: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        error_for: Callable[[int, Any, str], Exception | None] | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.rate_limit = RateLimit()
        self._settings = settings
        self._policy = policy or RetryPolicy.from_settings(settings)
        self._error_for = error_for
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._client = pinned_client(settings, transport=transport)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The absolute URL of ``path`` (or ``path`` itself when absolute) with ``params``."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        if params:
            clean = {k: v for k, v in params.items() if v is not None}
            url += ("&" if "?" in url else "?") + urlencode(clean, doseq=True)
        return url

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> ApiResponse:
        """GET ``path`` and decode its JSON, retrying transient failures."""
        return self.request("GET", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> ApiResponse:
        """Send one request (retried on 429/5xx/timeouts); raise from the error tree.
        ``content``: a raw body (an upload), its Content-Type in ``headers``."""
        url = self.url(path, params)
        self._wait_for_rate_limit(url)
        return with_retries(
            lambda: self._once(method, url, json_body, headers or {}, content),
            policy=self._policy,
            transient=_is_transient,
            what=f"{self.service} {method} {redact_url(url)}",
        )

    def _wait_for_rate_limit(self, url: str) -> None:
        limit = self.rate_limit
        if limit.remaining is None or limit.remaining > 0 or limit.reset_in is None:
            return
        if limit.reset_in > self._policy.max_delay:
            raise RateLimited(
                f"{self.service}: rate limit used up; it resets in {limit.reset_in:.0f} s",
                url=redact_url(url),
                retry_after=limit.reset_in,
            )
        self._policy.sleep(limit.reset_in)
        self.rate_limit = RateLimit()

    def _once(
        self,
        method: str,
        url: str,
        json_body: Any,
        headers: Mapping[str, str],
        content: bytes | None = None,
    ) -> ApiResponse:
        shown = redact_url(url)
        address = checked_addresses(url, self._settings)[0]
        sent = {**self._headers, **headers}
        if json_body is not None:
            content = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        request = pinned_request(self._client, method, url, address, headers=sent, content=content)
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise FetchError(
                f"{self.service} did not answer within {self._settings.http_timeout:g} s",
                url=shown,
            ) from exc
        except httpx.TransportError as exc:
            raise FetchError(f"{self.service} could not be reached: {exc}", url=shown) from exc
        try:
            body = self._read(response, shown)
        finally:
            response.close()
        self.rate_limit = rate_limit_of(response.headers)
        data = _decode(body, response, shown, self.service)
        if response.status_code >= 400 or response.status_code in (301, 302, 303, 307, 308):
            raise self._error(response, data, body, shown)
        return ApiResponse(
            status=response.status_code,
            url=shown,
            headers={k.lower(): v for k, v in response.headers.items()},
            data=data,
            rate_limit=self.rate_limit,
        )

    def _read(self, response: httpx.Response, shown: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self._settings.http_max_bytes:
                    raise FetchError(
                        f"{self.service} sent more than {self._settings.http_max_bytes:,} bytes",
                        url=shown,
                        status=response.status_code,  # a status: not retried
                    )
                chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise FetchError(f"{self.service} stopped sending mid-response", url=shown) from exc
        except httpx.TransportError as exc:
            raise FetchError(f"{self.service} broke off the response: {exc}", url=shown) from exc
        return b"".join(chunks)

    def _error(self, response: httpx.Response, data: Any, body: bytes, shown: str) -> Exception:
        status = response.status_code
        message = describe_error(data)
        if message is None:
            snippet = body[:_SNIPPET].decode("utf-8", "replace").strip()
            message = snippet or response.reason_phrase or "no details"
        if self._error_for is not None:
            custom = self._error_for(status, data, message)
            if custom is not None:
                return custom
        said = f"{self.service} answered {status}: {message}"
        if status in (401, 403):
            return AuthError(f"{said} (check or renew the credentials)")
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is None:
                retry_after = self.rate_limit.reset_in
            return RateLimited(said, url=shown, retry_after=retry_after)
        if 300 <= status < 400:
            where = redact_url(response.headers.get("location", ""))
            return FetchError(
                f"{self.service} redirected to {where}; check the URL", url=shown, status=status
            )
        return FetchError(said, url=shown, status=status)


def _decode(body: bytes, response: httpx.Response, shown: str, service: str) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        if response.status_code >= 400:
            return None  # an HTML error page: the status says enough
        kind = response.headers.get("content-type", "unknown content type")
        raise ParseError(
            f"{service} sent something that is not JSON ({kind}): {exc}", where=shown
        ) from exc


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, RateLimited):
        return True
    if isinstance(exc, AuthError | ParseError):
        return False
    if isinstance(exc, FetchError):
        # No status: the transport failed (timeout, connection refused or reset).
        return exc.status is None or exc.status in _TRANSIENT_STATUS
    return False
