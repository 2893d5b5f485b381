"""YouTube: comments on a channel's recent videos, or on the videos a search finds, through
the Data API v3 with an API key, within a daily quota that is never exceeded.

Calls and their quota cost (https://developers.google.com/youtube/v3/determine_quota_cost):
``channels.list`` (once per channel, to find its uploads playlist), ``playlistItems.list``
(the newest uploads), ``commentThreads.list`` and ``comments.list`` cost 1 unit each;
``search.list`` costs 100, so a query source searches at most every ``search_every``
minutes and polls the videos it found in between. Every HTTP request, retries included, is
charged to a per-day budget (reset at midnight Pacific time, as Google does) kept in the
cursor; a request that would exceed ``daily_quota`` is not sent and the run ends with
:class:`RateLimited` until the next day.

Comment threads are read newest first (``order=time``). Per video the cursor keeps the
publication time of the newest thread read completely; a run reads pages back to it and
moves it only once it got there, so a run that stops half-way (quota, error) leaves no gap.
A video seen for the first time contributes its newest page (100 threads). Threads with
more replies than the thread carries get their replies from ``comments.list``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import AuthError, ConfigError, FetchError, RateLimited, SourceError
from resonanz.hookspecs import hookimpl
from resonanz.models import RawItem, Skipped
from resonanz.pipeline.normalise import html_to_text, parse_date
from resonanz.sources import FetchedBatch
from resonanz.sources.api import ApiClient
from resonanz.sources.options import check_known, int_option
from resonanz.sources.platform_options import api_options, text_option
from resonanz.sources.quota import Budget, MeteredTransport, pacific_day
from resonanz.sources.retry import RetryPolicy
from resonanz.sources.youtube_normalise import normalise_youtube

__all__ = ["YouTubeSource", "register_normalisers", "register_sources"]

API_URL = "https://www.googleapis.com/youtube/v3"
SEARCH_COST = 100
_CONFIG_KEYS = (
    "channel_id",
    "query",
    "api_key",
    "daily_quota",
    "videos",
    "search_every",
    "api_url",
    "keep_unmatched",
)
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_CHANNEL_URL = re.compile(r"youtube\.com/channel/(UC[A-Za-z0-9_-]{22})")
# Error reasons from https://developers.google.com/youtube/v3/docs/errors
_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_AUTH_REASONS = frozenset(
    {"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked", "forbidden"}
)
_GONE_REASONS = frozenset(
    {"commentsDisabled", "videoNotFound", "channelNotFound", "playlistNotFound"}
)


class _Unavailable(FetchError):
    """One video, channel or playlist cannot be read (comments off, deleted, private)."""


def _reasons(body: Any) -> list[tuple[str, str]]:
    """(reason, domain) pairs of a Google error body ``{"error": {"errors": [...]}}``,
    with the newer ``details[].reason`` (e.g. API_KEY_INVALID) too."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return []
    found = [
        (str(e.get("reason", "")), str(e.get("domain", "")))
        for e in error.get("errors") or []
        if isinstance(e, Mapping)
    ]
    for detail in error.get("details") or []:
        if isinstance(detail, Mapping) and str(detail.get("reason", "")).startswith("API_KEY"):
            found.append(("keyInvalid", "googleapis.com"))
    return found


def _error_for(status: int, body: Any, message: str) -> Exception | None:
    """Map Google's error reasons: quota -> RateLimited until the Pacific midnight,
    key problems -> AuthError, an unreadable video or channel -> skipped, not fatal."""
    message = html_to_text(message)  # Google's messages carry links and <code> markup
    said = f"YouTube Data API answered {status}: {message}"
    for reason, domain in _reasons(body):
        if reason in _QUOTA_REASONS:
            wait = (pacific_day().resets_at - datetime.now(UTC)).total_seconds()
            return RateLimited(
                f"{said} (daily quota; it resets at midnight Pacific time)", retry_after=wait
            )
        if reason in _RATE_REASONS:
            return RateLimited(said)
        if reason in _GONE_REASONS or (reason == "forbidden" and domain.startswith("youtube.")):
            return _Unavailable(f"{reason}: {message}", status=status)
        if reason in _AUTH_REASONS:
            return AuthError(
                f"{said} (check the api_key and that the YouTube Data API v3 "
                "is enabled for its project)"
            )
    return None


def _cost(request: httpx.Request) -> int:
    return SEARCH_COST if request.url.path.endswith("/search") else 1


