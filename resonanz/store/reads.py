"""The read path for mentions: filters, keyset chunks, counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from resonanz.errors import NotFoundError
from resonanz.models import Author, Engagement, Mention, TopicMatch
from resonanz.store.aspect_rows import names_aspect
from resonanz.store.base import AuthorReach, CountDimension, FtsExpr, MentionFilter, TimeBucket
from resonanz.store.bulk import chunks
from resonanz.store.fts import to_fts5, to_tsquery
from resonanz.store.schema import authors, matches, mentions, topics
from resonanz.store.tags import tag_condition
from resonanz.store.types import UTCDateTime

_m = mentions
_topic_match = matches.alias("topic_match")  # the topic filter's, beside joined matches
_MENTION_COLUMNS = [
    _m.c.id,
    _m.c.platform,
    _m.c.native_id,
    _m.c.text,
    _m.c.collected_at,
    _m.c.posted_at,
    _m.c.url,
    _m.c.title,
    _m.c.created_at,
    _m.c.lang,
    _m.c.lang_score,
    _m.c.reply_to,
    _m.c.repost_of,
    _m.c.quote_of,
    _m.c.likes,
    _m.c.reposts,
    _m.c.replies,
    _m.c.quotes,
    _m.c.views,
    _m.c.raw,
    _m.c.raw_kind,
    _m.c.enrichments,
    authors.c.platform.label("author_platform"),
    authors.c.handle.label("author_handle"),
    authors.c.name.label("author_name"),
    authors.c.followers.label("author_followers"),
    authors.c.url.label("author_url"),
]
_SIMPLE: sa.ColumnClause[Any] = sa.literal_column("'simple'::regconfig")
# PostgreSQL only (migration 0016): to_tsvector('simple', search_text), stored in the row and
# GIN-indexed, so a search neither parses texts again to test them nor to recheck a bitmap.
_SEARCH_VECTOR: sa.ColumnClause[Any] = sa.literal_column("mentions.search_vector")


def _where(conn: Connection, workspace_id: int, flt: MentionFilter | None) -> list[Any]:
    """SQL conditions for a workspace and filter (since inclusive, until exclusive)."""
    clauses: list[Any] = [_m.c.workspace_id == workspace_id]
    if flt is None:
        return clauses
    if flt.topic_id is not None:
        # A correlated EXISTS probes the (mention_id, topic_id) key per candidate mention: a
        # date range stays cheap however many mentions the topic has in all.
        clauses.append(
            sa.exists(
                sa.select(sa.literal(1)).where(
                    _topic_match.c.mention_id == _m.c.id, _topic_match.c.topic_id == flt.topic_id
                )
            )
        )
    if flt.platform is not None:
        clauses.append(_m.c.platform == flt.platform)
    if flt.lang is not None:
        clauses.append(_m.c.lang == flt.lang)
    if flt.sentiment is not None:
        clauses.append(_m.c.sentiment == flt.sentiment)
    if flt.emotion is not None:
        clauses.append(_m.c.emotion == flt.emotion)
    if flt.aspect is not None:
        clauses.append(names_aspect(_m.c.id, workspace_id, flt.aspect))
    if flt.since is not None:
        clauses.append(_m.c.posted_at >= flt.since)
    if flt.until is not None:
        clauses.append(_m.c.posted_at < flt.until)
    if flt.author is not None:
        handle = flt.author.strip().removeprefix("@").lower()
        clauses.append(
            _m.c.author_id.in_(
                sa.select(authors.c.id).where(sa.func.lower(authors.c.handle) == handle)
            )
        )
    if flt.contains_any:
        clauses.append(_contains_any(flt.contains_any))
    if flt.contains_tags:
        columns = (_m.c.text, _m.c.title)
        clauses.append(
            sa.or_(*(tag_condition(conn, columns, sign, tag) for sign, tag in flt.contains_tags))
        )
    if flt.fts is not None:
        clauses.extend(_fts_clause(conn, flt.fts))
    return clauses


def _contains_any(chars: tuple[str, ...]) -> Any:
    """Title or text holds one of chars. For the signs of query.fts.MARKERS this is, to the
    letter, the predicate of partial indexes (migrations 0017 and 0019), which both
    planners then use."""
    return sa.or_(*(_holds(column, char) for char in chars for column in (_m.c.text, _m.c.title)))


def _holds(column: Any, text: str) -> Any:
    """column LIKE '%text%', the pattern written into the SQL (rendered by SQLAlchemy as a
    quoted literal) so that a partial index's predicate can match it; a text with LIKE's
    wildcards or escape character goes as an escaped parameter instead."""
    if any(char in text for char in "%_/\\"):
        return column.contains(text, autoescape=True)
    return column.like(sa.literal(f"%{text}%", sa.Text, literal_execute=True))


def _fts_clause(conn: Connection, expr: FtsExpr) -> list[Any]:
    if conn.dialect.name == "sqlite":
        match = to_fts5(expr)
        if match is None:
            return []
        fts = sa.table("mentions_fts", sa.column("rowid"))
        hits = sa.select(fts.c.rowid).where(sa.literal_column("mentions_fts").op("MATCH")(match))
        return [_m.c.id.in_(hits)]
    query = to_tsquery(expr)
    if query is None:
        return []
    return [_SEARCH_VECTOR.op("@@")(sa.func.to_tsquery(_SIMPLE, query))]


def _mention(row: Row[Any], found: dict[int, list[TopicMatch]]) -> Mention:
    author = None
    if row.author_handle is not None:
        author = Author(
            platform=row.author_platform,
            handle=row.author_handle,
            name=row.author_name,
            followers=row.author_followers,
            url=row.author_url,
        )
    return Mention(
        id=row.id,
        platform=row.platform,
        native_id=row.native_id,
        text=row.text,
        collected_at=row.collected_at,
        url=row.url,
        title=row.title,
        author=author,
        created_at=row.created_at,
        lang=row.lang,
        lang_score=row.lang_score,
        reply_to=row.reply_to,
        repost_of=row.repost_of,
        quote_of=row.quote_of,
        engagement=Engagement(
            likes=row.likes,
            reposts=row.reposts,
            replies=row.replies,
            quotes=row.quotes,
            views=row.views,
        ),
        raw=row.raw if row.raw is not None else {},
        raw_kind=row.raw_kind,
        enrichments=row.enrichments or {},
        matches=tuple(found.get(row.id, ())),
    )


def _select_mentions() -> sa.Select[Any]:
    return sa.select(*_MENTION_COLUMNS).select_from(
        _m.outerjoin(authors, authors.c.id == _m.c.author_id)
    )


def _matches_of(conn: Connection, ids: list[int]) -> dict[int, list[TopicMatch]]:
    found: dict[int, list[TopicMatch]] = defaultdict(list)
    for part in chunks(ids):
        rows = conn.execute(
            sa.select(matches.c.mention_id, matches.c.topic_id, matches.c.terms)
            .where(matches.c.mention_id.in_(part))
            .order_by(matches.c.mention_id, matches.c.topic_id)
        )
        for mention_id, topic_id, terms in rows:
            found[mention_id].append(TopicMatch(topic_id=topic_id, terms=tuple(terms or ())))
    return found


def get_mention(conn: Connection, workspace_id: int, mention_id: int) -> Mention:
    """One mention of the workspace; NotFoundError when there is none."""
    row = conn.execute(
        _select_mentions().where(_m.c.workspace_id == workspace_id, _m.c.id == mention_id)
    ).first()
    if row is None:
        raise NotFoundError(f"mention {mention_id} does not exist in workspace {workspace_id}")
    return _mention(row, _matches_of(conn, [mention_id]))


def _keyset(
    newest_first: bool, after: tuple[datetime, int] | None, *, inclusive: bool = False
) -> Any:
    """The condition "beyond after in the reading order" (None: no condition)."""
    if after is None:
        return None
    key = sa.tuple_(_m.c.posted_at, _m.c.id)
    position = sa.tuple_(sa.literal(after[0], UTCDateTime), sa.literal(after[1], sa.BigInteger))
    if inclusive:  # up to and including position, seen from the start of the order
        return key >= position if newest_first else key <= position
    return key < position if newest_first else key > position


def _ordered(stmt: sa.Select[Any], newest_first: bool) -> sa.Select[Any]:
    if newest_first:
        return stmt.order_by(_m.c.posted_at.desc(), _m.c.id.desc())
    return stmt.order_by(_m.c.posted_at.asc(), _m.c.id.asc())


def _rows_to_mentions(
    conn: Connection, rows: list[Row[Any]], after: tuple[datetime, int] | None
) -> tuple[list[Mention], tuple[datetime, int] | None]:
    if not rows:
        return [], after
    found = _matches_of(conn, [row.id for row in rows])
    return [_mention(row, found) for row in rows], (rows[-1].posted_at, rows[-1].id)


def mention_chunk(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter | None,
    *,
    newest_first: bool,
    limit: int,
    after: tuple[datetime, int] | None,
) -> tuple[list[Mention], tuple[datetime, int] | None]:
    """Up to limit mentions after the keyset position; returns them and the next position."""
    match = to_fts5(flt.fts) if flt is not None and flt.fts is not None else None
    if flt is not None and match is not None and conn.dialect.name == "sqlite":
        df = _document_frequency(conn, match, _DF_CAP)
        if df <= _SMALL_DF:
            rows = _doclist_rows(conn, workspace_id, flt, newest_first, limit, after)
        elif flt.contains_tags:
            # A hashtag or handle narrows far better than its common word: read the time
            # index with the tag condition alone (store.tags) and let the search check words.
            return mention_chunk(
                conn,
                workspace_id,
                replace(flt, fts=None),
                newest_first=newest_first,
                limit=limit,
                after=after,
            )
        elif df < _DF_CAP or "*" in match:
            rows = _scan_rows(conn, workspace_id, flt, newest_first, limit, after)
        else:
            probe = _fts_probe(match)
            plain = replace(flt, fts=None)
            rows = _fts_rows(conn, workspace_id, plain, probe, flt, newest_first, limit, after)
        return _rows_to_mentions(conn, rows, after)
    if flt is not None and flt.contains_tags and conn.dialect.name == "postgresql":
        rows = _window_rows(conn, workspace_id, replace(flt, fts=None), newest_first, limit, after)
        return _rows_to_mentions(conn, rows, after)
    stmt = _select_mentions().where(*_where(conn, workspace_id, flt))
    beyond = _keyset(newest_first, after)
    if beyond is not None:
        stmt = stmt.where(beyond)
    plain_rows = conn.execute(_ordered(stmt, newest_first).limit(limit)).all()
    return _rows_to_mentions(conn, list(plain_rows), after)


def _window_rows(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter,
    newest_first: bool,
    limit: int,
    after: tuple[datetime, int] | None,
) -> list[Row[Any]]:
    """Up to limit rows passing flt, read window by window along the time index.

    For a selective condition PostgreSQL's planner would rather test every mention of a
    common word (or all of them) and sort; a hashtag search wants the newest few. Each
    window takes the next keys from the (workspace_id, posted_at, id) index, then the rows
    of that key range that pass the filter.
    """
    rows: list[Row[Any]] = []
    position = after
    window = _FIRST_WINDOW * 8
    scanned = 0
    key = sa.tuple_(_m.c.posted_at, _m.c.id)
    # With the bare signs (contains_any) the keys come from the partial index of mentions
    # that hold one, so a window's rows are only those.
    signs = [_contains_any(flt.contains_any)] if flt.contains_any else []
    while len(rows) < limit:
        keys = sa.select(_m.c.posted_at, _m.c.id).where(_m.c.workspace_id == workspace_id, *signs)
        beyond = _keyset(newest_first, position)
        if beyond is not None:
            keys = keys.where(beyond)
        found = conn.execute(_ordered(keys, newest_first).limit(window)).all()
        if not found:
            break
        last = (found[-1].posted_at, found[-1].id)
        edge = sa.tuple_(sa.literal(last[0], UTCDateTime), sa.literal(last[1], sa.BigInteger))
        stmt = _select_mentions().where(
            *_where(conn, workspace_id, flt), key >= edge if newest_first else key <= edge
        )
        if beyond is not None:
            stmt = stmt.where(beyond)
        rows.extend(conn.execute(_ordered(stmt, newest_first).limit(limit - len(rows))).all())
        if len(found) < window:
            break
        position = last
        scanned += len(found)
        # As many keys as the hits so far say the rest needs, with a margin.
        needed = (limit - len(rows)) * scanned / max(1, len(rows)) * 1.3
        window = int(min(max(needed, _FIRST_WINDOW * 8), _MAX_WINDOW * 8))
    return rows


# A full-text search in time order (SQLite) picks its plan by the match's document
# frequency, counted from the FTS5 index up to _DF_CAP (cheap: the index's own list):
# - a rare match (up to _SMALL_DF mentions) sorts its own mentions by time;
# - a common one without prefix words reads the (workspace_id, posted_at, id) index in
#   windows from the keyset position and probes FTS5 per mention (one probe costs
#   ~70 us, so a word in every tenth mention needs ~500 probes for a page); when the hits
#   seen say more than _PROBE_BUDGET probes are still needed, it goes on as below;
# - otherwise (prefix words are slow to probe: FTS5 merges all their terms every time)
#   the index is read in time order against the match's mention ids, collected once;
# - a search for a hashtag or handle (``contains_tags``) with a common word reads the
#   index in time order with the tag condition only (the search checks the words).
_DF_CAP = 100_000
_SMALL_DF = 4_000
_FIRST_WINDOW = 256
_MAX_WINDOW = 8192
_PROBE_BUDGET = 1500


def _fts_table() -> sa.TableClause:
    return sa.table("mentions_fts", sa.column("rowid"))


def _fts_match(match: str) -> Any:
    return sa.literal_column("mentions_fts").op("MATCH")(match)


def _document_frequency(conn: Connection, match: str, cap: int) -> int:
    """How many mentions (of all workspaces) the FTS5 match selects, up to cap."""
    fts = _fts_table()
    hits = sa.select(fts.c.rowid).where(_fts_match(match)).limit(cap).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(hits)).scalar_one())


def _fts_probe(match: str) -> Any:
    """The FTS5 match as a condition on one mention (a rowid probe)."""
    fts = _fts_table()
    return sa.exists(
        sa.select(sa.literal(1)).select_from(fts).where(_fts_match(match), fts.c.rowid == _m.c.id)
    )


def _fts_rows(
    conn: Connection,
    workspace_id: int,
    plain: MentionFilter,
    probe: Any,
    flt: MentionFilter,
    newest_first: bool,
    limit: int,
    after: tuple[datetime, int] | None,
) -> list[Row[Any]]:
    """Up to limit rows passing flt (plain plus the full-text probe) beyond after, in order."""
    base = _where(conn, workspace_id, plain)
    rows: list[Row[Any]] = []
    position = after
    scanned = 0
    window = _FIRST_WINDOW
    while True:
        beyond = _keyset(newest_first, position)
        conditions = [*base, *([beyond] if beyond is not None else [])]
        # The window's far end: the window-th mention beyond the position (None: fewer left).
        edge_row = conn.execute(
            _ordered(sa.select(_m.c.posted_at, _m.c.id).where(*conditions), newest_first)
            .offset(window - 1)
            .limit(1)
        ).first()
        edge = None if edge_row is None else (edge_row.posted_at, edge_row.id)
        within = _keyset(newest_first, edge, inclusive=True)
        stmt = _select_mentions().where(*conditions, probe)
        if within is not None:
            stmt = stmt.where(within)
        got = conn.execute(_ordered(stmt, newest_first).limit(limit - len(rows))).all()
        rows += got
        if len(rows) >= limit or edge is None:
            return rows
        position, scanned = edge, scanned + window
        expected = (limit - len(rows)) * scanned / max(len(rows), 1)
        if scanned + expected > _PROBE_BUDGET:
            break
        window = min(max(int(expected * 1.25), window), _MAX_WINDOW)
    return rows + _scan_rows(conn, workspace_id, flt, newest_first, limit - len(rows), position)


def _scan_rows(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter,
    newest_first: bool,
    limit: int,
    after: tuple[datetime, int] | None,
) -> list[Row[Any]]:
    """Rows in time order from the index, kept when their id is among the match's ids.

    "id + 0" keeps SQLite from reading the ids first and sorting them all.
    """
    match = to_fts5(flt.fts) if flt.fts is not None else None
    if match is None:
        raise ValueError("a scan against the full-text index needs a full-text filter")
    fts = _fts_table()
    plain = replace(flt, fts=None)
    ids = sa.select(fts.c.rowid).where(_fts_match(match))
    stmt = _select_mentions().where(*_where(conn, workspace_id, plain), (_m.c.id + 0).in_(ids))
    beyond = _keyset(newest_first, after)
    if beyond is not None:
        stmt = stmt.where(beyond)
    return list(conn.execute(_ordered(stmt, newest_first).limit(limit)).all())


def _doclist_rows(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter,
    newest_first: bool,
    limit: int,
    after: tuple[datetime, int] | None,
) -> list[Row[Any]]:
    """Rows from the full-text index's own list: ids sorted by time first, then the rows."""
    ids = sa.select(_m.c.id, _m.c.posted_at).where(*_where(conn, workspace_id, flt))
    beyond = _keyset(newest_first, after)
    if beyond is not None:
        ids = ids.where(beyond)
    picked = [row.id for row in conn.execute(_ordered(ids, newest_first).limit(limit))]
    if not picked:
        return []
    stmt = _select_mentions().where(_m.c.id.in_(picked))
    return list(conn.execute(_ordered(stmt, newest_first)).all())


