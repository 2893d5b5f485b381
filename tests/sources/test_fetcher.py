"""SafeFetcher against a real loopback server, and its SSRF checks (no connection made)."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from feedserver import ETAG, FeedServer, RouteTo, tls_server

from resonanz.config import Settings
from resonanz.errors import FetchError, RateLimited, UnsafeURLError
from resonanz.fetcher import SafeFetcher, address_problem, parse_retry_after, validate_url

PUBLIC_IP = "93.184.216.34"


class NoNetwork(httpx.BaseTransport):
    """Fails the test if the fetcher tries to send anything."""

    def __init__(self) -> None:
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise AssertionError(f"unexpected request to {request.url}")


def public_resolver(host: str, port: int) -> list[str]:
    return [PUBLIC_IP]


def test_get_returns_body_headers_and_final_url(feed_server: FeedServer, local_settings: Settings):
    with SafeFetcher(local_settings) as fetcher:
        result = fetcher.get(feed_server.url("/rss.xml"))
    assert result.status == 200
    assert result.url == feed_server.url("/rss.xml")
    assert result.headers["etag"] == ETAG
    assert result.content.startswith(b"<?xml")
    path, headers = feed_server.requests[-1]
    assert path == "/rss.xml"
    assert headers["User-Agent"] == local_settings.user_agent


def test_conditional_get_returns_304_as_result(feed_server: FeedServer, local_settings: Settings):
    with SafeFetcher(local_settings) as fetcher:
        result = fetcher.get(feed_server.url("/rss.xml"), {"If-None-Match": ETAG})
    assert result.status == 304
    assert result.content == b""


def test_redirect_chain_is_followed(feed_server: FeedServer, local_settings: Settings):
    with SafeFetcher(local_settings) as fetcher:
        result = fetcher.get(feed_server.url("/redirect/3"))
    assert result.status == 200
    assert result.url == feed_server.url("/rss.xml")
    assert result.redirects == tuple(feed_server.url(f"/redirect/{n}") for n in (3, 2, 1))


def test_too_many_redirects(feed_server: FeedServer, local_settings: Settings):
    settings = replace(local_settings, http_max_redirects=2)
    with SafeFetcher(settings) as fetcher, pytest.raises(FetchError, match="too many redirects"):
        fetcher.get(feed_server.url("/redirect/3"))
    with SafeFetcher(settings) as fetcher, pytest.raises(FetchError, match="too many redirects"):
        fetcher.get(feed_server.url("/loop"))


def test_redirect_to_other_scheme_is_refused(feed_server: FeedServer, local_settings: Settings):
    with SafeFetcher(local_settings) as fetcher, pytest.raises(UnsafeURLError, match="ftp"):
        fetcher.get(feed_server.url("/to-ftp"))


def test_redirect_to_private_address_is_refused(feed_server: FeedServer):
    transport = RouteTo(feed_server.port)
    fetcher = SafeFetcher(Settings(), transport=transport, resolver=public_resolver)
    with fetcher, pytest.raises(UnsafeURLError, match=r"169\.254\.169\.254 is a link-local"):
        fetcher.get(feed_server.url("/to-private", host="feeds.example.com"))
    # Only the first hop went out; the metadata address was never contacted.
    assert [u.path for u in transport.seen] == ["/to-private"]


def test_connection_is_pinned_to_the_validated_address(feed_server: FeedServer):
    transport = RouteTo(feed_server.port)
    answers = iter([[PUBLIC_IP], ["127.0.0.1"]])  # a rebinding DNS server's second answer

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    with SafeFetcher(Settings(), transport=transport, resolver=rebinding) as fetcher:
        result = fetcher.get(feed_server.url("/atom.xml", host="feeds.example.com"))
    assert result.status == 200
    assert result.url == feed_server.url("/atom.xml", host="feeds.example.com")
    assert [u.host for u in transport.seen] == [PUBLIC_IP]
    assert feed_server.requests[-1][1]["Host"] == f"feeds.example.com:{feed_server.port}"


def test_https_sends_sni_hostname_for_certificate_checks():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ok")

    transport = httpx.MockTransport(handler)
    with SafeFetcher(Settings(), transport=transport, resolver=public_resolver) as fetcher:
        fetcher.get("https://feeds.example.com/rss.xml")
    assert seen[0].url.host == PUBLIC_IP
    assert seen[0].headers["Host"] == "feeds.example.com"
    assert seen[0].extensions["sni_hostname"] == "feeds.example.com"


def test_credentials_do_not_follow_a_redirect_to_another_host():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers["Host"] == "a.example.com":
            return httpx.Response(302, headers={"Location": "https://b.example.com/feed"})
        return httpx.Response(200, content=b"ok")

    transport = httpx.MockTransport(handler)
    with SafeFetcher(Settings(), transport=transport, resolver=public_resolver) as fetcher:
        fetcher.get("https://a.example.com/feed", {"Authorization": "Bearer x", "X-Other": "1"})
    assert seen[0].headers["Authorization"] == "Bearer x"
    assert "Authorization" not in seen[1].headers
    assert seen[1].headers["X-Other"] == "1"


def test_server_error_raises_fetch_error_with_status(
    feed_server: FeedServer, local_settings: Settings
):
    with SafeFetcher(local_settings) as fetcher:
        with pytest.raises(FetchError, match="HTTP 500") as info:
            fetcher.get(feed_server.url("/error"))
        assert info.value.status == 500
        with pytest.raises(FetchError, match="HTTP 404") as info:
            fetcher.get(feed_server.url("/missing"))
        assert info.value.status == 404


def test_429_raises_rate_limited_with_retry_after(
    feed_server: FeedServer, local_settings: Settings
):
    with SafeFetcher(local_settings) as fetcher:
        with pytest.raises(RateLimited, match="retry after 120 s") as info:
            fetcher.get(feed_server.url("/busy"))
        assert info.value.retry_after == 120
        assert info.value.status == 429
        with pytest.raises(RateLimited) as info:
            fetcher.get(feed_server.url("/busy-date"))
        assert info.value.retry_after is not None
        assert 80 <= info.value.retry_after <= 91


def test_slow_server_times_out_with_a_readable_reason(feed_server: FeedServer):
    settings = replace(Settings(), allow_private_targets=True, http_timeout=0.3)
    with SafeFetcher(settings) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(feed_server.url("/slow"))
    assert str(info.value) == "timed out after 0.3 s waiting for data from 127.0.0.1"


def test_refused_connection_is_a_fetch_error(local_settings: Settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = SafeFetcher(local_settings)
    with fetcher, pytest.raises(FetchError, match=r"could not connect to 127\.0\.0\.1"):
        fetcher.get(f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize("path", ["/big", "/big-chunked", "/bomb"])
def test_oversize_body_is_refused(feed_server: FeedServer, local_settings: Settings, path: str):
    settings = replace(local_settings, http_max_bytes=1000)
    with SafeFetcher(settings) as fetcher, pytest.raises(FetchError, match="larger than 1000"):
        fetcher.get(feed_server.url(path))


def test_unresolvable_host_is_a_fetch_error():
    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fetcher = SafeFetcher(Settings(), transport=NoNetwork(), resolver=failing)
    with fetcher, pytest.raises(FetchError, match=r"could not resolve host nowhere\.example"):
        fetcher.get("https://nowhere.example/feed")


UNSAFE_URLS = [
    ("http://127.0.0.1/", "loopback"),
    ("http://localhost:8080/feed", "loopback name"),
    ("http://feeds.localhost/", "loopback name"),
    ("http://10.1.2.3/feed", "private"),
    ("http://192.168.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]/", "loopback"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fd00::1]/", "private"),
    ("http://[::ffff:10.0.0.1]/", "private address 10.0.0.1 embedded"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://2130706433/", "loopback"),
    ("http://0x7f.1/", "loopback"),
    ("http://100.64.1.1/", "carrier-grade NAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
]


@pytest.mark.parametrize(("url", "problem"), UNSAFE_URLS)
def test_private_targets_are_refused_without_connecting(url: str, problem: str):
    transport = NoNetwork()
    fetcher = SafeFetcher(Settings(), transport=transport)
    with fetcher, pytest.raises(UnsafeURLError, match=problem) as info:
        fetcher.get(url)
    assert transport.calls == 0
    assert "allow_private_targets" in str(info.value)
    with pytest.raises(UnsafeURLError, match=problem):
        validate_url(url, Settings())


def test_name_resolving_to_a_private_address_is_refused():
    transport = NoNetwork()

    def intranet(host: str, port: int) -> list[str]:
        return [PUBLIC_IP, "10.0.0.5"]

    fetcher = SafeFetcher(Settings(), transport=transport, resolver=intranet)
    with fetcher, pytest.raises(UnsafeURLError) as info:
        fetcher.get("https://intranet.example.com/feed")
    message = str(info.value)
    assert "https://intranet.example.com/feed" in message
    assert "intranet.example.com resolves to 10.0.0.5" in message
    assert transport.calls == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.com/feed", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("example.com/feed", "did you mean https://example.com/feed"),
        ("http://", "no host"),
        ("http://exa mple.com/", "invalid host name"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_invalid_urls_are_refused(url: str, message: str):
    with pytest.raises(UnsafeURLError, match=message):
        validate_url(url, Settings())


def test_validate_url_normalises():
    settings = Settings()
    assert (
        validate_url(" HTTPS://Example.COM/feed?x=1#top ", settings, resolver=public_resolver)
        == "https://example.com/feed?x=1"
    )
    assert validate_url("http://bücher.example/", settings, resolver=public_resolver) == (
        "http://xn--bcher-kva.example/"
    )


def test_validate_url_accepts_names_that_do_not_resolve_now():
    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert validate_url("https://later.example/feed", Settings(), resolver=failing) == (
        "https://later.example/feed"
    )


def test_private_targets_allowed_by_setting():
    settings = replace(Settings(), allow_private_targets=True)
    assert validate_url("http://10.0.0.1/feed", settings) == "http://10.0.0.1/feed"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("127.0.0.2", "loopback"),
        ("2002:0a00:0001::1", "private address 10.0.0.1 embedded in IPv6"),
        ("64:ff9b::7f00:1", "loopback address 127.0.0.1 embedded in IPv6"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("192.0.2.1", "private"),
        ("fe80::1%eth0", "link-local"),
    ],
)
def test_address_problem(address: str, problem: str | None):
    assert address_problem(address) == problem


def test_parse_retry_after():
    now = datetime(2024, 7, 2, 10, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now) == 30
    assert parse_retry_after("Tue, 02 Jul 2024 10:01:00 GMT", now=now) == 60
    assert parse_retry_after("Tue, 02 Jul 2024 09:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def _make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for feeds.example.com signed by it (openssl)."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=Resonanz Test CA")  # fmt: skip
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=feeds.example.com")  # fmt: skip
    (folder / "ext.cnf").write_text("subjectAltName=DNS:feeds.example.com\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2",
            "-extfile", "ext.cnf")  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_https_to_pinned_address_checks_the_certificate_against_the_name(tmp_path: Path):
    ca, cert, key = _make_certificates(tmp_path)
    server = tls_server(str(cert), str(key))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    settings = replace(Settings(), allow_private_targets=True, http_timeout=3.0)

    def loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    try:
        context = ssl.create_default_context(cafile=str(ca))
        transport = httpx.HTTPTransport(verify=context)
        with SafeFetcher(settings, transport=transport, resolver=loopback) as fetcher:
            result = fetcher.get(f"https://feeds.example.com:{port}/atom.xml")
            assert result.status == 200
            assert result.content.startswith(b"<?xml")
            assert server.requests[-1][1]["Host"] == f"feeds.example.com:{port}"
            with pytest.raises(
                FetchError,
                match=r"could not connect to other\.example\.com: .*CERTIFICATE_VERIFY_FAILED",
            ):
                fetcher.get(f"https://other.example.com:{port}/atom.xml")
    finally:
        server.shutdown()
        server.server_close()
