"""The one SSRF-safe HTTP fetcher for any URL a user types (feeds, pages).

Every hop is checked before a byte is sent: only http/https, the host is resolved once
and every address must be public (unless ``allow_private_targets``), and the connection
goes to that validated address (the URL host is rewritten to the IP; the ``Host`` header
and the TLS SNI/certificate check keep the real name), so DNS rebinding cannot swap it.
Redirects are followed by hand and each target is checked the same way.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType

import httpx

from resonanz.config import Settings
from resonanz.errors import FetchError, RateLimited, UnsafeURLError

__all__ = [
    "FetchResult",
    "Resolver",
    "SafeFetcher",
    "address_problem",
    "checked_addresses",
    "parse_retry_after",
    "pinned_request",
    "resolve_host",
    "validate_url",
]

Resolver = Callable[[str, int], Sequence[str]]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HOST_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A server dribbling bytes just under the read timeout could hold a worker forever.
_TOTAL_TIME_FACTOR = 6
# Headers that must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")


@dataclass(frozen=True)
class FetchResult:
    """A response: status, final URL, headers (lower-case names) and the body bytes."""

    status: int
    url: str
    headers: Mapping[str, str]
    content: bytes
    redirects: tuple[str, ...] = field(default_factory=tuple)


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (getaddrinfo), without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]).split("%", 1)[0], None)
    return list(seen)


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a public target ("loopback", "private", ...), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is not None:
            inner = address_problem(str(embedded))
            return f"{inner} address {embedded} embedded in IPv6" if inner else None
        if ip.is_site_local:
            return "site-local"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("carrier-grade NAT", isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _redact(url: httpx.URL) -> str:
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


def _parse(url: str) -> httpx.URL:
    """Parse and syntax-check a user-typed URL (scheme, host, port); no network."""
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise UnsafeURLError(f"{text!r} is not a valid URL: {exc}") from exc
    if not parsed.scheme and re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", text, re.IGNORECASE):
        raise UnsafeURLError(f"{text!r} has no scheme; did you mean https://{text} ?")
    if parsed.scheme not in ("http", "https"):
        shown = f"{parsed.scheme}:" if parsed.scheme else "no scheme"
        raise UnsafeURLError(f"only http and https URLs can be fetched, not {shown} ({text!r})")
    host = parsed.raw_host.decode("ascii").strip("[]")
    if not host:
        raise UnsafeURLError(f"{text!r} has no host name")
    if ":" not in host and not _HOST_RE.match(host):
        raise UnsafeURLError(f"{text!r} has an invalid host name {host!r}")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UnsafeURLError(f"{text!r} has an invalid port {parsed.port}")
    return parsed.copy_with(fragment=None)


def _host_of(url: httpx.URL) -> str:
    return url.raw_host.decode("ascii").strip("[]")


def _port_of(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _check_addresses(url: httpx.URL, addresses: Sequence[str]) -> None:
    host = _host_of(url)
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            via = "" if address == host else f" ({host} resolves to {address})"
            raise UnsafeURLError(
                f"refusing to fetch {_redact(url)}: {address} is a {problem} address{via}; "
                "set allow_private_targets to allow private network targets"
            )


def _check_name(url: httpx.URL) -> None:
    host = _host_of(url).rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeURLError(
            f"refusing to fetch {_redact(url)}: {host} is a loopback name; "
            "set allow_private_targets to allow private network targets"
        )


def _resolve(url: httpx.URL, resolver: Resolver) -> list[str]:
    host = _host_of(url)
    if _is_ip(host):
        return [host]
    try:
        addresses = list(resolver(host, _port_of(url)))
    except socket.gaierror as exc:
        raise FetchError(
            f"could not resolve host {host}: {exc.strerror}", url=_redact(url)
        ) from exc
    except UnicodeError as exc:
        raise UnsafeURLError(f"{_redact(url)} has an invalid host name: {exc}") from exc
    if not addresses:
        raise FetchError(f"host {host} has no addresses", url=_redact(url))
    return addresses


def validate_url(url: str, settings: Settings, *, resolver: Resolver = resolve_host) -> str:
    """Check a user-typed URL (scheme, host, SSRF) and return it normalised.

    A name that does not resolve right now is accepted: every fetch checks again.
    """
    parsed = _parse(url)
    if not settings.allow_private_targets:
        _check_name(parsed)
        try:
            addresses = _resolve(parsed, resolver)
        except FetchError:
            return str(parsed)
        _check_addresses(parsed, addresses)
    return str(parsed)


def _checked(url: httpx.URL, settings: Settings, resolver: Resolver) -> list[str]:
    if not settings.allow_private_targets:
        _check_name(url)
    addresses = _resolve(url, resolver)
    if not settings.allow_private_targets:
        _check_addresses(url, addresses)
    return addresses


def checked_addresses(
    url: str, settings: Settings, *, resolver: Resolver = resolve_host
) -> list[str]:
    """Resolve ``url``'s host now and check every address as each fetcher hop does.

    Connect only to these addresses (see ``pinned_request``). UnsafeURLError for an invalid
    or private target, FetchError when the name does not resolve.
    """
    return _checked(_parse(url), settings, resolver)


def pinned_request(
    client: httpx.Client,
    method: str,
    url: str,
    address: str,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Request:
    """A request for ``url`` that connects to ``address``; Host and TLS keep the real name.

    The connection is closed after the response: the pool is keyed by address, and a TLS
    connection verified for one name must not carry a request for another.
    """
    return _pinned(client, method, _parse(url), address, headers or {}, content)


def _pinned(
    client: httpx.Client,
    method: str,
    parsed: httpx.URL,
    address: str,
    headers: Mapping[str, str],
    content: bytes | None = None,
) -> httpx.Request:
    host = _host_of(parsed)
    extensions = {}
    sent = {**headers, "Host": parsed.netloc.decode("ascii")}
    if parsed.scheme == "https":
        if not _is_ip(host):
            extensions["sni_hostname"] = host
        sent["Connection"] = "close"
    return client.build_request(
        method,
        parsed.copy_with(host=address),
        headers=sent,
        content=content,
        extensions=extensions,
    )


def pinned_client(
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | None = None,
) -> httpx.Client:
    """The client for ``pinned_request``s: no redirects followed by httpx (each hop is
    checked by hand), the settings' timeout and User-Agent, and no proxy from the
    environment (``trust_env=False``: a proxy would connect by name, not to the validated
    address, and defeat the pinning)."""
    return httpx.Client(
        transport=transport,
        timeout=timeout or httpx.Timeout(settings.http_timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": settings.user_agent},
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class SafeFetcher:
    """GET user-typed URLs safely: SSRF checks per hop, pinned IPs, limits, readable errors."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = resolve_host,
    ) -> None:
        self._settings = settings
        self._resolver = resolver
        self._client = pinned_client(settings, transport=transport)

    def __enter__(self) -> SafeFetcher:
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

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> FetchResult:
        """GET ``url``, following redirects; 304 is a result, other errors raise."""
        current = _parse(url)
        sent = dict(headers or {})
        deadline = time.monotonic() + self._settings.http_timeout * _TOTAL_TIME_FACTOR
        hops: list[str] = []
        while True:
            response = self._open(current, sent)
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    target = self._redirect_target(current, response.headers["location"], hops)
                    if (target.scheme, target.raw_host, target.port) != (
                        current.scheme,
                        current.raw_host,
                        current.port,
                    ):
                        sent = {
                            k: v for k, v in sent.items() if k.lower() not in _CREDENTIAL_HEADERS
                        }
                    hops.append(_redact(current))
                    current = target
                    continue
                self._check_status(response, current)
                content = (
                    b"" if response.status_code == 304 else self._read(response, current, deadline)
                )
                return FetchResult(
                    status=response.status_code,
                    url=_redact(current),
                    headers={k.lower(): response.headers[k] for k in response.headers},
                    content=content,
                    redirects=tuple(hops),
                )
            finally:
                response.close()

    def _redirect_target(self, current: httpx.URL, location: str, hops: list[str]) -> httpx.URL:
        if len(hops) >= self._settings.http_max_redirects:
            raise FetchError(
                f"too many redirects (more than {self._settings.http_max_redirects}) "
                f"starting at {hops[0] if hops else _redact(current)}",
                url=_redact(current),
            )
        try:
            joined = current.join(location.strip())
        except httpx.InvalidURL as exc:
            raise FetchError(
                f"{_redact(current)} redirected to an invalid URL {location!r}",
                url=_redact(current),
            ) from exc
        return _parse(str(joined))

    def _open(self, url: httpx.URL, headers: Mapping[str, str]) -> httpx.Response:
        """Resolve, check and connect to the validated address; return a streaming response."""
        addresses = _checked(url, self._settings, self._resolver)
        last: httpx.TransportError | None = None
        for address in addresses[:4]:
            request = _pinned(self._client, "GET", url, address, headers)
            try:
                return self._client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = exc  # try the host's next address, as a browser would
            except httpx.TransportError as exc:
                raise self._transport_error(exc, url) from exc
        assert last is not None
        raise self._transport_error(last, url) from last

    def _check_status(self, response: httpx.Response, url: httpx.URL) -> None:
        status = response.status_code
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            wait = f"; retry after {retry_after:.0f} s" if retry_after is not None else ""
            raise RateLimited(
                f"rate limited by {_host_of(url)} (HTTP 429){wait}",
                url=_redact(url),
                retry_after=retry_after,
            )
        if status >= 300 and status != 304:
            reason = response.reason_phrase
            if status < 400:
                reason = f"{reason} (a redirect this fetcher cannot follow)"
            raise FetchError(
                f"HTTP {status} {reason} from {_redact(url)}",
                url=_redact(url),
                status=status,
            )

    def _read(self, response: httpx.Response, url: httpx.URL, deadline: float) -> bytes:
        limit = self._settings.http_max_bytes
        too_big = f"response from {_redact(url)} is larger than {limit} bytes (http_max_bytes)"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(too_big, url=_redact(url), status=response.status_code)
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > limit:
                    raise FetchError(too_big, url=_redact(url), status=response.status_code)
                if time.monotonic() > deadline:
                    seconds = self._settings.http_timeout * _TOTAL_TIME_FACTOR
                    raise FetchError(
                        f"download from {_redact(url)} took longer than {seconds:g} s in total",
                        url=_redact(url),
                    )
                chunks.append(chunk)
        except httpx.DecodingError as exc:
            raise FetchError(
                f"could not decode the response from {_redact(url)}: {exc}", url=_redact(url)
            ) from exc
        except httpx.TransportError as exc:
            raise self._transport_error(exc, url) from exc
        return b"".join(chunks)

    def _transport_error(self, exc: httpx.TransportError, url: httpx.URL) -> FetchError:
        host = _host_of(url)
        seconds = f"{self._settings.http_timeout:g} s"
        detail = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.ConnectTimeout):
            message = f"timed out after {seconds} connecting to {host}"
        elif isinstance(exc, httpx.ReadTimeout):
            message = f"timed out after {seconds} waiting for data from {host}"
        elif isinstance(exc, httpx.WriteTimeout):
            message = f"timed out after {seconds} sending the request to {host}"
        elif isinstance(exc, httpx.TimeoutException):
            message = f"timed out after {seconds} talking to {host}"
        elif isinstance(exc, httpx.ConnectError):
            message = f"could not connect to {host}: {detail}"
        elif isinstance(exc, httpx.RemoteProtocolError):
            message = f"{host} sent an invalid HTTP response: {detail}"
        else:
            message = f"network error talking to {host}: {detail}"
        return FetchError(message, url=_redact(url))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