def count_mentions(conn: Connection, workspace_id: int, flt: MentionFilter | None) -> int:
    """How many mentions of the workspace match the filter."""
    stmt = sa.select(sa.func.count()).select_from(_m).where(*_where(conn, workspace_id, flt))
    return int(conn.execute(stmt).scalar_one())


def _day(conn: Connection, bucket: TimeBucket = "day") -> Any:
    """posted_at as 'YYYY-MM-DD' (day) or 'YYYY-MM-DD HH' (hour), in UTC."""
    if conn.dialect.name == "sqlite":
        # Stored as fixed-width 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
        return sa.func.substr(sa.cast(_m.c.posted_at, sa.Text), 1, 10 if bucket == "day" else 13)
    fmt = "YYYY-MM-DD" if bucket == "day" else "YYYY-MM-DD HH24"
    return sa.func.to_char(sa.func.timezone("UTC", _m.c.posted_at), fmt)


def count_by(
    conn: Connection,
    workspace_id: int,
    dimension: CountDimension,
    flt: MentionFilter | None,
    *,
    limit: int,
) -> list[tuple[str, int]]:
    """Counts per dimension value, most frequent first; for "day", the latest days in order.

    A mention without language counts as "und"; mentions without author are not counted
    by author; a mention matching several topics counts once for each.
    """
    source: Any = _m
    if dimension == "platform":
        label: Any = _m.c.platform
    elif dimension == "lang":
        label = sa.func.coalesce(_m.c.lang, "und")
    elif dimension == "day":
        label = _day(conn)
    elif dimension == "topic":
        source = _m.join(matches, matches.c.mention_id == _m.c.id).join(
            topics, topics.c.id == matches.c.topic_id
        )
        label = topics.c.name
    elif dimension == "author":
        source = _m.join(authors, authors.c.id == _m.c.author_id)
        label = authors.c.handle
    else:
        raise ValueError(f"unknown count dimension {dimension!r}")
    n = sa.func.count().label("n")
    stmt = (
        sa.select(label.label("label"), n)
        .select_from(source)
        .where(*_where(conn, workspace_id, flt))
        .group_by(label)
    )
    rows = [
        (str(row.label), int(row.n))
        for row in conn.execute(order_counts(stmt, n, dimension, limit))
    ]
    return sorted(rows) if dimension == "day" else rows