def _items(data: Any) -> list[dict[str, Any]]:
    items = data.get("items") if isinstance(data, Mapping) else None
    return [i for i in items or [] if isinstance(i, dict)]


def _published(thread: Mapping[str, Any]) -> datetime | None:
    top = (thread.get("snippet") or {}).get("topLevelComment") or {}
    return parse_date((top.get("snippet") or {}).get("publishedAt"))


def _target(config: Mapping[str, Any]) -> dict[str, Any]:
    """``target`` (what `source add youtube TARGET` typed) as channel_id or query."""
    config = dict(config)
    target = str(config.pop("target", "") or "").strip()
    if target:
        match = _CHANNEL_URL.search(target)
        if match or _CHANNEL_ID.fullmatch(target):
            config.setdefault("channel_id", match.group(1) if match else target)
        else:
            config.setdefault("query", target)
    return config


class YouTubeSource:
    """Comments on a channel's newest videos (``channel_id``) or on search results (``query``)."""

    kind: ClassVar[str] = "youtube"
    target_key: ClassVar[str] = "target"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.channel_id = config.get("channel_id")
        self.query = config.get("query")
        if not (self.channel_id or self.query):
            raise ConfigError("a youtube source needs a 'channel_id' or a 'query'")
        self._key = text_option(self.kind, config, "api_key", "a YouTube Data API v3 key")
        self.daily_quota = int(config.get("daily_quota", 10_000))
        self.videos = int(config.get("videos", 10))
        self.search_every = int(config.get("search_every", 60))
        self.api_url = str(config.get("api_url") or API_URL)
        self._settings = settings
        self._transport = transport
        self._policy = policy

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """A channel id (or channel URL) or a search query, the API key, the quota."""
        config = _target(config)
        check_known(cls.kind, config, _CONFIG_KEYS)
        result: dict[str, Any] = {}
        if ("channel_id" in config) == ("query" in config):
            raise ConfigError(
                "a youtube source needs either a channel (UC… id or channel URL) or a "
                "search query, not both"
            )
        if "channel_id" in config:
            channel = str(config["channel_id"]).strip()
            if not _CHANNEL_ID.fullmatch(channel):
                raise ConfigError(
                    f"channel_id {channel!r} is not a channel id (UC + 22 characters)"
                )
            result["channel_id"] = channel
        else:
            result["query"] = text_option(cls.kind, config, "query", "what to search for")
        result["api_key"] = text_option(cls.kind, config, "api_key", "a YouTube Data API v3 key")
        result["daily_quota"] = int_option(cls.kind, config, "daily_quota", 10_000, 1, 10**9)
        result["videos"] = int_option(cls.kind, config, "videos", 10, 1, 50)
        result["search_every"] = int_option(cls.kind, config, "search_every", 60, 0, 7 * 24 * 60)
        if result.get("query") and result["daily_quota"] < SEARCH_COST + result["videos"]:
            raise ConfigError(
                f"daily_quota {result['daily_quota']} cannot pay for one search "
                f"({SEARCH_COST} units) and its videos' comments"
            )
        return api_options(config, result, API_URL, settings)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """``youtube-<channel id>`` or ``youtube-<query>``."""
        return f"youtube-{config.get('channel_id') or config.get('query') or 'comments'}"[:80]

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Comments newer than the cursor, a batch per page of comment threads."""
        budget = Budget(
            "YouTube Data API quota units", self.daily_quota, pacific_day(), cursor.get("quota")
        )
        state = _State(cursor, budget)
        with ApiClient(
            self._settings,
            service="YouTube Data API",
            base_url=self.api_url,
            transport=MeteredTransport(budget, _cost, self._transport),
            policy=self._policy,
            error_for=_error_for,
        ) as api:
            try:
                yield from self._collect(api, state)
            except SourceError:
                # Keep what this run spent of the quota, then report the error.
                yield FetchedBatch(items=(), cursor=state.cursor())
                raise
        yield FetchedBatch(items=(), cursor=state.cursor())

    def _get(self, api: ApiClient, path: str, **params: Any) -> Any:
        return api.get(path, {**params, "key": self._key}).data

    def _collect(self, api: ApiClient, state: _State) -> Iterator[FetchedBatch]:
        videos = self._channel_videos(api, state) if self.channel_id else self._found(api, state)
        state.marks = {v: m for v, m in state.marks.items() if v in videos}
        for video in videos:
            try:
                yield from self._video(api, state, video)
            except _Unavailable as exc:
                skip = Skipped(where=f"YouTube video {video}", reason=str(exc))
                yield FetchedBatch(items=(), cursor=state.cursor(), skipped=(skip,))

    def _channel_videos(self, api: ApiClient, state: _State) -> list[str]:
        if not state.uploads:
            found = _items(self._get(api, "/channels", part="contentDetails", id=self.channel_id))
            if not found:
                raise FetchError(f"YouTube has no channel {self.channel_id}", status=404)
            playlists = (found[0].get("contentDetails") or {}).get("relatedPlaylists") or {}
            state.uploads = str(playlists.get("uploads") or "")
            if not state.uploads:
                raise FetchError(f"channel {self.channel_id} has no uploads playlist", status=404)
        data = self._get(
            api,
            "/playlistItems",
            part="contentDetails",
            playlistId=state.uploads,
            maxResults=self.videos,
        )
        ids = [(i.get("contentDetails") or {}).get("videoId") for i in _items(data)]
        return [str(v) for v in ids if v]

    def _found(self, api: ApiClient, state: _State) -> list[str]:
        last = parse_date(state.search.get("at"))
        due = last is None or datetime.now(UTC) - last >= timedelta(minutes=self.search_every)
        if due:
            data = self._get(
                api,
                "/search",
                part="snippet",
                q=self.query,
                type="video",
                order="date",
                maxResults=self.videos,
            )
            ids = [(i.get("id") or {}).get("videoId") for i in _items(data)]
            state.search = {"at": datetime.now(UTC).isoformat(), "videos": [v for v in ids if v]}
        return [str(v) for v in state.search.get("videos") or []]

    def _video(self, api: ApiClient, state: _State, video: str) -> Iterator[FetchedBatch]:
        mark = parse_date(state.marks.get(video))
        newest: datetime | None = None
        token = None
        while True:
            data = self._get(
                api,
                "/commentThreads",
                part="snippet,replies",
                videoId=video,
                order="time",
                maxResults=100,
                textFormat="plainText",
                pageToken=token,
            )
            threads = _items(data)
            times = [t for t in map(_published, threads) if t is not None]
            newest = newest or max(times, default=None)
            token = data.get("nextPageToken") if isinstance(data, Mapping) else None
            done = not token or mark is None or any(t < mark for t in times)
            items = self._raw(api, video, threads)
            if done and newest is not None and (mark is None or newest > mark):
                state.marks[video] = newest.isoformat()
            yield FetchedBatch(items=tuple(items), cursor=state.cursor())
            if done:
                return

    def _raw(self, api: ApiClient, video: str, threads: list[dict[str, Any]]) -> list[RawItem]:
        now = datetime.now(UTC)
        context = {"video_id": video, "channel_id": self.channel_id, "query": self.query}
        items: list[RawItem] = []
        for thread in threads:
            tid = str(thread.get("id", ""))
            items.append(RawItem(self.kind, thread, now, f"YouTube thread {tid}", context))
            replies = {
                str(r.get("id")): r
                for r in (thread.get("replies") or {}).get("comments") or []
                if isinstance(r, dict)
            }
            total = (thread.get("snippet") or {}).get("totalReplyCount") or 0
            if isinstance(total, int) and total > len(replies):
                more = self._get(
                    api,
                    "/comments",
                    part="snippet",
                    parentId=tid,
                    maxResults=100,
                    textFormat="plainText",
                )
                replies.update({str(r.get("id")): r for r in _items(more)})
            items.extend(
                RawItem(self.kind, r, now, f"YouTube reply {rid}", context)
                for rid, r in replies.items()
            )
        return items


class _State:
    """What the cursor remembers: quota spent, the uploads playlist, the last search, and
    per video the newest thread read completely."""

    def __init__(self, cursor: Mapping[str, Any], budget: Budget) -> None:
        self.budget = budget
        self.uploads = str(cursor.get("uploads") or "")
        search = cursor.get("search")
        self.search: dict[str, Any] = dict(search) if isinstance(search, Mapping) else {}
        marks = cursor.get("videos")
        self.marks: dict[str, str] = dict(marks) if isinstance(marks, Mapping) else {}

    def cursor(self) -> dict[str, Any]:
        result: dict[str, Any] = {"quota": self.budget.to_cursor(), "videos": dict(self.marks)}
        if self.uploads:
            result["uploads"] = self.uploads
        if self.search:
            result["search"] = dict(self.search)
        return result


@hookimpl
def register_sources() -> list[Any]:
    """Register the YouTube source."""
    return [YouTubeSource]


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the YouTube comment normaliser."""
    return {"youtube": normalise_youtube}
