"""X (Twitter): posts matching a query from the API v2 recent search (the last 7 days),
with a bearer token, within a monthly read budget that is never exceeded.

X bills pay-per-use reads per post returned. The cursor keeps how many posts this source
read this month (UTC calendar month); each request asks for at most what is left
(``max_results`` 10 to 100, as X allows), so a response can never take the count past
``monthly_read_budget``. When fewer than 10 are left the run ends with
:class:`RateLimited` until the next month.

Paging (https://docs.x.com/x-api/posts/search/integrate/paginate): results come newest
first; a run asks for posts after the cursor's ``since_id`` and follows ``next_token``.
``since_id`` moves to the newest post only once the run has paged down to it; a run that
stops half-way keeps ``pending`` (that newest id and the oldest post read so far), and the
next run continues below it with ``until_id`` (next tokens are not kept across runs).
Partial errors (an ``errors`` array in a 200 answer) become skipped entries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import FetchError, RateLimited, SourceError
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.api import ApiClient
from resonanz.sources.options import check_known, int_option
from resonanz.sources.platform_options import api_options, text_option
from resonanz.sources.quota import Budget, utc_month
from resonanz.sources.retry import RetryPolicy
from resonanz.sources.x_normalise import normalise_x

__all__ = ["XSource", "register_normalisers", "register_sources"]

API_URL = "https://api.x.com/2"
SEARCH_PATH = "/tweets/search/recent"
MIN_RESULTS, MAX_RESULTS = 10, 100  # what X accepts as max_results on recent search
_CONFIG_KEYS = ("query", "bearer_token", "monthly_read_budget", "api_url", "keep_unmatched")
_FIELDS = {
    "tweet.fields": "created_at,lang,public_metrics,conversation_id,referenced_tweets,"
    "author_id,entities,note_tweet",
    "expansions": "author_id",
    "user.fields": "username,name,public_metrics",
}


def _error_for(status: int, body: Any, message: str) -> Exception | None:
    """X's usage cap (429 ``UsageCapExceeded``) is not a short rate limit: wait for the
    period's end instead of retrying."""
    if status == 429 and isinstance(body, Mapping) and body.get("title") == "UsageCapExceeded":
        now = datetime.now(UTC)
        ends = utc_month(now).resets_at if body.get("period") == "Monthly" else now + timedelta(1)
        return RateLimited(
            f"X API answered 429: {message} (the app's usage cap; raise it in the developer "
            "console or wait for the next period)",
            retry_after=(ends - now).total_seconds(),
        )
    return None


def _partial_errors(data: Mapping[str, Any], query: str) -> tuple[Skipped, ...]:
    skipped = []
    for error in data.get("errors") or []:
        if isinstance(error, Mapping):
            what = f"{error.get('resource_type', 'item')} {error.get('resource_id', '?')}"
            reason = f"{error.get('title', 'error')}: {error.get('detail', '')}".strip(": ")
            skipped.append(Skipped(where=f"X search {query!r}: {what}", reason=reason))
    return tuple(skipped)


