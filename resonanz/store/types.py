"""Column types shared by both backends: UTC timestamps, JSON, big integer ids."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import Any

import orjson
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


def sqlite_stamp(value: datetime) -> str:
    """The fixed-width UTC text SQLite stores for a datetime (naive input is taken as UTC)."""
    if isinstance(value, datetime) and (value.tzinfo is UTC or value.tzinfo is None):
        # Already UTC: skip the conversion (astimezone builds a new datetime).
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return to_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    Aware datetimes are converted to UTC; naive ones are taken to be UTC already.
    SQLite stores fixed-width text ('2024-03-01 12:00:00.000000', SQLAlchemy's own format),
    so text order is time order; converting here is faster than SQLAlchemy's processors.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        """Plain text on SQLite (converted here), timestamptz elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """Convert to UTC (as fixed-width text on SQLite)."""
        if value is None:
            return None
        if dialect.name == "sqlite":
            return sqlite_stamp(value)
        return to_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        stamp: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC)


def _json_default(obj: object) -> Any:
    """Serialise the few non-JSON values platform payloads carry (dates, sets)."""
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"value of type {type(obj).__name__} is not JSON serialisable")


def _orjson_default(obj: object) -> Any:
    """The values orjson leaves to us, as _json_default has them; anything else: json."""
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if type(obj) in (set, frozenset, tuple):
        return list(obj)  # type: ignore[call-overload]
    # Subclasses (str, int, dict, list, tuple), time, dataclasses: json's own rules apply.
    raise TypeError


# Dates through _orjson_default (isoformat, like json), subclasses and dataclasses too.
_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def json_dumps(obj: object) -> str:
    """Compact JSON with unicode kept readable; used as the engines' serializer.

    NaN and infinities, which JSON cannot hold (and PostgreSQL refuses), become null.
    orjson writes the common documents (several times faster); whatever it declines (big
    integers, non-string keys, other types) goes through json and its rules.
    """
    try:
        return orjson.dumps(obj, default=_orjson_default, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        pass
    try:
        try:
            return _dumps(obj)
        except ValueError:
            return _dumps(_finite(obj))
    except (TypeError, ValueError) as exc:
        # Raised inside the driver on PostgreSQL, so it must already be a project error.
        raise StoreError(f"cannot store as JSON: {exc}") from exc


def _dumps(obj: object) -> str:
    return json.dumps(
        obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default
    )


def _finite(obj: object) -> object:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: _finite(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(value) for value in obj]
    return obj


# JSON documents: JSONB on PostgreSQL (queryable); "raw" payloads use plain JSON there
# because it stores the text as given and accepts \u0000, which jsonb rejects.
JSONDoc = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
JSONRaw = sa.JSON(none_as_null=True)

# SQLite only aliases the rowid (fast, autoincrementing) for "INTEGER PRIMARY KEY".
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
