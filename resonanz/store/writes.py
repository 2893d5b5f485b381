"""The write path for mentions: save_batch and replace_matches, on one open transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from math import isfinite
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.analysis.emotion_labels import EMOTIONS
from resonanz.errors import NotFoundError
from resonanz.models import Author, Mention, TopicMatch
from resonanz.query.text import search_text
from resonanz.store import rollup
from resonanz.store.aspect_rows import replace_aspects
from resonanz.store.base import SaveResult
from resonanz.store.bulk import bulk_upsert, chunks
from resonanz.store.schema import LINKS, authors, matches, mentions, sources, topics, workspaces
from resonanz.store.types import UTCDateTime

Key = tuple[str, str]
_SQLITE_MAX_ROWID = 2**63 - 1


def workspace_slug(conn: Connection, workspace_id: int) -> str:
    """The slug of a workspace id; NotFoundError when there is none."""
    slug = conn.execute(
        sa.select(workspaces.c.slug).where(workspaces.c.id == workspace_id)
    ).scalar_one_or_none()
    if slug is None:
        raise NotFoundError(f"workspace {workspace_id} does not exist")
    return str(slug)


def _clean(text: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; drop it on both backends so they store the same.
    return text.replace("\x00", "") if text and "\x00" in text else text


def save_batch(
    conn: Connection,
    workspace_id: int,
    batch: Sequence[Mention],
    *,
    source_id: int | None,
    cursor: Mapping[str, Any] | None,
    at: datetime,
) -> SaveResult:
    """Store a batch (see Store.save_batch); the caller owns the transaction."""
    workspace_slug(conn, workspace_id)
    if source_id is not None:
        _check_source(conn, workspace_id, source_id)
    unique, skipped = _dedupe(batch)
    _check_topics(conn, workspace_id, {tm.topic_id for m in unique for tm in m.matches})
    author_ids = _upsert_authors(conn, workspace_id, [m.author for m in unique if m.author], at)
    stored = _stored_ids(conn, workspace_id, [(m.platform, m.native_id) for m in unique])
    states = rollup.states_of(conn, list(stored.values())) if stored else {}
    before = {key: states[id_] for key, id_ in stored.items()}
    ids, inserted = _upsert_mentions(conn, workspace_id, unique, author_ids, source_id)
    replace_aspects(conn, workspace_id, unique, ids, inserted)
    match_rows = [
        {
            "mention_id": ids[(m.platform, m.native_id)],
            "topic_id": tm.topic_id,
            "terms": list(tm.terms),
        }
        for m in unique
        for tm in m.matches
    ]
    if match_rows:
        bulk_upsert(
            conn,
            matches,
            match_rows,
            conflict=("mention_id", "topic_id"),
            refresh=lambda new: {"terms": new.terms},
            returning=(),
        )
    rollup.apply(
        conn,
        workspace_id,
        rollup.contributions(before.values()),
        rollup.contributions(_states_after(unique, before)),
    )
    _resolve_links(conn, workspace_id, unique, ids, inserted)
    if source_id is not None:
        posted = [m.created_at for m in unique if m.created_at is not None]
        newest = min(max(posted), at) if posted else None  # a clock ahead is not "newer"
        _record_success(conn, workspace_id, source_id, cursor, at, len(inserted), newest)
    return SaveResult(
        inserted=len(inserted),
        updated=len(ids) - len(inserted),
        matches=len(match_rows),
        skipped=tuple(skipped),
    )


def _states_after(batch: list[Mention], before: Mapping[Key, rollup.State]) -> list[rollup.State]:
    """What the batch's mentions count as once stored (see ``_upsert_mentions``'s refresh:
    a known mention keeps its time, gains a language only when one came, and keeps its
    matches beside the new ones)."""
    out = []
    for m in batch:
        new_topics = frozenset(tm.topic_id for tm in m.matches)
        sentiment = _sentiment_columns(m.enrichments)["sentiment"]
        old = before.get((m.platform, m.native_id))
        if old is None:
            posted = m.created_at or m.collected_at
            out.append(rollup.State(posted, m.platform, m.lang, new_topics, sentiment))
        else:
            lang = old.lang if m.lang is None else m.lang
            # A mention saved without enrichments keeps its sentiment, as its row does.
            kept = sentiment if m.enrichments else old.sentiment
            out.append(rollup.State(old.posted_at, m.platform, lang, old.topics | new_topics, kept))
    return out


def _check_source(conn: Connection, workspace_id: int, source_id: int) -> None:
    found = conn.execute(
        sa.select(sources.c.id).where(
            sources.c.id == source_id, sources.c.workspace_id == workspace_id
        )
    ).first()
    if found is None:
        raise NotFoundError(f"source {source_id} does not exist in workspace {workspace_id}")


def _dedupe(batch: Sequence[Mention]) -> tuple[list[Mention], list[str]]:
    """One mention per (platform, native_id): the last copy wins, the first collected_at stays."""
    by_key: dict[Key, Mention] = {}
    skipped: list[str] = []
    for m in batch:
        if not m.platform or not m.native_id:
            skipped.append(f"{m.platform or '?'}:{m.native_id or '?'}: no platform or native id")
            continue
        key = (m.platform, m.native_id)
        first = by_key.get(key)
        if first is not None:
            merged = {tm.topic_id: tm for tm in (*first.matches, *m.matches)}
            m = replace(
                m,
                collected_at=first.collected_at,
                author=m.author or first.author,
                matches=tuple(merged.values()),
            )
        by_key[key] = m
    return list(by_key.values()), skipped


def _check_topics(conn: Connection, workspace_id: int, topic_ids: set[int]) -> None:
    if not topic_ids:
        return
    found: set[int] = set()
    for part in chunks(sorted(topic_ids)):
        found.update(
            conn.execute(
                sa.select(topics.c.id).where(
                    topics.c.workspace_id == workspace_id, topics.c.id.in_(part)
                )
            ).scalars()
        )
    missing = sorted(topic_ids - found)
    if missing:
        raise NotFoundError(
            f"topic id(s) {', '.join(map(str, missing))} do not exist in workspace {workspace_id}"
        )


def _upsert_authors(
    conn: Connection, workspace_id: int, batch: list[Author], at: datetime
) -> dict[Key, int]:
    """Insert or refresh authors (non-null fields win); returns (platform, handle) -> id."""
    merged: dict[Key, dict[str, Any]] = {}
    for a in batch:
        if not a.platform or not a.handle:
            continue
        row = merged.setdefault(
            (a.platform, a.handle),
            {
                "workspace_id": workspace_id,
                "platform": a.platform,
                "handle": a.handle,
                "name": None,
                "followers": None,
                "url": None,
                "updated_at": at,
            },
        )
        for name, value in (("name", _clean(a.name)), ("followers", a.followers), ("url", a.url)):
            if value is not None:
                row[name] = value
    if not merged:
        return {}
    rows = bulk_upsert(
        conn,
        authors,
        list(merged.values()),
        conflict=("workspace_id", "platform", "handle"),
        refresh=lambda new: {
            "name": sa.func.coalesce(new.name, authors.c.name),
            "followers": sa.func.coalesce(new.followers, authors.c.followers),
            "url": sa.func.coalesce(new.url, authors.c.url),
            "updated_at": new.updated_at,
        },
        returning=(authors.c.id, authors.c.platform, authors.c.handle),
    )
    return {(r[1], r[2]): r[0] for r in rows}  # id, platform, handle


def _by_platform(keys: Iterable[Key]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for platform, native_id in keys:
        grouped[platform].append(native_id)
    return grouped


def _stored_ids(conn: Connection, workspace_id: int, keys: Iterable[Key]) -> dict[Key, int]:
    """The ids of those (platform, native_id) keys that are stored."""
    found: dict[Key, int] = {}
    for platform, natives in _by_platform(keys).items():
        for part in chunks(natives):
            rows = conn.execute(
                sa.select(mentions.c.id, mentions.c.native_id).where(
                    mentions.c.workspace_id == workspace_id,
                    mentions.c.platform == platform,
                    mentions.c.native_id.in_(part),
                )
            )
            found.update(((platform, native), id_) for id_, native in rows)
    return found


# The columns _mention_row fills, in the table's order (the SQLite upsert's parameters).
MENTION_COLUMNS = (
    *("workspace_id", "source_id", "platform", "native_id", "url", "author_id", "text"),
    *("title", "lang", "lang_score", "created_at", "collected_at", "posted_at", "reply_to"),
    *("repost_of", "quote_of", "likes", "reposts", "replies", "quotes", "views", "raw"),
    *("raw_kind", "enrichments", "search_text", "sentiment", "sentiment_score", "emotion"),
)


def _mention_row(
    m: Mention, workspace_id: int, author_ids: dict[Key, int], source_id: int | None
) -> tuple[Any, ...]:
    """The values of MENTION_COLUMNS for a mention (a tuple: no dict per row)."""
    e = m.engagement
    enrichments = m.enrichments
    sentiment = _sentiment_columns(enrichments) if enrichments else _NO_SENTIMENT
    raw = m.raw
    return (
        workspace_id,
        source_id,
        m.platform,
        m.native_id,
        _clean(m.url),
        author_ids.get((m.author.platform, m.author.handle)) if m.author else None,
        _clean(m.text),
        _clean(m.title),
        m.lang,
        m.lang_score,
        m.created_at,
        m.collected_at,
        m.created_at or m.collected_at,
        m.reply_to,
        m.repost_of,
        m.quote_of,
        e.likes,
        e.reposts,
        e.replies,
        e.quotes,
        e.views,
        raw if type(raw) is dict else dict(raw),  # serialised, never changed
        m.raw_kind,
        dict(enrichments) or None,
        _search_text(m),
        sentiment["sentiment"],
        sentiment["sentiment_score"],
        _emotion_column(enrichments) if enrichments else None,
    )


_NO_SENTIMENT: Mapping[str, Any] = {"sentiment": None, "sentiment_score": None}


def _sentiment_columns(enrichments: Mapping[str, Any]) -> dict[str, Any]:
    """``sentiment`` and ``sentiment_score`` from ``enrichments["sentiment"]`` (None where
    it is missing or not a known label / a finite number)."""
    found = enrichments.get("sentiment")
    if not isinstance(found, Mapping) or found.get("label") not in SENTIMENT_LABELS:
        return {"sentiment": None, "sentiment_score": None}
    score = found.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not isfinite(score):
        score = None
    return {"sentiment": found["label"], "sentiment_score": None if score is None else float(score)}


def _emotion_column(enrichments: Mapping[str, Any]) -> str | None:
    """``enrichments["emotion"]["top"]`` when it is one of the eight emotions, else None."""
    found = enrichments.get("emotion")
    top = found.get("top") if isinstance(found, Mapping) else None
    return top if isinstance(top, str) and top in EMOTIONS else None


def _search_text(m: Mention) -> str:
    """What the full-text index holds for a mention (from the pipeline's hint if current)."""
    hint = m.search_hint
    if hint is not None and hint[0] is m.title and hint[1] is m.text:
        return hint[2]
    return search_text([m.title, m.text])


def _upsert_mentions(
    conn: Connection,
    workspace_id: int,
    batch: list[Mention],
    author_ids: dict[Key, int],
    source_id: int | None,
) -> tuple[dict[Key, int], list[Key]]:
    """Insert new mentions, refresh known ones; returns key -> id and the inserted keys."""
    if not batch:
        return {}, []
    postgres = conn.dialect.name == "postgresql"
    # SQLite gives a new row the rowid max(rowid) + 1 (the id column is the rowid and not
    # AUTOINCREMENT) while this transaction holds the write lock: ids above the current
    # maximum are new rows. Only at the very top of the range does it pick rowids at random.
    last_id: int | None = None
    existing: set[Key] = set()
    if not postgres:
        last_id = conn.execute(sa.select(sa.func.max(mentions.c.id))).scalar() or 0
        if last_id >= _SQLITE_MAX_ROWID - len(batch):
            last_id = None
            keys = [(m.platform, m.native_id) for m in batch]
            existing = set(_stored_ids(conn, workspace_id, keys))
    keep = mentions.c

    def refresh(new: Any) -> dict[str, Any]:
        refreshed: dict[str, Any] = {
            name: sa.func.coalesce(new[name], keep[name])
            for name in ("likes", "reposts", "replies", "quotes", "views", "author_id", "lang")
        }
        # lang_score belongs to lang: take the new score exactly when a new lang came.
        refreshed["lang_score"] = sa.case(
            (new.lang.is_not(None), new.lang_score), else_=keep.lang_score
        )
        refreshed["enrichments"] = sa.func.coalesce(new.enrichments, keep.enrichments)
        # The columns follow the enrichments document they were read from.
        for name in ("sentiment", "sentiment_score", "emotion"):
            refreshed[name] = sa.case((new.enrichments.is_not(None), new[name]), else_=keep[name])
        return refreshed

    rows = bulk_upsert(
        conn,
        mentions,
        [_mention_row(m, workspace_id, author_ids, source_id) for m in batch],
        names=MENTION_COLUMNS,
        conflict=("workspace_id", "platform", "native_id"),
        refresh=refresh,
        returning=(
            keep.id,
            keep.platform,
            keep.native_id,
            # xmax is 0 on a freshly inserted row version and set on one ON CONFLICT updated.
            sa.literal_column("xmax = 0" if postgres else "NULL").label("fresh"),
        ),
    )
    ids = {(r[1], r[2]): r[0] for r in rows}  # id, platform, native_id, fresh
    if postgres:
        return ids, [(r[1], r[2]) for r in rows if r[3]]
    if last_id is not None:
        return ids, [(r[1], r[2]) for r in rows if r[0] > last_id]
    return ids, [key for key in ids if key not in existing]


def _resolve_links(
    conn: Connection,
    workspace_id: int,
    batch: list[Mention],
    ids: dict[Key, int],
    inserted: list[Key],
) -> None:
    """Link replies/reposts/quotes to their originals, whichever was stored first.

    Ids are looked up by key and rows updated by primary key, never through correlated
    subqueries, so the work stays proportional to the batch even without planner statistics.
    """
    wanted = {(m.platform, getattr(m, native)) for m in batch for native, _ in LINKS}
    wanted = {key for key in wanted if key[1]}
    parents = {key: ids[key] for key in wanted if key in ids}
    parents.update(_stored_ids(conn, workspace_id, wanted - parents.keys()))
    fresh = _by_platform(inserted)
    waiting_links = _links_waiting(conn) if fresh else set()
    for native, resolved in LINKS:
        pairs = [
            {"child": ids[(m.platform, m.native_id)], "parent": parents[key]}
            for m in batch
            if (key := (m.platform, getattr(m, native))) in parents
        ]
        # Children stored earlier that waited for one of the mentions just inserted.
        for platform, natives in fresh.items() if native in waiting_links else ():
            for part in chunks(natives):
                waiting = conn.execute(
                    sa.select(mentions.c.id, mentions.c[native]).where(
                        mentions.c.workspace_id == workspace_id,
                        mentions.c.platform == platform,
                        mentions.c[native].is_not(None),
                        mentions.c[resolved].is_(None),
                        mentions.c[native].in_(part),
                    )
                )
                pairs.extend(
                    {"child": child, "parent": ids[(platform, parent)]} for child, parent in waiting
                )
        if pairs:
            conn.execute(
                sa.update(mentions)
                .where(mentions.c.id == sa.bindparam("child"), mentions.c[resolved].is_(None))
                .values({resolved: sa.bindparam("parent")}),
                pairs,
            )


def _links_waiting(conn: Connection) -> set[str]:
    """The link columns (reply_to, ...) for which some mention still waits for its original.

    SQLite only: one probe of the small partial indexes of waiting children (in any
    workspace: the planner picks those indexes only without a workspace condition). Most
    imports have none waiting, and then the per-platform lookups of children are skipped.
    """
    if conn.dialect.name != "sqlite":
        return {native for native, _ in LINKS}
    probes = [
        sa.exists()
        .where(mentions.c[native].is_not(None), mentions.c[resolved].is_(None))
        .label(native)
        for native, resolved in LINKS
    ]
    row = conn.execute(sa.select(*probes)).one()
    return {native for native, _ in LINKS if row._mapping[native]}


def _record_success(
    conn: Connection,
    workspace_id: int,
    source_id: int,
    cursor: Mapping[str, Any] | None,
    at: datetime,
    inserted: int,
    newest: datetime | None,
) -> None:
    # last_run_at stays the previous run's end until record_source_run: the rate's window
    values: dict[str, Any] = {
        "last_success_at": at,
        "last_error": None,
        "items_total": sources.c.items_total + inserted,
    }
    if newest is not None:
        # The newest posting time seen so far, and when it was first stored (the lag).
        is_newer = sa.or_(
            sources.c.newest_item_at.is_(None),
            sources.c.newest_item_at < sa.literal(newest, UTCDateTime),
        )
        values["newest_item_seen_at"] = sa.case(
            (is_newer, sa.literal(at, UTCDateTime)), else_=sources.c.newest_item_seen_at
        )
        values["newest_item_at"] = sa.case(
            (is_newer, sa.literal(newest, UTCDateTime)), else_=sources.c.newest_item_at
        )
    if cursor is not None:
        values["cursor"] = dict(cursor)
    result = conn.execute(
        sa.update(sources)
        .where(sources.c.id == source_id, sources.c.workspace_id == workspace_id)
        .values(values)
    )
    if result.rowcount == 0:
        raise NotFoundError(f"source {source_id} does not exist in workspace {workspace_id}")


def replace_matches(
    conn: Connection,
    workspace_id: int,
    new: Mapping[int, Sequence[TopicMatch]],
    topic_ids: Sequence[int],
) -> int:
    """Replace these mentions' matches for these topics (others are kept); returns rows written."""
    wanted = set(topic_ids)
    if not wanted or not new:
        return 0
    _check_topics(conn, workspace_id, wanted)
    mention_ids = sorted(new)
    found: set[int] = set()
    for part in chunks(mention_ids):
        found.update(
            conn.execute(
                sa.select(mentions.c.id).where(
                    mentions.c.workspace_id == workspace_id, mentions.c.id.in_(part)
                )
            ).scalars()
        )
    missing = sorted(set(mention_ids) - found)
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise NotFoundError(f"mention id(s) {shown} do not exist in workspace {workspace_id}")
    before = rollup.states_of(conn, mention_ids)
    for part in chunks(mention_ids):
        conn.execute(
            sa.delete(matches).where(
                matches.c.mention_id.in_(part), matches.c.topic_id.in_(sorted(wanted))
            )
        )
    rows = {
        (mention_id, tm.topic_id): {
            "mention_id": mention_id,
            "topic_id": tm.topic_id,
            "terms": list(tm.terms),
        }
        for mention_id, found_matches in new.items()
        for tm in found_matches
        if tm.topic_id in wanted
    }
    if rows:
        conn.execute(sa.insert(matches), list(rows.values()))
    found_now: dict[int, set[int]] = defaultdict(set)
    for mention_id, topic_id in rows:
        found_now[mention_id].add(topic_id)
    after = [
        replace(state, topics=(state.topics - wanted) | found_now[mid])
        for mid, state in before.items()
    ]
    rollup.apply(
        conn, workspace_id, rollup.contributions(before.values()), rollup.contributions(after)
    )
    return len(rows)
