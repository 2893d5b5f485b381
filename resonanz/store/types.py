"""Column types shared by both backends: UTC timestamps, JSON, big integer ids."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from resonanz.errors import StoreError


def to_utc(value: datetime) -> datetime:
    """The same instant as an aware UTC datetime; naive input is taken to be UTC."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    Aware datetimes are converted to UTC; naive ones are taken to be UTC already.
    SQLite stores a fixed-width ISO string, so text order is time order.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive UTC on SQLite, which has no time zones)."""
        if value is None:
            return None
        value = to_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json_default(obj: object) -> Any:
    """Serialise the few non-JSON values platform payloads carry (dates, sets)."""
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"value of type {type(obj).__name__} is not JSON serialisable")


def json_dumps(obj: object) -> str:
    """Compact JSON with unicode kept readable; used as the engines' serializer."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    except (TypeError, ValueError) as exc:
        # Raised inside the driver on PostgreSQL, so it must already be a project error.
        raise StoreError(f"cannot store as JSON: {exc}") from exc


# JSON documents: JSONB on PostgreSQL (queryable); "raw" payloads use plain JSON there
# because it stores the text as given and accepts \u0000, which jsonb rejects.
JSONDoc = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
JSONRaw = sa.JSON(none_as_null=True)

# SQLite only aliases the rowid (fast, autoincrementing) for "INTEGER PRIMARY KEY".
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
