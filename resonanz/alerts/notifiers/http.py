"""HTTP delivery for notifiers: SSRF-checked, pinned to the checked address, no redirects.

The target host is resolved and checked like every fetcher hop (``resonanz.fetcher``):
private, loopback and link-local addresses are refused unless ``allow_private_targets``.
Only the URL's origin (scheme, host, port) ever appears in a message, because for some
notifiers (Slack-compatible webhooks) the path is the credential.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from resonanz.alerts.notifiers.base import CONNECT_TIMEOUT
from resonanz.config import Settings
from resonanz.errors import DeliveryError, FetchError, UnsafeURLError, ValidationError
from resonanz.fetcher import checked_addresses, parse_retry_after, pinned_request, validate_url

__all__ = ["Reply", "check_url", "deliver", "origin", "short_url", "status_error"]

# Receivers answer with a short status; more is not needed for an error message.
_MAX_BODY = 256_000


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, reason, headers (lower-case names), body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def snippet(self) -> str:
        """The start of the body on one line, for error messages."""
        text = " ".join(self.body[:300].decode("utf-8", "replace").split())
        return text[:200]


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, without user info, path or query."""
    parsed = httpx.URL(url.strip())
    return str(httpx.URL(scheme=parsed.scheme, host=parsed.host, port=parsed.port))


def short_url(url: str, *, secret_path: bool = False) -> str:
    """``url`` for display: the whole URL, or only its origin + "/…" when the path is secret."""
    parsed = httpx.URL(url.strip())
    if secret_path:
        return f"{origin(url)}/…"
    return str(parsed.copy_with(username=None, password=None, query=None, fragment=None))


def check_url(kind: str, field: str, url: str, settings: Settings) -> str:
    """Check a configured URL (http/https, a host, not private); ValidationError naming it."""
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValidationError(f"{kind}: {field!r} must be an https:// or http:// URL")
    if parsed.userinfo:
        raise ValidationError(f"{kind}: {field!r} must not contain a user name or password")
    try:
        validate_url(origin(text), settings)
    except UnsafeURLError as exc:
        raise ValidationError(f"{kind}: {field!r} is refused: {exc}") from None
    return text


def deliver(
    method: str,
    url: str,
    settings: Settings,
    *,
    target: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> Reply:
    """Send one request and return the answer, whatever its status.

    DeliveryError when the target is refused (permanent) or the network fails or times out
    (not permanent). ``target`` names the receiver in messages, without secrets.
    """
    deadline = time.monotonic() + timeout
    try:
        addresses = checked_addresses(origin(url), settings)
    except UnsafeURLError as exc:
        raise DeliveryError(f"{target}: {exc}", permanent=True) from None
    except FetchError as exc:
        raise DeliveryError(f"{target}: {exc}", permanent=False) from None
    sent = {"User-Agent": settings.user_agent, **(headers or {})}
    last: httpx.TransportError | None = None
    # trust_env=False: a proxy from the environment would connect by name, not to the
    # checked address.
    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        for address in addresses[:4]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            request = pinned_request(client, method, url, address, headers=sent, content=content)
            request.extensions["timeout"] = httpx.Timeout(
                remaining, connect=min(CONNECT_TIMEOUT, remaining)
            ).as_dict()
            try:
                response = client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = exc  # the host's next address may answer
                continue
            except httpx.TransportError as exc:
                raise _network_error(exc, target, timeout) from None
            try:
                body = _read(response, deadline, target, timeout)
            finally:
                response.close()
            return Reply(
                status=response.status_code,
                reason=response.reason_phrase,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=body,
            )
    if last is None:
        raise DeliveryError(f"{target}: timed out after {timeout:g} s", permanent=False)
    raise _network_error(last, target, timeout) from None


def _read(response: httpx.Response, deadline: float, target: str, timeout: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            total += len(chunk)
            if total >= _MAX_BODY:
                break
            if time.monotonic() > deadline:
                raise DeliveryError(
                    f"{target}: timed out after {timeout:g} s reading the answer",
                    permanent=False,
                )
    except httpx.TransportError as exc:
        raise _network_error(exc, target, timeout) from None
    return b"".join(chunks)[:_MAX_BODY]


def _network_error(exc: httpx.TransportError, target: str, timeout: float) -> DeliveryError:
    if isinstance(exc, httpx.ConnectTimeout):
        what = "timed out connecting"
    elif isinstance(exc, httpx.TimeoutException):
        what = f"timed out after {timeout:g} s"
    elif isinstance(exc, httpx.ConnectError):
        what = f"could not connect ({exc or type(exc).__name__})"
    else:
        what = f"network error ({type(exc).__name__})"
    return DeliveryError(f"{target}: {what}", permanent=False)


def status_error(reply: Reply, target: str) -> DeliveryError | None:
    """None for a 2xx answer, else a DeliveryError: permanent for redirects and 4xx other
    than 408 and 429; not permanent for 408, 429 and 5xx."""
    status = reply.status
    if 200 <= status < 300:
        return None
    said = f"{target} answered HTTP {status} {reply.reason}".rstrip()
    if 300 <= status < 400:
        location = reply.headers.get("location", "")
        where = ""
        try:
            if httpx.URL(location).host:
                where = f" to {origin(location)}/…"
        except httpx.InvalidURL:
            pass
        return DeliveryError(
            f"{said} (a redirect{where}); redirects are not followed: configure the final URL",
            permanent=True,
        )
    detail = f": {reply.snippet()}" if reply.snippet() else ""
    if status in (408, 429) or status >= 500:
        wait = parse_retry_after(reply.headers.get("retry-after"))
        later = f"; retry after {wait:.0f} s" if wait is not None else ""
        return DeliveryError(f"{said}{detail}{later}", permanent=False)
    return DeliveryError(f"{said}{detail}", permanent=True)
