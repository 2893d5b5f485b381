"""Tracked links and their click counts (migration 0012; see resonanz.publishing.links).

A click is recorded in one write transaction: the day's salt is read (or made, and salts
older than yesterday dropped), the visitor's salted hash looked up in the dedupe window,
and the day's counter of the link raised (clicks, bots or repeats). Addresses and user
agents are only ever hashed, never written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from resonanz.errors import NotFoundError, StoreError
from resonanz.publishing.links import DayCount, TrackedLink, new_code, new_salt, visitor_hash
from resonanz.store.schema import link_clicks, link_salts, link_visitors, tracked_links
from resonanz.store.transactions import TxStore

_l, _k = tracked_links.c, link_clicks.c
COUNTERS = ("clicks", "bots", "repeats")


def _link(row: Row[Any]) -> TrackedLink:
    return TrackedLink(
        id=row.id,
        workspace_id=row.workspace_id,
        code=row.code,
        target=row.target,
        utm={str(k): str(v) for k, v in dict(row.utm).items()},
        destination=row.destination,
        channel_id=row.channel_id,
        post_id=row.post_id,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _insert(conn: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT (with ON CONFLICT) for ``table``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _bump(conn: Connection, link_id: int, day: date, counter: str) -> None:
    values = {name: int(name == counter) for name in COUNTERS}
    stmt = _insert(conn, link_clicks).values(link_id=link_id, day=day, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["link_id", "day"],
        set_={counter: getattr(link_clicks.c, counter) + 1},
    )
    conn.execute(stmt)


def _salt(conn: Connection, day: date) -> str:
    """Today's salt, made on the first click of the day; older ones are dropped."""
    conn.execute(sa.delete(link_salts).where(link_salts.c.day < day - timedelta(days=1)))
    conn.execute(
        _insert(conn, link_salts)
        .values(day=day, salt=new_salt())
        .on_conflict_do_nothing(index_elements=["day"])
    )
    salt = conn.execute(sa.select(link_salts.c.salt).where(link_salts.c.day == day)).scalar()
    if salt is None:
        raise StoreError("the day's salt for link clicks could not be stored")
    return str(salt)


