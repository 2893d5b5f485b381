"""Database rows as the records of resonanz.models."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from resonanz.errors import ValidationError
from resonanz.models import TOPIC_KINDS, SourceConfig, SourceHealth, Topic


def check_kind(kind: str) -> None:
    """Refuse a topic kind outside TOPIC_KINDS."""
    if kind not in TOPIC_KINDS:
        known = ", ".join(TOPIC_KINDS)
        raise ValidationError(f"unknown topic kind {kind!r} (expected one of {known})")


def topic_record(row: Row[Any]) -> Topic:
    """A topics row as a Topic."""
    return Topic(
        id=row.id,
        workspace_id=row.workspace_id,
        name=row.name,
        kind=row.kind,
        query=row.query,
        active=bool(row.active),
    )


def source_record(row: Row[Any]) -> SourceConfig:
    """A sources row as a SourceConfig with its health."""
    return SourceConfig(
        id=row.id,
        workspace_id=row.workspace_id,
        kind=row.kind,
        name=row.name,
        config=row.config or {},
        cursor=row.cursor or {},
        enabled=bool(row.enabled),
        health=SourceHealth(
            last_run_at=row.last_run_at,
            last_success_at=row.last_success_at,
            last_error=row.last_error,
            last_error_at=row.last_error_at,
            items_total=row.items_total,
            newest_item_at=row.newest_item_at,
            newest_item_seen_at=row.newest_item_seen_at,
            previous_run_at=row.previous_run_at,
            last_run_items=row.last_run_items or 0,
            attention=row.attention,
        ),
    )