class XSource:
    """Recent search for one query (X search syntax, e.g. ``"deutsche bahn" -is:retweet``)."""

    kind: ClassVar[str] = "x"
    target_key: ClassVar[str] = "query"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.query = text_option(self.kind, config, "query", "an X search query")
        self._token = text_option(self.kind, config, "bearer_token", "an X API bearer token")
        self.budget_limit = int(config.get("monthly_read_budget", 10_000))
        self.api_url = str(config.get("api_url") or API_URL)
        self._settings = settings
        self._transport = transport
        self._policy = policy

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """The query, the bearer token, the monthly read budget (posts)."""
        check_known(cls.kind, config, _CONFIG_KEYS)
        result: dict[str, Any] = {
            "query": text_option(cls.kind, config, "query", "an X search query"),
            "bearer_token": text_option(cls.kind, config, "bearer_token", "an X API bearer token"),
            "monthly_read_budget": int_option(
                cls.kind, config, "monthly_read_budget", 10_000, MIN_RESULTS, 10**9
            ),
        }
        return api_options(config, result, API_URL, settings)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """``x-<query>``."""
        return f"x-{config.get('query') or 'search'}"[:80]

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Posts newer than the cursor's ``since_id``, one batch per page."""
        budget = Budget("X posts read", self.budget_limit, utc_month(), cursor.get("budget"))
        state = _State(cursor, budget)
        with ApiClient(
            self._settings,
            service="X API",
            base_url=self.api_url,
            headers={"Authorization": f"Bearer {self._token}"},
            transport=self._transport,
            policy=self._policy,
            error_for=_error_for,
        ) as api:
            try:
                yield from self._pages(api, state)
            except SourceError:
                yield FetchedBatch(items=(), cursor=state.cursor())
                raise

    def _pages(self, api: ApiClient, state: _State) -> Iterator[FetchedBatch]:
        token: str | None = None
        restarted = False
        while True:
            if state.budget.remaining < MIN_RESULTS:
                raise state.budget.exhausted(MIN_RESULTS, "a search request")
            try:
                data = self._search(api, state, token)
            except FetchError as exc:
                stale = "since_id" in str(exc) or "until_id" in str(exc)
                if exc.status != 400 or not stale or restarted:
                    raise
                # The cursor is older than the 7 days recent search covers: start afresh.
                gap = Skipped(
                    where=f"X search {self.query!r}",
                    reason=f"{exc}; posts between the last run and 7 days ago could not be read",
                )
                state.since_id, state.pending, token, restarted = None, None, None, True
                yield FetchedBatch(items=(), cursor=state.cursor(), skipped=(gap,))
                continue
            posts = [p for p in data.get("data") or [] if isinstance(p, dict)]
            state.budget.charge(len(posts), "reading the posts X returned")
            meta = data.get("meta") or {}
            token = meta.get("next_token") or None
            state.advance(meta, more=token is not None)
            yield FetchedBatch(
                items=tuple(self._raw(posts, data)),
                cursor=state.cursor(),
                skipped=_partial_errors(data, self.query),
            )
            if token is None:
                return

    def _search(self, api: ApiClient, state: _State, token: str | None) -> Mapping[str, Any]:
        params: dict[str, Any] = {
            "query": self.query,
            "max_results": min(MAX_RESULTS, state.budget.remaining),
            "since_id": state.since_id,
            **_FIELDS,
        }
        if token:
            params["pagination_token"] = token
        elif state.pending:
            params["until_id"] = state.pending.get("until_id")
        data = api.get(SEARCH_PATH, params).data
        return data if isinstance(data, Mapping) else {}

    def _raw(self, posts: list[dict[str, Any]], data: Mapping[str, Any]) -> Iterator[RawItem]:
        users = {
            u.get("id"): u
            for u in (data.get("includes") or {}).get("users") or []
            if isinstance(u, dict)
        }
        now = datetime.now(UTC)
        for post in posts:
            author = users.get(post.get("author_id"))
            # The shape of a single-post lookup (GET /2/tweets/:id): the post and its author.
            payload = {"data": post, "includes": {"users": [author] if author else []}}
            yield RawItem(self.kind, payload, now, f"X post {post.get('id')}")


class _State:
    """The cursor: ``since_id`` (everything up to it is read), ``pending`` while a catch-up
    is unfinished, and the month's read budget."""

    def __init__(self, cursor: Mapping[str, Any], budget: Budget) -> None:
        self.budget = budget
        self.since_id: str | None = cursor.get("since_id") or None
        pending = cursor.get("pending")
        self.pending: dict[str, Any] | None = (
            dict(pending) if isinstance(pending, Mapping) else None
        )

    def advance(self, meta: Mapping[str, Any], *, more: bool) -> None:
        """Take in a page's ``meta``; ``more``: X has older pages for this catch-up."""
        newest = (self.pending or {}).get("newest_id") or meta.get("newest_id")
        if more:
            self.pending = {"newest_id": newest, "until_id": meta.get("oldest_id")}
        else:
            self.since_id = newest or self.since_id
            self.pending = None

    def cursor(self) -> dict[str, Any]:
        result: dict[str, Any] = {"budget": self.budget.to_cursor()}
        if self.since_id:
            result["since_id"] = self.since_id
        if self.pending:
            result["pending"] = dict(self.pending)
        return result


@hookimpl
def register_sources() -> list[Any]:
    """Register the X recent-search source."""
    return [XSource]


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the X post normaliser."""
    return {"x": normalise_x}
