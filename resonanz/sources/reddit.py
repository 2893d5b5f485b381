"""Reddit: new posts or new comments of subreddits, or search results, through praw (OAuth).

Listings are read newest first, as Reddit serves them, and stored oldest first. The cursor
is the newest fullname seen (``t3_…``/``t1_…``) and its ``created_utc``. A run pages
forward from it with ``before=`` (each page is a batch whose cursor is its newest item, so
a stop between pages loses nothing). When ``before=`` answers an empty page although newer
items exist (the anchor was deleted or dropped out of Reddit's listing, as recorded in
praw's ``TestSubredditStreams.test_comments`` cassette), the run walks down from the top
of the listing to the anchor's time instead. The first run backfills ``backfill`` items.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from resonanz import __version__
from resonanz.config import Settings, parse_bool
from resonanz.errors import ConfigError, ParseError
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.reddit_client import (
    OAUTH_URL,
    REDDIT_URL,
    RedditClient,
    RedditCredentials,
)
from resonanz.sources.reddit_normalise import normalise_reddit
from resonanz.sources.retry import RetryPolicy

__all__ = ["RedditSource", "register_normalisers", "register_sources"]

MODES = ("subreddit", "comments", "search")
_CONFIG_KEYS = (
    "mode",
    "subreddit",
    "query",
    "client_id",
    "client_secret",
    "username",
    "password",
    "user_agent",
    "backfill",
    "keep_unmatched",
)
_PATHS = {"subreddit": "r/{}/new", "comments": "r/{}/comments/", "search": "r/{}/search/"}
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_PAGE = 100  # Reddit's largest listing page
_MAX_PAGES = 10  # per run and direction: Reddit lists at most 1,000 items anyway
_DEFAULT_BACKFILL = 100


def _subreddits(value: Any) -> str:
    text = str(value or "").strip().removeprefix("/").removeprefix("r/").strip("/")
    names = [name.strip() for name in text.split("+")]
    bad = [name for name in names if not _SUBREDDIT.fullmatch(name)]
    if not text or bad:
        raise ConfigError(
            f"invalid subreddit {value!r}: a name like 'python' (3-21 letters, digits, _), "
            "several joined by '+', or 'all'"
        )
    return "+".join(names)


def _text_option(config: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = config.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"a reddit source needs '{key}'")
        return None
    if not isinstance(value, str):
        raise ConfigError(f"reddit option '{key}' must be text")
    return value.strip()


def _backfill(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"reddit option 'backfill' must be a whole number, not {value!r}"
        ) from None
    if not 0 <= number <= _PAGE * _MAX_PAGES:
        raise ConfigError(f"reddit option 'backfill' must be 0 to {_PAGE * _MAX_PAGES}")
    return number


def _name(child: Mapping[str, Any]) -> str:
    return str(child["data"]["name"])


def _utc(child: Mapping[str, Any]) -> float:
    return float(child["data"]["created_utc"])


class RedditSource:
    """A subreddit's new posts (``mode=subreddit``) or comments (``mode=comments``), or
    search results (``mode=search``, newest first), read through a Reddit script app."""

    kind: ClassVar[str] = "reddit"
    target_key: ClassVar[str] = "subreddit"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        oauth_url: str = OAUTH_URL,
        reddit_url: str = REDDIT_URL,
        policy: RetryPolicy | None = None,
    ) -> None:
        checked = self.validate_config(config, settings)
        self.mode: str = checked["mode"]
        self.subreddit: str = checked["subreddit"]
        self.query: str | None = checked.get("query")
        self.backfill: int = checked["backfill"]
        username = checked.get("username")
        self._credentials = RedditCredentials(
            client_id=checked["client_id"],
            client_secret=checked["client_secret"],
            user_agent=checked.get("user_agent") or _user_agent(username),
            username=username,
            password=checked.get("password"),
        )
        self._settings = settings
        self._client_for: Callable[[], RedditClient] = lambda: RedditClient(
            self._credentials, settings, oauth_url=oauth_url, reddit_url=reddit_url, policy=policy
        )
        self.path = _PATHS[self.mode].format(self.subreddit)

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check mode, subreddit, query and credentials; return the normalised config."""
        unknown = sorted(set(config) - set(_CONFIG_KEYS))
        if unknown:
            raise ConfigError(
                f"unknown reddit option(s) {', '.join(unknown)}; known: {', '.join(_CONFIG_KEYS)}"
            )
        mode = _text_option(config, "mode") or "subreddit"
        if mode not in MODES:
            raise ConfigError(f"reddit mode must be one of {', '.join(MODES)}, not {mode!r}")
        result: dict[str, Any] = {"mode": mode}
        subreddit = config.get("subreddit")
        if mode == "search" and not subreddit:
            subreddit = "all"
        result["subreddit"] = _subreddits(subreddit)
        query = _text_option(config, "query", required=mode == "search")
        if query is not None:
            if mode != "search":
                raise ConfigError("reddit option 'query' works with mode=search only")
            if len(query) > 512:
                raise ConfigError("a reddit search query may have at most 512 characters")
            result["query"] = query
        result["client_id"] = _text_option(config, "client_id", required=True)
        result["client_secret"] = _text_option(config, "client_secret", required=True)
        username = _text_option(config, "username")
        password = _text_option(config, "password")
        if bool(username) != bool(password):
            raise ConfigError(
                "give reddit 'username' and 'password' together (or neither: read-only access)"
            )
        if username:
            result["username"] = username.removeprefix("/u/").removeprefix("u/")
            result["password"] = password
        user_agent = _text_option(config, "user_agent")
        if user_agent is not None:
            if len(user_agent) < 7:
                raise ConfigError("a reddit user_agent must describe the app (7+ characters)")
            result["user_agent"] = user_agent
        result["backfill"] = _backfill(config.get("backfill", _DEFAULT_BACKFILL))
        if "keep_unmatched" in config:
            result["keep_unmatched"] = parse_bool(config["keep_unmatched"], "keep_unmatched")
        return result

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """ "r/python", "r/python comments" or "reddit search: <query>"."""
        subreddit = str(config.get("subreddit") or "all")
        mode = config.get("mode") or "subreddit"
        if mode == "search":
            where = "" if subreddit == "all" else f" in r/{subreddit}"
            return f"reddit search: {config.get('query')}{where}"
        return f"r/{subreddit}" + (" comments" if mode == "comments" else "")

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Yield the items newer than ``cursor``, oldest first, a cursor with each batch."""
        client = self._client_for()
        try:
            if cursor.get("newest"):
                yield from self._forward(client, cursor)
            else:
                yield from self._first_run(client)
        finally:
            client.close()

    def _params(self, **paging: str | int | None) -> dict[str, str | int]:
        params: dict[str, str | int] = {}
        if self.mode == "search":
            assert self.query is not None
            params = {
                "q": self.query,
                "sort": "new",
                "t": "all",
                "type": "link",
                "restrict_sr": "false" if self.subreddit == "all" else "true",
            }
        params.update({k: v for k, v in paging.items() if v is not None})
        return params

    def _page(
        self, client: RedditClient, skipped: list[Skipped], **paging: str | int | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One listing page: its usable children (newest first) and its ``after``."""
        where = f"reddit /{self.path}"
        data = client.get(self.path, self._params(**paging))
        listing = data.get("data") if isinstance(data, dict) else None
        children = listing.get("children") if isinstance(listing, dict) else None
        if not isinstance(listing, dict) or not isinstance(children, list):
            raise ParseError("expected a Listing with data.children", where=where)
        usable: list[dict[str, Any]] = []
        for number, child in enumerate(children, start=1):
            try:
                _name(child), _utc(child)
            except (KeyError, TypeError, ValueError):
                skipped.append(
                    Skipped(where=f"{where} item {number}", reason="no name or created_utc")
                )
                continue
            usable.append(child)
        after = listing.get("after")
        return usable, after if isinstance(after, str) and after else None

    def _first_run(self, client: RedditClient) -> Iterator[FetchedBatch]:
        skipped: list[Skipped] = []
        if self.backfill == 0:  # start from now: remember the newest item, store nothing
            newest, _ = self._page(client, skipped, limit=1)
            yield FetchedBatch(items=(), cursor=_cursor_at(newest[:1], {}), skipped=tuple(skipped))
            return
        collected: list[dict[str, Any]] = []
        after: str | None = None
        while len(collected) < self.backfill:
            limit = min(_PAGE, self.backfill - len(collected))
            children, after = self._page(client, skipped, limit=limit, after=after)
            collected.extend(children)
            if after is None or len(children) < limit:
                break
        yield from self._oldest_first(collected[: self.backfill], {}, skipped)

    def _forward(self, client: RedditClient, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        anchor = str(cursor["newest"])
        current = dict(cursor)
        for page_number in range(_MAX_PAGES):
            skipped: list[Skipped] = []
            children, _ = self._page(client, skipped, limit=_PAGE, before=anchor)
            if not children:
                if page_number == 0:
                    yield from self._catch_up(client, current, skipped)
                return
            current = _cursor_at(children, current)
            yield FetchedBatch(
                items=self._raw(reversed(children)), cursor=current, skipped=tuple(skipped)
            )
            anchor = current["newest"]
            if len(children) < _PAGE:
                return

    def _catch_up(
        self, client: RedditClient, cursor: dict[str, Any], skipped: list[Skipped]
    ) -> Iterator[FetchedBatch]:
        """``before=`` found nothing: walk down from the top to the cursor's time."""
        anchor, anchor_utc = cursor["newest"], float(cursor.get("newest_utc") or 0.0)
        collected: list[dict[str, Any]] = []
        after: str | None = None
        reached = False
        for _ in range(_MAX_PAGES):
            children, after = self._page(client, skipped, limit=_PAGE, after=after)
            fresh = [c for c in children if _utc(c) >= anchor_utc and _name(c) != anchor]
            collected.extend(fresh)
            reached = len(fresh) < len(children)
            if reached or after is None or len(children) < _PAGE:
                break
        if collected and not reached:
            skipped.append(
                Skipped(
                    where=f"reddit /{self.path}",
                    reason=f"the listing ended before reaching the last run's newest item "
                    f"{anchor}; items between may be missing",
                )
            )
        yield from self._oldest_first(collected, cursor, skipped)

    def _oldest_first(
        self, newest_first: Sequence[dict[str, Any]], cursor: dict[str, Any], skipped: list[Skipped]
    ) -> Iterator[FetchedBatch]:
        ordered = list(reversed(newest_first))
        size = max(1, min(self._settings.batch_size, _PAGE))
        chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)] or [[]]
        for index, chunk in enumerate(chunks):
            cursor = _cursor_at(chunk[-1:], cursor)
            yield FetchedBatch(
                items=self._raw(chunk), cursor=cursor, skipped=tuple(skipped) if index == 0 else ()
            )

    def _raw(
        self, children: Iterator[dict[str, Any]] | Sequence[dict[str, Any]]
    ) -> tuple[RawItem, ...]:
        fetched_at = datetime.now(UTC)
        context = {"listing": f"/{self.path}", "mode": self.mode}
        return tuple(
            RawItem(
                kind=self.kind,
                payload=child,
                fetched_at=fetched_at,
                origin=f"reddit /{self.path} {_name(child)}",
                context=context,
            )
            for child in children
        )


def _cursor_at(newest_first: Sequence[Mapping[str, Any]], old: Mapping[str, Any]) -> dict[str, Any]:
    """The cursor after storing up to ``newest_first[0]`` (unchanged when empty)."""
    if not newest_first:
        return dict(old)
    return {"newest": _name(newest_first[0]), "newest_utc": _utc(newest_first[0])}


def _user_agent(username: str | None) -> str:
    """Reddit's requested form: ``<platform>:<app id>:<version> (by /u/<username>)``."""
    by = f" (by /u/{username})" if username else " (self-hosted social listening)"
    return f"python:resonanz:v{__version__}{by}"


@hookimpl
def register_sources() -> list[Any]:
    """Register the Reddit source."""
    return [RedditSource]


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the Reddit normaliser (submissions and comments)."""
    return {"reddit": normalise_reddit}
