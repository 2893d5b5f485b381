"""Discourse forums: the latest posts (new topics and replies) from ``/posts.json``.

``/posts.json`` lists the forum's newest public posts, 50 at a time, newest id first;
``before=<id>`` pages to older ones (ids below it). The connector remembers the highest
post id it stored (``{"last_post_id": N}``) and reads the posts above it in id windows
of at most ``_WINDOW`` ids, walking each window down from its top, and yields each
window oldest first: a batch's cursor never passes a post that is not stored yet, and a
long pause costs a few windows, never a gap. The first run reads ``backfill_pages``
pages of the newest posts.

Private forums need ``api_key`` (and ``api_username`` for a key of all users): sent as
the ``Api-Key`` / ``Api-Username`` headers. ``category`` (id or slug) keeps the posts of
one category and its subcategories (resolved from ``/site.json``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import (
    AuthError,
    ConfigError,
    FetchError,
    ParseError,
    RateLimited,
    SourceError,
)
from resonanz.fetcher import validate_url
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.api import ApiClient
from resonanz.sources.discourse_normalise import forum_key, normalise_discourse
from resonanz.sources.options import check_known, int_option, keep_unmatched_option
from resonanz.sources.retry import RetryPolicy

__all__ = ["DiscourseSource", "register_normalisers", "register_sources"]

_KEYS = ("url", "api_key", "api_username", "category", "backfill_pages", "keep_unmatched")
_WINDOW = 1000  # post ids per window: at most 20 pages of 50 held at once


def _post_id(post: Any) -> int | None:
    value = post.get("id") if isinstance(post, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class DiscourseSource:
    """The latest posts of one Discourse forum, optionally of one category."""

    kind: ClassVar[str] = "discourse"
    target_key: ClassVar[str] = "url"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        url = config.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ConfigError("a discourse source needs the forum's 'url'")
        self.url = url.strip().rstrip("/")
        self.api_key = str(config.get("api_key") or "") or None
        self.api_username = str(config.get("api_username") or "") or None
        self.category = str(config.get("category") or "").strip() or None
        self.backfill_pages = int(config.get("backfill_pages", 1))
        self._settings = settings
        self._transport = transport
        self._policy = policy
        self._service = f"Discourse forum {forum_key(self.url)}"

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check the forum URL (scheme, private targets) and the options."""
        check_known("discourse", config, _KEYS)
        url = config.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ConfigError("a discourse source needs the forum's 'url' (https://forum...)")
        result: dict[str, Any] = {"url": validate_url(url.strip(), settings).rstrip("/")}
        for key in ("api_key", "api_username", "category"):
            value = str(config.get(key) or "").strip()
            if value:
                result[key] = value
        if "api_username" in result and "api_key" not in result:
            raise ConfigError("discourse option api_username goes with api_key")
        result["backfill_pages"] = int_option("discourse", config, "backfill_pages", 1, 0, 20)
        keep_unmatched_option(config, result)
        return result

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """The forum's host and path (e.g. "forum.example.org"), and the category."""
        name = forum_key(str(config.get("url", ""))).removeprefix("www.") or "forum"
        return f"{name} {config['category']}" if config.get("category") else name

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Yield the posts above the cursor's post id, window by window, oldest first."""
        last = cursor.get("last_post_id")
        headers = {}
        if self.api_key:
            headers["Api-Key"] = self.api_key
            if self.api_username:
                headers["Api-Username"] = self.api_username
        with ApiClient(
            self._settings,
            service=self._service,
            base_url=self.url,
            headers=headers,
            transport=self._transport,
            policy=self._policy,
            error_for=self._error_for,
        ) as api:
            newest = self._first_page(api)
            keep = self._categories(api) if self.category else None
            ids = [i for i in map(_post_id, newest) if i is not None]
            if not ids:
                return
            top = max(ids)
            if not isinstance(last, int):
                walked: tuple[list[tuple[int, Mapping[str, Any]]], list[Skipped]] = ([], [])
                if self.backfill_pages:
                    walked = self._walk(api, newest, top + 1, 0, self.backfill_pages)
                yield from self._batches(walked, keep, top)
                return
            start = last
            while start < top:
                hi = min(top, start + _WINDOW)
                first = newest if hi == top else self._page(api, hi + 1)
                yield from self._batches(self._walk(api, first, hi + 1, start), keep, hi)
                start = hi

    def _error_for(self, status: int, data: Any, message: str) -> Exception | None:
        said = f"{self._service} answered {status}: {message}"
        if status == 429 and isinstance(data, Mapping):
            # {"errors": [...], "error_type": "rate_limit", "extras": {"wait_seconds": N}}
            extras = data.get("extras")
            wait = extras.get("wait_seconds") if isinstance(extras, Mapping) else None
            if isinstance(wait, int | float) and not isinstance(wait, bool):
                return RateLimited(said, url=self.url, retry_after=float(wait))
        if status in (401, 403) and not self.api_key:
            return AuthError(
                f"{said} (a private forum: add api_key and api_username of a user who may read it)"
            )
        return None

    def _page(self, api: ApiClient, before: int | None) -> list[Any]:
        response = api.get("/posts.json", {"before": before})
        data = response.data
        if not isinstance(data, Mapping) or not isinstance(data.get("latest_posts"), list):
            raise ParseError(
                f"{self.url} does not look like a Discourse forum: /posts.json has no "
                "'latest_posts' list",
                where=response.url,
            )
        return list(data["latest_posts"])

    def _first_page(self, api: ApiClient) -> list[Any]:
        """The newest posts; a URL that is not a Discourse forum fails here, said plainly."""
        try:
            return self._page(api, None)
        except ParseError as exc:
            if "does not look like" in str(exc):
                raise
            raise ParseError(
                f"{self.url} does not look like a Discourse forum ({exc})", where=exc.where
            ) from exc
        except FetchError as exc:
            if exc.status in (404, 405, 410):
                raise FetchError(
                    f"{self.url} does not look like a Discourse forum: {exc}",
                    url=exc.url,
                    status=exc.status,
                ) from exc
            raise

    def _categories(self, api: ApiClient) -> set[int]:
        """The ids of the configured category and of its subcategories."""
        data = api.get("/site.json").data
        listed = data.get("categories") if isinstance(data, Mapping) else None
        categories = [c for c in listed or [] if isinstance(c, Mapping)]
        wanted = str(self.category)
        match = [c for c in categories if str(c.get("id")) == wanted or c.get("slug") == wanted]
        if not match:
            known = ", ".join(sorted(str(c.get("slug")) for c in categories)[:30]) or "none"
            raise SourceError(
                f"{self._service} has no category {wanted!r} that this source may read "
                f"(known: {known})"
            )
        root = match[0].get("id")
        return {
            c["id"]
            for c in categories
            if isinstance(c.get("id"), int) and root in (c["id"], c.get("parent_category_id"))
        }

    def _walk(
        self,
        api: ApiClient,
        page: list[Any],
        before: int,
        floor: int,
        max_pages: int | None = None,
    ) -> tuple[list[tuple[int, Mapping[str, Any]]], list[Skipped]]:
        """Posts with floor < id < before, paging down from ``page`` (the page asked with
        ``before``); and what was skipped.

        Discourse since 2.x answers the 50 newest posts below ``before``; older versions
        the posts in the 50 ids up to it (an empty page is then not the end). Stepping to
        the lowest id seen, or 50 ids down after an empty page, reads both without a gap.
        """
        found: dict[int, Mapping[str, Any]] = {}
        skipped: list[Skipped] = []
        pages = 1
        while True:
            ids = []
            for post in page:
                post_id = _post_id(post)
                if post_id is None:
                    reason = f"a post without a numeric id: {repr(post)[:120]}"
                    skipped.append(Skipped(where=f"{self._service} /posts.json", reason=reason))
                    continue
                if post_id > before:
                    raise ParseError(
                        f"{self.url} answered /posts.json?before={before} with post {post_id}: "
                        "it does not page, so posts could be missed",
                        where=f"{self.url}/posts.json",
                    )
                ids.append(post_id)
                if floor < post_id < before:
                    found.setdefault(post_id, post)
            lowest = min(ids) if ids else before - 49
            before = min(lowest, before - 1)
            if before <= floor or (max_pages is not None and pages >= max_pages):
                break
            page = self._page(api, before)
            pages += 1
        return sorted(found.items()), skipped

    def _batches(
        self,
        walked: tuple[list[tuple[int, Mapping[str, Any]]], list[Skipped]],
        keep: set[int] | None,
        window_end: int,
    ) -> Iterator[FetchedBatch]:
        posts, skipped = walked
        fetched_at = datetime.now(UTC)
        context = {"forum_url": self.url}
        kept = [
            (post_id, post)
            for post_id, post in posts
            if keep is None or post.get("category_id") in keep
        ]
        size = max(1, self._settings.batch_size)
        chunks = [kept[i : i + size] for i in range(0, len(kept), size)] or [[]]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            items = tuple(
                RawItem(
                    kind=self.kind,
                    payload=post,
                    fetched_at=fetched_at,
                    origin=f"{self._service} post {post_id}",
                    context=context,
                )
                for post_id, post in chunk
            )
            # The window's end once all of it is yielded: posts left out (other
            # categories) and ids without a public post are behind us too.
            cursor = {"last_post_id": window_end if last else chunk[-1][0]}
            yield FetchedBatch(
                items=items, cursor=cursor, skipped=tuple(skipped) if index == 0 else ()
            )


@hookimpl
def register_sources() -> list[Any]:
    """Register the Discourse source."""
    return [DiscourseSource]


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the Discourse post normaliser."""
    return {"discourse": normalise_discourse}
