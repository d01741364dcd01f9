"""Column types shared by the models.

The database stores UTC. SQLite has no timezone-aware timestamp, so SQLAlchemy hands back
naive datetimes there and aware ones on PostgreSQL; `UTCDateTime` makes both backends behave
the same, and refuses naive datetimes so a local wall-clock time can never be stored by mistake.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Default for created/updated columns; services may pass their clock's time instead."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in aware (any zone) and always comes out aware in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass an aware one")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite stores text without an offset; every stored value is UTC by construction.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
