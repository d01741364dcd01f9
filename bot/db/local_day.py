"""`local_day(instant, zone)`: the calendar day an instant falls on in a timezone, computed by
the database, so a row's local date can be worked out in the same statement that writes it.

PostgreSQL has the timezone database built in (`timezone(zone, instant)`); SQLite gets a small
function registered on every connection (`register_sqlite_functions`) that applies
`bot.domain.schedule.local_date`, the rule the rest of the bot uses, so both always agree.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from bot.domain.schedule import local_date

SQLITE_FUNCTION = "cohort_local_day"


class local_day(GenericFunction[Any]):
    """local_day(instant: UTCDateTime, zone: text) -> DATE."""

    type = Date()
    inherit_cache = True


@compiles(local_day, "postgresql")
def _postgresql(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    instant, zone = element.clauses
    return (
        f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(instant, **kw)}) AS DATE)"
    )


@compiles(local_day, "sqlite")
def _sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clause_expr.element, **kw)})"


def _sqlite_local_day(stored: str | None, zone: str | None) -> str | None:
    """SQLite keeps UTC instants as naive ISO text (see `bot.db.types.UTCDateTime`)."""
    if stored is None or zone is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return local_date(instant, ZoneInfo(zone)).isoformat()  # ZoneInfo caches its instances


def register_sqlite_functions(connection: sqlite3.Connection | Any) -> None:
    """Make `local_day` available on a SQLite connection (deterministic: same input, same day,
    so SQLite may use it in indexes and constant-fold it)."""
    connection.create_function(SQLITE_FUNCTION, 2, _sqlite_local_day, deterministic=True)
