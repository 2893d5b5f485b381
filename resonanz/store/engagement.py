"""Reads for publishing suggestions: the engagement of the workspace's own posts (the
mentions its connected accounts wrote) and the hourly volume of mentions of its topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from resonanz.store.schema import authors, mention_counts, mentions

_m, _a, _n = mentions.c, authors.c, mention_counts.c


def own_posts(
    store: Any, workspace_id: int, accounts: Sequence[tuple[str, str]], since: datetime
) -> list[tuple[datetime, int]]:
    """(posting time, likes + reposts + replies + quotes) of the workspace's mentions
    written by these (platform, handle) accounts since ``since``, reposts left out. A
    handle matches case-insensitively, and with any ``@instance`` after it (Mastodon)."""
    if not accounts:
        return []
    who = sa.or_(
        *(
            sa.and_(
                _a.platform == platform,
                sa.or_(
                    sa.func.lower(_a.handle) == handle.lower(),
                    sa.func.lower(_a.handle).like(handle.lower() + "@%"),
                ),
            )
            for platform, handle in accounts
        )
    )
    total = (
        sa.func.coalesce(_m.likes, 0)
        + sa.func.coalesce(_m.reposts, 0)
        + sa.func.coalesce(_m.replies, 0)
        + sa.func.coalesce(_m.quotes, 0)
    )
    stmt = (
        sa.select(_m.posted_at, total)
        .join(authors, _a.id == _m.author_id)
        .where(_m.workspace_id == workspace_id, _m.posted_at >= since, _m.repost_of.is_(None))
        .where(who)
    )
    with store._read("reading the engagement of own posts") as conn:
        return [(row[0], int(row[1] or 0)) for row in conn.execute(stmt)]


def topic_volume(store: Any, workspace_id: int, since: datetime) -> list[tuple[datetime, int]]:
    """(UTC hour, mentions matching at least one topic) since ``since``, from the hourly
    counts (every mention minus those matching no topic)."""
    signed = sa.case((_n.topic_id == 0, _n.n), else_=-_n.n)
    stmt = (
        sa.select(_n.hour, sa.func.sum(signed))
        .where(_n.workspace_id == workspace_id, _n.hour >= since, _n.topic_id.in_((0, -1)))
        .group_by(_n.hour)
    )
    with store._read("reading mention volume by hour") as conn:
        return [(row[0], int(row[1] or 0)) for row in conn.execute(stmt) if row[1]]