def order_counts(stmt: sa.Select[Any], n: Any, dimension: str, limit: int) -> sa.Select[Any]:
    """count_by's order: the latest days (put back in order by the caller), else the most
    frequent labels first, then by label; at most limit rows when limit > 0."""
    if dimension == "day":
        stmt = stmt.order_by(sa.desc("label"))
    else:
        stmt = stmt.order_by(n.desc(), sa.asc("label"))
    return stmt.limit(limit) if limit > 0 else stmt


def volume(
    conn: Connection, workspace_id: int, flt: MentionFilter | None, *, bucket: TimeBucket
) -> list[tuple[str, str | None, int]]:
    """Mentions per time bucket and topic name, in time order.

    Buckets are 'YYYY-MM-DD' or 'YYYY-MM-DD HH:00' (UTC). A mention matching several topics
    counts once for each; one without topic counts under None. With a topic filter only
    that topic's counts come back.
    """
    on = matches.c.mention_id == _m.c.id
    topic_id = flt.topic_id if flt is not None else None
    if topic_id is not None:
        source: Any = _m.join(matches, sa.and_(on, matches.c.topic_id == topic_id))
    else:
        source = _m.outerjoin(matches, on)
    source = source.outerjoin(topics, topics.c.id == matches.c.topic_id)
    label = _day(conn, bucket).label("bucket")
    stmt = (
        sa.select(label, topics.c.name, sa.func.count().label("n"))
        .select_from(source)
        .where(*_where(conn, workspace_id, flt))
        .group_by(label, topics.c.name)
    )
    rows = [
        (str(r.bucket) + (":00" if bucket == "hour" else ""), r.name, int(r.n))
        for r in conn.execute(stmt)
    ]
    return sorted(rows, key=lambda row: (row[0], row[1] or ""))


