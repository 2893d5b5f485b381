"""SQL of post extras: the images attached to posts (bytes in ``post_media.data``), the
workspace's alt-text rule, thread parts and polls as stored JSON, and the thread parts a
delivery already published. Called inside PublishingStore's transactions."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from resonanz.publishing.models import MediaFile, Poll, PostMedia, SentPart
from resonanz.store.schema import post_media, publish_settings

_m = post_media.c
# the metadata columns (everything but the bytes)
_META = [c for c in post_media.c if c.name not in ("data", "workspace_id", "created_at")]


def poll_json(poll: Poll | None) -> dict[str, Any] | None:
    if poll is None:
        return None
    return {"options": list(poll.options), "minutes": poll.minutes, "multiple": poll.multiple}


def poll_of(value: Any) -> Poll | None:
    if not isinstance(value, Mapping) or not value.get("options"):
        return None
    return Poll(
        options=tuple(str(o) for o in value["options"]),
        minutes=int(value.get("minutes") or 1440),
        multiple=bool(value.get("multiple")),
    )


def thread_of(value: Any) -> tuple[str, ...]:
    return tuple(str(part) for part in value) if isinstance(value, list) else ()


def parts_of(value: Any) -> tuple[SentPart, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        SentPart(
            index=int(item["index"]),
            remote_id=str(item["remote_id"]),
            url=item.get("url"),
            cid=item.get("cid"),
        )
        for item in value
        if isinstance(item, Mapping)
    )


def part_json(part: SentPart) -> dict[str, Any]:
    return {"index": part.index, "remote_id": part.remote_id, "url": part.url, "cid": part.cid}


def _media(row: Row[Any]) -> PostMedia:
    return PostMedia(
        id=row.id,
        post_id=row.post_id,
        position=row.position,
        sha256=row.sha256,
        mime=row.mime,
        size=row.size,
        width=row.width,
        height=row.height,
        alt=row.alt,
        token=row.token,
    )


def media_of_posts(conn: Connection, post_ids: Iterable[int]) -> dict[int, tuple[PostMedia, ...]]:
    """The images of these posts (without their bytes), in order, by post id."""
    ids = tuple(post_ids)
    found: dict[int, list[PostMedia]] = {}
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(*_META).where(_m.post_id.in_(ids)).order_by(_m.post_id, _m.position)
    )
    for row in rows:
        found.setdefault(row.post_id, []).append(_media(row))
    return {post_id: tuple(items) for post_id, items in found.items()}


def media_files(conn: Connection, post_id: int) -> tuple[MediaFile, ...]:
    rows = conn.execute(sa.select(post_media).where(_m.post_id == post_id).order_by(_m.position))
    return tuple(MediaFile(media=_media(row), data=bytes(row.data)) for row in rows)


def media_by_token(conn: Connection, token: str) -> MediaFile | None:
    row = conn.execute(sa.select(post_media).where(_m.token == token)).first()
    return None if row is None else MediaFile(media=_media(row), data=bytes(row.data))


def insert_media(
    conn: Connection,
    workspace_id: int,
    post_id: int,
    items: Sequence[tuple[Any, bytes, str]],
    *,
    at: datetime,
) -> None:
    """Append images (ImageInfo, bytes, alt) after the post's last one."""
    last = conn.execute(
        sa.select(sa.func.max(_m.position)).where(_m.post_id == post_id)
    ).scalar_one()
    position = -1 if last is None else int(last)
    for info, data, alt in items:
        position += 1
        conn.execute(
            sa.insert(post_media).values(
                workspace_id=workspace_id,
                post_id=post_id,
                position=position,
                sha256=info.sha256,
                mime=info.mime,
                size=info.size,
                width=info.width,
                height=info.height,
                alt=alt,
                token=secrets.token_urlsafe(24),
                data=data,
                created_at=at,
            )
        )


def count_media(conn: Connection, post_id: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count()).select_from(post_media).where(_m.post_id == post_id)
        ).scalar_one()
    )


def delete_media(conn: Connection, post_id: int, media_id: int) -> bool:
    gone = conn.execute(
        sa.delete(post_media).where(_m.post_id == post_id, _m.id == media_id)
    ).rowcount
    return bool(gone)


def set_alt(conn: Connection, post_id: int, media_id: int, alt: str) -> bool:
    changed = conn.execute(
        sa.update(post_media).where(_m.post_id == post_id, _m.id == media_id).values(alt=alt)
    ).rowcount
    return bool(changed)


def require_alt(conn: Connection, workspace_id: int) -> bool:
    value = conn.execute(
        sa.select(publish_settings.c.require_alt).where(
            publish_settings.c.workspace_id == workspace_id
        )
    ).scalar()
    return bool(value)


def set_require_alt(conn: Connection, workspace_id: int, required: bool) -> None:
    exists = conn.execute(
        sa.select(publish_settings.c.workspace_id).where(
            publish_settings.c.workspace_id == workspace_id
        )
    ).first()
    if exists is None:
        conn.execute(
            sa.insert(publish_settings).values(workspace_id=workspace_id, require_alt=required)
        )
    else:
        conn.execute(
            sa.update(publish_settings)
            .where(publish_settings.c.workspace_id == workspace_id)
            .values(require_alt=required)
        )
