"""Reading the Meta Graph API (Facebook Pages, Instagram business accounts) with a page
access token: error codes mapped onto the error tree, usage headers obeyed, cursor paging.

Error bodies are ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``
(https://developers.facebook.com/docs/graph-api/guides/error-handling): code 190 (token
expired 463, invalidated 460, ...), 102 and the permission codes 10 / 200-299 are
:class:`AuthError`; 4, 17, 32, 613 and the business-use-case codes 80001-80014 are rate
limits; 1 and 2 are temporary and retried. Usage headers (``X-App-Usage``,
``X-Business-Use-Case-Usage``; https://developers.facebook.com/docs/graph-api/overview/rate-limiting)
report percentages of the allowance: from 75 % on, the reader pauses before its next call
(longer the closer to 100 %); from 95 % on it stops the run with :class:`RateLimited`
before Meta blocks the token. Pages are followed with ``paging.cursors.after`` on the
configured base URL, never with the absolute ``paging.next`` URL the server sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from resonanz.config import Settings
from resonanz.errors import AuthError, FetchError, RateLimited
from resonanz.pipeline.normalise import parse_date
from resonanz.sources.api import ApiClient
from resonanz.sources.retry import RetryPolicy

__all__ = ["GraphReader", "Page", "graph_error", "usage_percent"]

_AUTH_CODES = frozenset({102, 190, 10})
_RATE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
_TEMPORARY_CODES = frozenset({1, 2})
_RATE_WAIT = 3600.0  # Meta's windows are an hour (apps) or a sliding day (pages)
SLOW_FROM, STOP_FROM = 75.0, 95.0


def graph_error(status: int, body: Any, message: str) -> Exception | None:
    """The error a Graph error body stands for (None: the client's default)."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping) or not isinstance(error.get("code"), int):
        return None
    code, sub = error["code"], error.get("error_subcode")
    said = f"Graph API answered {status}: {message} (code {code}" + (
        f", subcode {sub})" if sub else ")"
    )
    if code in _AUTH_CODES or 200 <= code <= 299:
        hint = (
            "renew the page access token"
            if code != 10 and not 200 <= code <= 299
            else ("the token lacks a permission this source needs")
        )
        return AuthError(f"{said}; {hint}")
    if code in _RATE_CODES:
        return RateLimited(said, retry_after=_RATE_WAIT)
    if code in _TEMPORARY_CODES:
        return FetchError(said, status=503)
    return None


def usage_percent(headers: Mapping[str, str]) -> tuple[float, float | None]:
    """(highest usage percentage in the usage headers, minutes until access is regained
    when Meta says so)."""
    highest, regain = 0.0, None
    for name in ("x-app-usage", "x-business-use-case-usage", "x-page-usage"):
        try:
            value = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        entries: list[Any] = (
            [value]
            if isinstance(value, Mapping) and name != ("x-business-use-case-usage")
            else [e for group in (value or {}).values() if isinstance(group, list) for e in group]
        )
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            for key in ("call_count", "total_time", "total_cputime"):
                if isinstance(entry.get(key), int | float):
                    highest = max(highest, float(entry[key]))
            minutes = entry.get("estimated_time_to_regain_access")
            if isinstance(minutes, int | float) and minutes > 0:
                regain = max(regain or 0.0, float(minutes))
    return highest, regain


class Page:
    """One page of an edge: its objects and the cursor to the next page (None: last)."""

    def __init__(self, body: Any) -> None:
        data = body.get("data") if isinstance(body, Mapping) else None
        self.items = [i for i in data or [] if isinstance(i, dict)]
        paging = body.get("paging") if isinstance(body, Mapping) else None
        paging = paging if isinstance(paging, Mapping) else {}
        after = (paging.get("cursors") or {}).get("after")
        self.after: str | None = after if paging.get("next") and isinstance(after, str) else None


class GraphReader:
    """GET Graph edges as one token, slowing down as the usage headers near 100 %."""

    def __init__(
        self,
        settings: Settings,
        *,
        base_url: str,
        access_token: str,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy.from_settings(settings)
        self._token = access_token
        self._api = ApiClient(
            settings,
            service="Graph API",
            base_url=base_url,
            transport=transport,
            policy=self.policy,
            error_for=graph_error,
        )
        self._stop: RateLimited | None = None

    def close(self) -> None:
        """Close the connections."""
        self._api.close()

    def get(self, path: str, **params: Any) -> Any:
        """GET ``path`` with the token; raise when the last answer said to stop."""
        if self._stop is not None:
            raise self._stop
        response = self._api.get(path, {**params, "access_token": self._token})
        percent, regain = usage_percent(response.headers)
        if percent >= STOP_FROM:
            wait = regain * 60 if regain else _RATE_WAIT
            self._stop = RateLimited(
                f"Graph API usage at {percent:.0f} % of the allowance; stopping before Meta "
                f"blocks the token (about {wait / 60:.0f} min)",
                url=response.url,
                retry_after=wait,
            )
        elif percent >= SLOW_FROM:
            self.policy.sleep(
                self.policy.max_delay * (percent - SLOW_FROM) / (STOP_FROM - SLOW_FROM)
            )
        return response.data

    def newest_first(
        self,
        path: str,
        params: Mapping[str, Any],
        *,
        mark: datetime | None,
        time_field: str,
        first: Page | None = None,
    ) -> Iterator[tuple[list[dict[str, Any]], bool, datetime | None]]:
        """Pages of an edge listed newest first, down to ``mark`` (only the first page when
        there is none), as (objects, last page?, newest time read so far or ``mark``)."""
        page = first or Page(self.get(path, **params))
        newest = mark
        while True:
            times = [t for t in (parse_date(i.get(time_field)) for i in page.items) if t]
            newest = max([*times, *([newest] if newest else [])], default=None)
            done = page.after is None or mark is None or any(t < mark for t in times)
            yield page.items, done, newest
            if done:
                return
            page = Page(self.get(path, **params, after=page.after))

    def every_page(
        self, path: str, params: Mapping[str, Any], *, first: Page | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of an edge (for edges whose order Meta does not document)."""
        page = first or Page(self.get(path, **params))
        while True:
            yield page.items
            if page.after is None:
                return
            page = Page(self.get(path, **params, after=page.after))
