"""SqlStore: the Store on SQLite and PostgreSQL; mention reads and writes live beside it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from resonanz.errors import ConflictError, NotFoundError, StoreError, ValidationError
from resonanz.models import Mention, SourceConfig, Topic, TopicMatch, Workspace
from resonanz.store import reads, rollup, texts, writes
from resonanz.store.accounts import AccountStore
from resonanz.store.alerts import AlertStore
from resonanz.store.aspect_categories import AspectCategoryStore
from resonanz.store.base import (
    AuthorReach,
    CountDimension,
    MentionFilter,
    SaveResult,
    Store,
    TimeBucket,
)
from resonanz.store.clusters import ClusterStore
from resonanz.store.engine import WRITE
from resonanz.store.records import check_kind, source_record, topic_record
from resonanz.store.schema import sources, topics, workspaces
from resonanz.store.sentiment import SentimentStore
from resonanz.store.series import SeriesStore
from resonanz.store.training import TrainingStore

ANALYSE_AFTER_INSERTS = 1000
# What a bulk load of mentions fills (refresh_statistics).
_BULK_TABLES = (
    *("mentions", "authors", "matches", "mention_aspects"),
    *("mention_counts", "mention_counts_daily"),
)
GROUP_AUTHORS_BELOW = 20_000  # mentions in a time range up to which top authors are grouped
# PostgreSQL: filtered mentions (topic included) up to which they are grouped. Its grouping
# joins and hashes every author of the range (1,000,000 mentions, 7 days: ~120 ms against
# ~9 ms for the walk by followers), while a topic's few mentions are grouped at once and
# would make the walk read four pages of authors in vain (7 days of a topic with ~330:
# 36 ms grouped, 270 ms walked).
GROUP_AUTHORS_BELOW_POSTGRESQL = 2_000


def db_error(action: str, exc: SQLAlchemyError) -> StoreError:
    """A StoreError naming what failed and why; no SQL or parameters (they may hold secrets)."""
    reason = getattr(exc, "orig", None) or exc.__cause__ or exc
    return StoreError(f"{action} failed: {str(reason).strip().splitlines()[0]}")


class SqlStore:
    """The Store protocol on SQLAlchemy Core, for SQLite and PostgreSQL."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.url = url
        self.engine = engine
        # PostgreSQL only: rows inserted since open, until planner statistics are known.
        self._unanalysed_inserts: int | None = 0 if engine.dialect.name == "postgresql" else None
        self.accounts = AccountStore(self._write, self._read)
        self.aspects = AspectCategoryStore(self._write, self._read)
        self.alerts = AlertStore(self._write, self._read)
        self.clusters = ClusterStore(self._write, self._read)
        self.sentiment = SentimentStore(self._read, lambda: self.use_counts)
        self.series = SeriesStore(self._read)
        self.training = TrainingStore(self._write, self._read)
        # Counts come from mention_counts where the filter allows (store.rollup); False
        # reads the mentions themselves (tests compare both).
        self.use_counts = True

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()

    @contextmanager
    def _write(self, action: str) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite); errors become StoreError."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise db_error(action, exc) from exc

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise db_error(action, exc) from exc

    # -- workspaces

    def create_workspace(self, slug: str, name: str) -> Workspace:
        """Create a workspace; ConflictError when the slug is taken."""
        if not slug.strip():
            raise ValidationError("a workspace needs a non-empty slug")
        now = datetime.now(UTC)
        with self._write(f"creating workspace '{slug}'") as conn:
            try:
                new_id = conn.execute(
                    sa.insert(workspaces)
                    .values(slug=slug, name=name, created_at=now)
                    .returning(workspaces.c.id)
                ).scalar_one()
            except IntegrityError as exc:
                raise ConflictError(f"workspace '{slug}' already exists") from exc
        return Workspace(id=new_id, slug=slug, name=name, created_at=now)

    def get_workspace(self, slug: str) -> Workspace:
        """The workspace with this slug; NotFoundError when there is none."""
        with self._read(f"reading workspace '{slug}'") as conn:
            row = conn.execute(sa.select(workspaces).where(workspaces.c.slug == slug)).first()
        if row is None:
            raise NotFoundError(f"workspace '{slug}' does not exist")
        return Workspace(id=row.id, slug=row.slug, name=row.name, created_at=row.created_at)

    def list_workspaces(self) -> list[Workspace]:
        """All workspaces by slug."""
        with self._read("listing workspaces") as conn:
            rows = conn.execute(sa.select(workspaces).order_by(workspaces.c.slug)).all()
        return [Workspace(id=r.id, slug=r.slug, name=r.name, created_at=r.created_at) for r in rows]

    def delete_workspace(self, slug: str) -> None:
        """Delete a workspace with its topics, sources, authors, mentions and matches."""
        with self._write(f"deleting workspace '{slug}'") as conn:
            result = conn.execute(sa.delete(workspaces).where(workspaces.c.slug == slug))
            if result.rowcount == 0:
                raise NotFoundError(f"workspace '{slug}' does not exist")

    # -- topics

    def add_topic(self, workspace_id: int, name: str, query: str, kind: str) -> Topic:
        """Add a topic; ConflictError when the name is taken in the workspace."""
        check_kind(kind)
        if not name.strip():
            raise ValidationError("a topic needs a non-empty name")
        now = datetime.now(UTC)
        with self._write(f"adding topic '{name}'") as conn:
            slug = writes.workspace_slug(conn, workspace_id)
            try:
                row = conn.execute(
                    sa.insert(topics)
                    .values(
                        workspace_id=workspace_id,
                        name=name,
                        kind=kind,
                        query=query,
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(*topics.c)
                ).one()
            except IntegrityError as exc:
                raise ConflictError(f"topic '{name}' already exists in workspace '{slug}'") from exc
        return topic_record(row)

    def update_topic(
        self,
        topic_id: int,
        *,
        query: str | None = None,
        kind: str | None = None,
        active: bool | None = None,
        name: str | None = None,
    ) -> Topic:
        """Change a topic's query, kind, active flag or name; ConflictError for a taken name."""
        changes: dict[str, Any] = {"updated_at": datetime.now(UTC)}
        if name is not None:
            if not name.strip():
                raise ValidationError("a topic needs a non-empty name")
            changes["name"] = name.strip()
        if query is not None:
            changes["query"] = query
        if kind is not None:
            check_kind(kind)
            changes["kind"] = kind
        if active is not None:
            changes["active"] = active
        with self._write(f"updating topic {topic_id}") as conn:
            try:
                row = conn.execute(
                    sa.update(topics)
                    .where(topics.c.id == topic_id)
                    .values(changes)
                    .returning(*topics.c)
                ).first()
            except IntegrityError as exc:
                raise ConflictError(f"a topic named '{changes['name']}' already exists") from exc
        if row is None:
            raise NotFoundError(f"topic {topic_id} does not exist")
        return topic_record(row)

    def get_topic(self, workspace_id: int, name: str) -> Topic:
        """The topic with this name in the workspace."""
        with self._read(f"reading topic '{name}'") as conn:
            row = conn.execute(
                sa.select(topics).where(
                    topics.c.workspace_id == workspace_id, topics.c.name == name
                )
            ).first()
            if row is None:
                slug = writes.workspace_slug(conn, workspace_id)
                raise NotFoundError(f"topic '{name}' does not exist in workspace '{slug}'")
        return topic_record(row)

    def list_topics(self, workspace_id: int, *, active_only: bool = False) -> list[Topic]:
        """The workspace's topics by name."""
        stmt = sa.select(topics).where(topics.c.workspace_id == workspace_id)
        if active_only:
            stmt = stmt.where(topics.c.active.is_(True))
        with self._read("listing topics") as conn:
            rows = conn.execute(stmt.order_by(topics.c.name)).all()
        return [topic_record(r) for r in rows]

    def remove_topic(self, workspace_id: int, name: str) -> None:
        """Remove a topic and its matches."""
        with self._write(f"removing topic '{name}'") as conn:
            topic_id = conn.execute(
                sa.select(topics.c.id).where(
                    topics.c.workspace_id == workspace_id, topics.c.name == name
                )
            ).scalar_one_or_none()
            if topic_id is not None:
                rollup.remove_topic(conn, workspace_id, topic_id)
            result = conn.execute(
                sa.delete(topics).where(
                    topics.c.workspace_id == workspace_id, topics.c.name == name
                )
            )
            if result.rowcount == 0:
                slug = writes.workspace_slug(conn, workspace_id)
                raise NotFoundError(f"topic '{name}' does not exist in workspace '{slug}'")

    # -- sources

    def add_source(
        self, workspace_id: int, kind: str, name: str, config: Mapping[str, Any]
    ) -> SourceConfig:
        """Configure a source; ConflictError when the name is taken in the workspace."""
        if not name.strip():
            raise ValidationError("a source needs a non-empty name")
        with self._write(f"adding source '{name}'") as conn:
            slug = writes.workspace_slug(conn, workspace_id)
            try:
                row = conn.execute(
                    sa.insert(sources)
                    .values(
                        workspace_id=workspace_id,
                        kind=kind,
                        name=name,
                        config=dict(config),
                        cursor={},
                        enabled=True,
                        items_total=0,
                    )
                    .returning(*sources.c)
                ).one()
            except IntegrityError as exc:
                raise ConflictError(
                    f"source '{name}' already exists in workspace '{slug}'"
                ) from exc
        return source_record(row)

    def update_source(
        self,
        source_id: int,
        *,
        config: Mapping[str, Any] | None = None,
        enabled: bool | None = None,
        clear_attention: bool = False,
    ) -> SourceConfig:
        """Change a source's config or enabled flag (cursor and health stay);
        ``clear_attention`` lets a source stopped for its credentials run again."""
        values: dict[str, Any] = {}
        if config is not None:
            values["config"] = dict(config)
        if enabled is not None:
            values["enabled"] = enabled
        if clear_attention:
            values["attention"] = None
        if values:
            with self._write(f"updating source {source_id}") as conn:
                result = conn.execute(
                    sa.update(sources).where(sources.c.id == source_id).values(**values)
                )
                if result.rowcount == 0:
                    raise NotFoundError(f"source {source_id} does not exist")
        return self.get_source_by_id(source_id)

    def get_source(self, workspace_id: int, name: str) -> SourceConfig:
        """The source with this name in the workspace."""
        with self._read(f"reading source '{name}'") as conn:
            row = conn.execute(
                sa.select(sources).where(
                    sources.c.workspace_id == workspace_id, sources.c.name == name
                )
            ).first()
            if row is None:
                slug = writes.workspace_slug(conn, workspace_id)
                raise NotFoundError(f"source '{name}' does not exist in workspace '{slug}'")
        return source_record(row)

    def get_source_by_id(self, source_id: int) -> SourceConfig:
        """The source with this id."""
        with self._read(f"reading source {source_id}") as conn:
            row = conn.execute(sa.select(sources).where(sources.c.id == source_id)).first()
        if row is None:
            raise NotFoundError(f"source {source_id} does not exist")
        return source_record(row)

    def list_sources(self, workspace_id: int) -> list[SourceConfig]:
        """The workspace's sources by name."""
        with self._read("listing sources") as conn:
            rows = conn.execute(
                sa.select(sources)
                .where(sources.c.workspace_id == workspace_id)
                .order_by(sources.c.name)
            ).all()
        return [source_record(r) for r in rows]

    def remove_source(self, workspace_id: int, name: str) -> None:
        """Remove a source; its mentions stay (their source_id becomes NULL)."""
        with self._write(f"removing source '{name}'") as conn:
            result = conn.execute(
                sa.delete(sources).where(
                    sources.c.workspace_id == workspace_id, sources.c.name == name
                )
            )
            if result.rowcount == 0:
                slug = writes.workspace_slug(conn, workspace_id)
                raise NotFoundError(f"source '{name}' does not exist in workspace '{slug}'")

    def record_source_run(
        self,
        source_id: int,
        *,
        at: datetime,
        error: str | None = None,
        items: int = 0,
        attention: bool = False,
    ) -> None:
        """Record the end of a run that stored ``items`` new items (the rate is items per
        minute since the previous run's end): success clears last_error; an error sets
        last_error(_at), and with ``attention`` also marks the source as stopped until the
        user acts (``update_source(clear_attention=True)``)."""
        values: dict[str, Any] = {
            "last_run_at": at,
            "last_run_items": items,
            "previous_run_at": sources.c.last_run_at,
        }
        if error is None:
            values.update(last_success_at=at, last_error=None)
        else:
            values.update(last_error=error, last_error_at=at)
            if attention:
                values["attention"] = error
        self._update_source(source_id, values, "recording a run of")

    def set_source_cursor(self, source_id: int, cursor: Mapping[str, Any]) -> None:
        """Persist the source's resume cursor."""
        self._update_source(source_id, {"cursor": dict(cursor)}, "storing the cursor of")

    def _update_source(self, source_id: int, values: dict[str, Any], action: str) -> None:
        with self._write(f"{action} source {source_id}") as conn:
            result = conn.execute(
                sa.update(sources).where(sources.c.id == source_id).values(values)
            )
            if result.rowcount == 0:
                raise NotFoundError(f"source {source_id} does not exist")

    # -- mentions

    def save_batch(
        self,
        workspace_id: int,
        mentions: Sequence[Mention],
        *,
        source_id: int | None = None,
        cursor: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> SaveResult:
        """Upsert mentions, authors and matches, link them, store cursor and health: atomically."""
        with self._write(f"saving {len(mentions)} mentions") as conn:
            result = writes.save_batch(
                conn,
                workspace_id,
                mentions,
                source_id=source_id,
                cursor=cursor,
                at=at or datetime.now(UTC),
            )
        if self._unanalysed_inserts is not None:
            self._unanalysed_inserts += result.inserted
            if self._unanalysed_inserts >= ANALYSE_AFTER_INSERTS:
                self._unanalysed_inserts = None
                self._analyse_if_never_analysed()
        return result

    def _analyse_if_never_analysed(self) -> None:
        """Give PostgreSQL statistics for a freshly filled database.

        Without any, the planner picks the (workspace_id, lang) index over the unique key to
        find a mention by native id, and linking a batch scans the whole workspace until
        autovacuum's first ANALYZE, which may come a minute into a large import.
        """
        with self._write("refreshing planner statistics") as conn:
            never = conn.execute(
                sa.text(
                    "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL "
                    "FROM pg_stat_user_tables WHERE relid = 'mentions'::regclass"
                )
            ).scalar()
            if never:
                conn.execute(sa.text("ANALYZE mentions, authors, matches, mention_aspects"))

    def refresh_statistics(self) -> None:
        """After a bulk load, VACUUM ANALYZE what the dashboard reads, as autovacuum would
        some minutes later (PostgreSQL; a no-op on SQLite).

        Statistics taken while the tables were empty survive a bulk load until autovacuum
        comes round, and with them the planner loops over whole date ranges. Until a table
        is vacuumed, its visibility map is empty, so an index-only scan of a covering index
        still visits the table for every entry (at 1,000,000 mentions the overview's reads
        took 2-3 times as long).
        """
        if self.engine.dialect.name != "postgresql":
            return
        try:
            with self.engine.connect() as conn:
                # VACUUM cannot run inside a transaction.
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    sa.text(f"VACUUM (ANALYZE) {', '.join(_BULK_TABLES)}")
                )
        except SQLAlchemyError as exc:
            raise db_error("refreshing planner statistics", exc) from exc

    def replace_matches(
        self,
        workspace_id: int,
        matches: Mapping[int, Sequence[TopicMatch]],
        topic_ids: Sequence[int],
    ) -> int:
        """Replace the matches of these mentions for these topics; returns matches written."""
        with self._write(f"replacing matches of {len(matches)} mentions") as conn:
            return writes.replace_matches(conn, workspace_id, matches, topic_ids)

    def get_mention(self, workspace_id: int, mention_id: int) -> Mention:
        """One stored mention with author, engagement, matches, raw and enrichments."""
        with self._read(f"reading mention {mention_id}") as conn:
            return reads.get_mention(conn, workspace_id, mention_id)

    def iter_mentions(
        self,
        workspace_id: int,
        flt: MentionFilter | None = None,
        *,
        newest_first: bool = True,
        chunk_size: int = 1000,
        after: tuple[datetime, int] | None = None,
    ) -> Iterator[Mention]:
        """Stream matching mentions in chunks (keyset pagination; no long transaction).

        ``after`` is a (posted time, id) keyset position: only mentions beyond it in the
        reading order are returned (a page cursor).
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        while True:
            with self._read("reading mentions") as conn:
                chunk, after = reads.mention_chunk(
                    conn,
                    workspace_id,
                    flt,
                    newest_first=newest_first,
                    limit=chunk_size,
                    after=after,
                )
            yield from chunk
            if len(chunk) < chunk_size:
                return

    def count_mentions(self, workspace_id: int, flt: MentionFilter | None = None) -> int:
        """How many mentions match the filter."""
        with self._read("counting mentions") as conn:
            if self.use_counts and rollup.answers(flt):
                return rollup.count(conn, workspace_id, flt)
            return reads.count_mentions(conn, workspace_id, flt)

    def count_by(
        self,
        workspace_id: int,
        dimension: CountDimension,
        flt: MentionFilter | None = None,
        *,
        limit: int = 20,
    ) -> list[tuple[str, int]]:
        """Mention counts per platform, topic name, lang, day or author handle."""
        with self._read(f"counting mentions by {dimension}") as conn:
            if (
                self.use_counts
                and rollup.answers(flt)
                and dimension != "author"
                and not (dimension == "topic" and flt is not None and flt.topic_id is not None)
            ):
                return rollup.count_by(conn, workspace_id, dimension, flt, limit=limit)
            return reads.count_by(conn, workspace_id, dimension, flt, limit=limit)

    def volume(
        self,
        workspace_id: int,
        flt: MentionFilter | None = None,
        *,
        bucket: TimeBucket = "day",
    ) -> list[tuple[str, str | None, int]]:
        """Mentions per day or hour and topic name (None: no topic), in time order."""
        with self._read(f"counting mentions by {bucket} and topic") as conn:
            if self.use_counts and rollup.answers(flt):
                return rollup.volume(conn, workspace_id, flt, bucket=bucket)
            return reads.volume(conn, workspace_id, flt, bucket=bucket)

    def recent_texts(
        self, workspace_id: int, flt: MentionFilter | None = None, *, limit: int = 1000
    ) -> list[tuple[str, str]]:
        """(search_text, text) of the newest mentions in the filter."""
        with self._read("reading mention texts") as conn:
            return texts.recent_texts(conn, workspace_id, flt, limit)

    def recent_aspects(
        self, workspace_id: int, flt: MentionFilter | None = None, *, limit: int = 1000
    ) -> list[Any]:
        """``enrichments["aspects"]`` of the newest mentions in the filter (None: none)."""
        with self._read("reading mention aspects") as conn:
            return texts.recent_aspects(conn, workspace_id, flt, limit)

    def aspect_counts(
        self, workspace_id: int, flt: MentionFilter | None = None
    ) -> tuple[list[tuple[str, str | None, int]], int]:
        """(category, polarity, mentions) over every mention in the filter, and how many of
        them name any category (``texts.aspect_counts``)."""
        with self._read("counting mention aspects") as conn:
            return texts.aspect_counts(conn, workspace_id, flt)

    def top_authors(
        self, workspace_id: int, flt: MentionFilter | None = None, *, limit: int = 10
    ) -> list[AuthorReach]:
        """The filtered mentions' authors with the most followers, with their mention counts."""
        with self._read("reading top authors") as conn:
            # Grouping reads every mention of the time range (a topic filter is a probe per
            # mention); walking the authors by followers pays off only for long ranges. The
            # counts tell the range's size at once.
            if conn.dialect.name == "postgresql":
                counted, below = flt, GROUP_AUTHORS_BELOW_POSTGRESQL
            else:
                counted = None if flt is None else dataclasses.replace(flt, topic_id=None)
                below = GROUP_AUTHORS_BELOW
            few = (
                self.use_counts
                and rollup.answers(flt)
                and rollup.count(conn, workspace_id, counted) <= below
            )
            if few:
                return reads.grouped_authors(conn, workspace_id, flt, limit)
            return reads.top_authors(conn, workspace_id, flt, limit=limit)

    def newest_posted_at(self, workspace_id: int) -> datetime | None:
        """When the workspace's newest mention was posted; None without mentions."""
        with self._read("reading the newest mention's time") as conn:
            return reads.newest_posted_at(conn, workspace_id)


if TYPE_CHECKING:

    def _satisfies_protocol(store: SqlStore) -> Store:
        """Never called: makes mypy check SqlStore against the Store protocol."""
        return store