class LinkStore(TxStore):
    """Reads and writes of the tracked-link tables."""

    def add_link(
        self,
        workspace_id: int,
        *,
        target: str,
        utm: Mapping[str, str],
        destination: str,
        channel_id: int | None = None,
        post_id: int | None = None,
        created_by: int | None = None,
        at: datetime,
    ) -> TrackedLink:
        """Store a link under a new random code (drawn again on the rare collision)."""
        with self._write("adding a tracked link") as conn:
            for _ in range(20):
                code = new_code()
                taken = conn.execute(sa.select(_l.id).where(_l.code == code)).first()
                if taken is None:
                    break
            else:  # pragma: no cover - 20 collisions in 10^12 codes
                raise StoreError("no free short code found; try again")
            new_id = conn.execute(
                sa.insert(tracked_links)
                .values(
                    workspace_id=workspace_id,
                    code=code,
                    target=target,
                    utm=dict(utm),
                    destination=destination,
                    channel_id=channel_id,
                    post_id=post_id,
                    created_by=created_by,
                    created_at=at,
                )
                .returning(_l.id)
            ).scalar_one()
        return self.get_link(workspace_id, int(new_id))

    def get_link(self, workspace_id: int, link_id: int) -> TrackedLink:
        with self._read("reading a tracked link") as conn:
            row = conn.execute(
                sa.select(tracked_links).where(_l.id == link_id, _l.workspace_id == workspace_id)
            ).first()
        if row is None:
            raise NotFoundError(f"no tracked link with id {link_id}")
        return _link(row)

    def link_by_code(self, code: str, workspace_id: int | None = None) -> TrackedLink:
        """The link of a short code (in any workspace unless one is given)."""
        cond = _l.code == code
        if workspace_id is not None:
            cond = sa.and_(cond, _l.workspace_id == workspace_id)
        with self._read("reading a tracked link") as conn:
            row = conn.execute(sa.select(tracked_links).where(cond)).first()
        if row is None:
            raise NotFoundError(f"no tracked link with the code {code!r}")
        return _link(row)

    def list_links(self, workspace_id: int, *, post_id: int | None = None) -> list[TrackedLink]:
        cond = _l.workspace_id == workspace_id
        if post_id is not None:
            cond = sa.and_(cond, _l.post_id == post_id)
        with self._read("listing tracked links") as conn:
            rows = conn.execute(sa.select(tracked_links).where(cond).order_by(_l.id))
            return [_link(r) for r in rows]

    def attach_post(self, workspace_id: int, link_ids: Sequence[int], post_id: int) -> None:
        """Record which post the links were made for."""
        if not link_ids:
            return
        with self._write("attaching tracked links to a post") as conn:
            conn.execute(
                sa.update(tracked_links)
                .where(_l.workspace_id == workspace_id, _l.id.in_(tuple(link_ids)))
                .values(post_id=post_id)
            )

    def record_click(
        self,
        link_id: int,
        *,
        at: datetime,
        bot: bool,
        address: str,
        user_agent: str,
        window: timedelta,
    ) -> str:
        """Count one request of the link: "bot" (not a click), "repeat" (the same
        visitor inside ``window``) or "click". Returns which."""
        day = at.date()
        with self._write("counting a click") as conn:
            if bot:
                _bump(conn, link_id, day, "bots")
                return "bot"
            visitor = visitor_hash(_salt(conn, day), link_id, address, user_agent)
            # Hashes past the window are dropped (their salt is gone a day later anyway).
            conn.execute(sa.delete(link_visitors).where(link_visitors.c.seen_at < at - window))
            # One statement decides, so two concurrent requests count once.
            first = conn.execute(
                _insert(conn, link_visitors)
                .values(link_id=link_id, visitor=visitor, seen_at=at)
                .on_conflict_do_nothing(index_elements=["link_id", "visitor"])
                .returning(link_visitors.c.link_id)
            ).first()
            if first is None:
                _bump(conn, link_id, day, "repeats")
                return "repeat"
            _bump(conn, link_id, day, "clicks")
        return "click"

    def clicks(self, link_id: int) -> list[DayCount]:
        """The link's counts per UTC day, oldest first."""
        with self._read("reading link clicks") as conn:
            rows = conn.execute(
                sa.select(link_clicks).where(_k.link_id == link_id).order_by(_k.day)
            ).all()
        return [DayCount(r.day, r.clicks, r.bots, r.repeats) for r in rows]

    def totals(self, workspace_id: int) -> dict[int, int]:
        """Counted clicks of every link of the workspace that has any, by link id."""
        with self._read("reading link clicks") as conn:
            rows = conn.execute(
                sa.select(_k.link_id, sa.func.sum(_k.clicks))
                .join(tracked_links, _l.id == _k.link_id)
                .where(_l.workspace_id == workspace_id)
                .group_by(_k.link_id)
            ).all()
        return {int(r[0]): int(r[1] or 0) for r in rows}

    def by_source(self, workspace_id: int, *, since: date | None = None) -> dict[str, int]:
        """Counted clicks per utm_source (the channel's platform; '' for none), over
        all days or those from ``since``."""
        cond = _l.workspace_id == workspace_id
        if since is not None:
            cond = sa.and_(cond, _k.day >= since)
        with self._read("reading link clicks") as conn:
            rows = conn.execute(
                sa.select(_l.utm, _k.clicks).join(tracked_links, _l.id == _k.link_id).where(cond)
            ).all()
        totals: dict[str, int] = {}
        for utm, clicks in rows:
            source = str(dict(utm).get("utm_source", ""))
            totals[source] = totals.get(source, 0) + int(clicks)
        return totals


def link_store(store: Any) -> LinkStore:
    """The tracked-link tables of an open SqlStore (sharing its engine and transactions)."""
    write = getattr(store, "_write", None)
    read = getattr(store, "_read", None)
    if write is None or read is None:
        raise StoreError(f"{store!r} is not a SQL store")
    return LinkStore(write, read)