# Top authors first walk the authors by follower count (the (workspace_id, followers)
# index), a page at a time, keeping those with a mention in the filter; pages double.
# After this many pages the filter is selective, and grouping its mentions is cheaper.
_AUTHOR_PAGE = 256
_AUTHOR_PAGES = 4


def _reach(row: Row[Any], mentions: int) -> AuthorReach:
    return AuthorReach(row.platform, row.handle, row.name, row.followers, mentions)


def _mention_counts(
    conn: Connection, workspace_id: int, flt: MentionFilter | None, author_ids: list[int]
) -> dict[int, int]:
    """Filtered mentions per author, for these authors only."""
    # Authors belong to one workspace: without the workspace condition both planners use
    # the (author_id, posted_at) index instead of scanning the whole range.
    stmt = (
        sa.select(_m.c.author_id, sa.func.count())
        .where(_m.c.author_id.in_(author_ids), *_where(conn, workspace_id, flt)[1:])
        .group_by(_m.c.author_id)
    )
    return {int(author): int(n) for author, n in conn.execute(stmt)}


def _walk_by_followers(
    conn: Connection, workspace_id: int, flt: MentionFilter | None, limit: int
) -> tuple[list[AuthorReach], bool] | None:
    """(authors found, all authors with followers seen), or None after too many pages."""
    found: list[AuthorReach] = []
    offset, page = 0, _AUTHOR_PAGE
    for _ in range(_AUTHOR_PAGES):
        rows = conn.execute(
            sa.select(authors)
            .where(authors.c.workspace_id == workspace_id, authors.c.followers.is_not(None))
            .order_by(authors.c.followers.desc(), authors.c.id)
            .offset(offset)
            .limit(page)
        ).all()
        counts = _mention_counts(conn, workspace_id, flt, [r.id for r in rows]) if rows else {}
        found += [_reach(r, counts[r.id]) for r in rows if r.id in counts][: limit - len(found)]
        if len(found) >= limit or len(rows) < page:
            return found, len(rows) < page
        offset, page = offset + page, page * 2
    return None


