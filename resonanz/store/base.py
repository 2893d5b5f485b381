"""The Store protocol: everything the rest of Resonanz may ask of the database.

Only ``resonanz.store`` writes SQL. SQLite and PostgreSQL implement the same methods and
pass the same tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union

from resonanz.models import Mention, SourceConfig, Topic, TopicMatch, Workspace

if TYPE_CHECKING:
    from resonanz.store.accounts import AccountStore
    from resonanz.store.alerts import AlertStore
    from resonanz.store.aspect_categories import AspectCategoryStore
    from resonanz.store.clusters import ClusterStore
    from resonanz.store.sentiment import SentimentStore
    from resonanz.store.series import SeriesStore
    from resonanz.store.training import TrainingStore

# A backend-neutral full-text prefilter built from a query AST (see query.fts):
#   ("term", word, is_prefix) | ("phrase", (word, ...), last_is_prefix)
#   | ("and", (expr, ...)) | ("or", (expr, ...))
# Words are already folded (query.text.fold). The store turns it into FTS5 MATCH syntax or
# a PostgreSQL tsquery over the folded ``search_text`` column. It must select a superset of
# the mentions whose search_text satisfies it; exact evaluation happens in Python.
FtsExpr = Union[  # noqa: UP007 (a recursive alias needs the string form inside Union)
    tuple[Literal["term"], str, bool],
    tuple[Literal["phrase"], tuple[str, ...], bool],
    tuple[Literal["and"], tuple["FtsExpr", ...]],
    tuple[Literal["or"], tuple["FtsExpr", ...]],
]

CountDimension = Literal["platform", "topic", "lang", "day", "author"]
TimeBucket = Literal["day", "hour"]


@dataclass(frozen=True)
class MentionFilter:
    """Structured filters for searching and counting mentions."""

    topic_id: int | None = None
    platform: str | None = None
    lang: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    fts: FtsExpr | None = None
    author: str | None = None  # an author handle, case-insensitive, without "@"
    sentiment: str | None = None  # negative | neutral | positive (mentions.sentiment)
    emotion: str | None = None  # one of analysis.emotion_labels.EMOTIONS (mentions.emotion)
    aspect: str | None = None  # an aspect category named in enrichments["aspects"] (exact)
    # Only mentions whose title or text holds one of these characters (the search sets
    # it for queries that need a hashtag or handle; see query.fts.required_marker).
    contains_any: tuple[str, ...] = ()
    # Only mentions whose title or text may hold one of these (sign, folded tag) hashtags or
    # handles (store.tags; the search sets it from query.fts.required_tags).
    contains_tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AuthorReach:
    """An author with their follower count and how many of the filtered mentions are theirs."""

    platform: str
    handle: str
    name: str | None
    followers: int | None
    mentions: int


@dataclass(frozen=True)
class SaveResult:
    """What one save_batch did."""

    inserted: int = 0
    updated: int = 0
    matches: int = 0
    skipped: tuple[str, ...] = field(default_factory=tuple)


class Store(Protocol):
    """The database behind Resonanz (SqlStore implements it for SQLite and PostgreSQL)."""

    url: str
    accounts: AccountStore
    alerts: AlertStore
    aspects: AspectCategoryStore
    clusters: ClusterStore
    sentiment: SentimentStore
    series: SeriesStore
    training: TrainingStore

    def close(self) -> None: ...

    # -- workspaces
    def create_workspace(self, slug: str, name: str) -> Workspace: ...
    def get_workspace(self, slug: str) -> Workspace: ...
    def list_workspaces(self) -> list[Workspace]: ...
    def delete_workspace(self, slug: str) -> None: ...

    # -- topics
    def add_topic(self, workspace_id: int, name: str, query: str, kind: str) -> Topic: ...
    def update_topic(
        self,
        topic_id: int,
        *,
        query: str | None = None,
        kind: str | None = None,
        active: bool | None = None,
        name: str | None = None,
    ) -> Topic: ...
    def get_topic(self, workspace_id: int, name: str) -> Topic: ...
    def list_topics(self, workspace_id: int, *, active_only: bool = False) -> list[Topic]: ...
    def remove_topic(self, workspace_id: int, name: str) -> None: ...

    # -- sources
    def add_source(
        self, workspace_id: int, kind: str, name: str, config: Mapping[str, Any]
    ) -> SourceConfig: ...
    def update_source(
        self,
        source_id: int,
        *,
        config: Mapping[str, Any] | None = None,
        enabled: bool | None = None,
        clear_attention: bool = False,
    ) -> SourceConfig: ...
    def get_source(self, workspace_id: int, name: str) -> SourceConfig: ...
    def get_source_by_id(self, source_id: int) -> SourceConfig: ...
    def list_sources(self, workspace_id: int) -> list[SourceConfig]: ...
    def remove_source(self, workspace_id: int, name: str) -> None: ...
    def record_source_run(
        self,
        source_id: int,
        *,
        at: datetime,
        error: str | None = None,
        items: int = 0,
        attention: bool = False,
    ) -> None: ...
    def set_source_cursor(self, source_id: int, cursor: Mapping[str, Any]) -> None: ...

    # -- mentions
    def save_batch(
        self,
        workspace_id: int,
        mentions: Sequence[Mention],
        *,
        source_id: int | None = None,
        cursor: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> SaveResult: ...
    def replace_matches(
        self,
        workspace_id: int,
        matches: Mapping[int, Sequence[TopicMatch]],
        topic_ids: Sequence[int],
    ) -> int: ...
    def get_mention(self, workspace_id: int, mention_id: int) -> Mention: ...
    def iter_mentions(
        self,
        workspace_id: int,
        flt: MentionFilter | None = None,
        *,
        newest_first: bool = True,
        chunk_size: int = 1000,
        after: tuple[datetime, int] | None = None,
    ) -> Iterator[Mention]: ...
    def count_mentions(self, workspace_id: int, flt: MentionFilter | None = None) -> int: ...
    def count_by(
        self,
        workspace_id: int,
        dimension: CountDimension,
        flt: MentionFilter | None = None,
        *,
        limit: int = 20,
    ) -> list[tuple[str, int]]: ...
    def volume(
        self,
        workspace_id: int,
        flt: MentionFilter | None = None,
        *,
        bucket: TimeBucket = "day",
    ) -> list[tuple[str, str | None, int]]: ...
    def recent_texts(
        self, workspace_id: int, flt: MentionFilter | None = None, *, limit: int = 1000
    ) -> list[tuple[str, str]]: ...
    def recent_aspects(
        self, workspace_id: int, flt: MentionFilter | None = None, *, limit: int = 1000
    ) -> list[Any]: ...
    def aspect_counts(
        self, workspace_id: int, flt: MentionFilter | None = None
    ) -> tuple[list[tuple[str, str | None, int]], int]: ...
    def top_authors(
        self, workspace_id: int, flt: MentionFilter | None = None, *, limit: int = 10
    ) -> list[AuthorReach]: ...
    def newest_posted_at(self, workspace_id: int) -> datetime | None: ...
