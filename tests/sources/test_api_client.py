"""The shared JSON API client against a real loopback server: retries, rate limits, errors."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from apiserver import ApiServer, JsonReply

from resonanz.config import Settings
from resonanz.errors import AuthError, FetchError, ParseError, RateLimited, UnsafeURLError
from resonanz.sources.api import ApiClient, describe_error, rate_limit_of, redact_url
from resonanz.sources.retry import RetryPolicy, with_retries


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(server: ApiServer, settings: Settings, sleeps: Sleeps, attempts: int = 4) -> ApiClient:
    policy = RetryPolicy(attempts=attempts, max_delay=30.0, sleep=sleeps, rng=random.Random(1))
    return ApiClient(settings, service="Test API", base_url=server.base_url, policy=policy)


def test_get_decodes_json_and_sends_params(api_server: ApiServer, local_settings: Settings) -> None:
    api_server.script("GET", "/items", JsonReply({"hits": [1, 2]}))
    with client(api_server, local_settings, Sleeps()) as api:
        response = api.get("/items", {"query": "bahn", "page": 2, "skip": None})
    assert response.data == {"hits": [1, 2]}
    (call,) = api_server.calls("/items")
    assert call.query == {"query": ["bahn"], "page": ["2"]}
    assert call.headers["user-agent"].startswith("Resonanz")


def test_retries_5xx_and_429_with_backoff_then_succeeds(
    api_server: ApiServer, local_settings: Settings
) -> None:
    api_server.script(
        "GET",
        "/flaky",
        [
            JsonReply({"error": "upstream"}, status=503),
            JsonReply({"error": "slow down"}, status=429, headers={"Retry-After": "7"}),
            JsonReply({"ok": True}),
        ],
    )
    sleeps = Sleeps()
    with client(api_server, local_settings, sleeps) as api:
        assert api.get("/flaky").data == {"ok": True}
    assert len(api_server.calls("/flaky")) == 3
    # first wait jittered within [0, 1 s]; the second is exactly what Retry-After asked
    assert 0.0 <= sleeps.waits[0] <= 1.0
    assert sleeps.waits[1] == 7.0


def test_gives_up_after_the_attempts_with_the_platform_message(
    api_server: ApiServer, local_settings: Settings
) -> None:
    api_server.script("GET", "/down", JsonReply({"message": "maintenance"}, status=502))
    with (
        client(api_server, local_settings, Sleeps(), attempts=3) as api,
        pytest.raises(FetchError, match="Test API answered 502: maintenance") as info,
    ):
        api.get("/down")
    assert info.value.status == 502
    assert len(api_server.calls("/down")) == 3


def test_long_retry_after_ends_the_run_instead_of_sleeping(
    api_server: ApiServer, local_settings: Settings
) -> None:
    api_server.script("GET", "/limited", JsonReply({}, status=429, headers={"Retry-After": "900"}))
    sleeps = Sleeps()
    with client(api_server, local_settings, sleeps) as api, pytest.raises(RateLimited) as info:
        api.get("/limited")
    assert info.value.retry_after == 900.0
    assert sleeps.waits == []
    assert len(api_server.calls("/limited")) == 1


def test_auth_errors_are_not_retried(api_server: ApiServer, local_settings: Settings) -> None:
    api_server.script(
        "GET", "/me", JsonReply({"error": {"message": "Invalid OAuth access token."}}, status=401)
    )
    with (
        client(api_server, local_settings, Sleeps()) as api,
        pytest.raises(AuthError, match="Invalid OAuth access token"),
    ):
        api.get("/me")
    assert len(api_server.calls("/me")) == 1


def test_used_up_rate_limit_waits_for_the_reset_before_the_next_call(
    api_server: ApiServer, local_settings: Settings
) -> None:
    api_server.script(
        "GET",
        "/search",
        JsonReply({"n": 1}, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "5"}),
    )
    sleeps = Sleeps()
    with client(api_server, local_settings, sleeps) as api:
        api.get("/search")
        assert api.rate_limit.remaining == 0
        api.get("/search")
    assert sleeps.waits == [5.0]


def test_not_json_is_a_parse_error_naming_the_content(
    api_server: ApiServer, local_settings: Settings
) -> None:
    api_server.script(
        "GET", "/html", JsonReply(raw=b"<html>hi</html>", headers={"Content-Type": "text/html"})
    )
    with (
        client(api_server, local_settings, Sleeps()) as api,
        pytest.raises(ParseError, match="not JSON \\(text/html\\)"),
    ):
        api.get("/html")


def test_timeout_is_retried_then_reported(api_server: ApiServer, local_settings: Settings) -> None:
    api_server.script("GET", "/slow", JsonReply({"ok": True}, delay=0.6))
    quick = replace(local_settings, http_timeout=0.2)
    with (
        client(api_server, quick, Sleeps(), attempts=2) as api,
        pytest.raises(FetchError, match=r"did not answer within 0\.2 s"),
    ):
        api.get("/slow")


def test_private_targets_are_refused_by_default(api_server: ApiServer) -> None:
    with client(api_server, Settings(), Sleeps()) as api, pytest.raises(UnsafeURLError):
        api.get("/items")
    assert api_server.calls("/items") == []


def test_credentials_never_appear_in_messages(
    api_server: ApiServer, local_settings: Settings
) -> None:
    api_server.script("GET", "/videos", JsonReply({"error": "boom"}, status=500))
    with (
        client(api_server, local_settings, Sleeps(), attempts=1) as api,
        pytest.raises(FetchError) as info,
    ):
        api.get("/videos", {"key": "AIzaSECRET", "part": "snippet"})
    assert "AIzaSECRET" not in str(info.value) + info.value.url
    assert (
        redact_url("https://u:pw@h/x?access_token=abc&q=1")
        == "https://h/x?access_token=redacted&q=1"
    )


def test_describe_error_reads_the_usual_shapes() -> None:
    assert describe_error({"errors": [{"message": "a"}, {"detail": "b"}]}) == "a; b"
    assert describe_error({"error": "invalid_grant", "error_description": "expired"}) == "expired"
    assert describe_error({"detail": "Not Found"}) == "Not Found"
    assert describe_error(["x"]) is None


def test_rate_limit_headers_epoch_and_seconds() -> None:
    assert rate_limit_of({"x-rate-limit-reset": "1000000100"}, now=1000000000).reset_in == 100
    info = rate_limit_of({"X-Ratelimit-Remaining": "3.0", "X-Ratelimit-Reset": "42"})
    assert (info.remaining, info.reset_in) == (3, 42.0)


def test_with_retries_passes_other_errors_through_at_once() -> None:
    calls = []

    def boom() -> None:
        calls.append(1)
        raise ValueError("no")

    with pytest.raises(ValueError):
        with_retries(boom, policy=RetryPolicy(sleep=Sleeps()), transient=lambda e: False)
    assert calls == [1]