def grouped_authors(
    conn: Connection,
    workspace_id: int,
    flt: MentionFilter | None,
    limit: int,
    *,
    unknown_only: bool = False,
) -> list[AuthorReach]:
    """Authors of the filtered mentions, grouped: by followers (unknown last), handle."""
    n = sa.func.count().label("n")
    stmt = (
        sa.select(authors, n)
        .select_from(_m.join(authors, authors.c.id == _m.c.author_id))
        .where(*_where(conn, workspace_id, flt))
        .group_by(*authors.c)
        .order_by(sa.func.coalesce(authors.c.followers, -1).desc(), authors.c.handle, authors.c.id)
        .limit(limit)
    )
    if unknown_only:
        stmt = stmt.where(authors.c.followers.is_(None))
    return [_reach(row, int(row.n)) for row in conn.execute(stmt)]


def top_authors(
    conn: Connection, workspace_id: int, flt: MentionFilter | None, *, limit: int
) -> list[AuthorReach]:
    """Authors of the filtered mentions by follower count (unknown counts last, by handle)."""
    walked = _walk_by_followers(conn, workspace_id, flt, limit)
    if walked is None:
        return grouped_authors(conn, workspace_id, flt, limit)
    found, exhausted = walked
    if len(found) < limit and exhausted:
        found += grouped_authors(conn, workspace_id, flt, limit - len(found), unknown_only=True)
    return found


def newest_posted_at(conn: Connection, workspace_id: int) -> datetime | None:
    """When the workspace's newest mention was posted; None without mentions."""
    stmt = sa.select(sa.func.max(_m.c.posted_at)).where(_m.c.workspace_id == workspace_id)
    value: datetime | None = conn.execute(stmt).scalar()
    return value
