"""INSERT ... ON CONFLICT DO NOTHING for the dialect in use (SQLite and PostgreSQL both have it,
each under its own SQLAlchemy construct)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    """An INSERT into `table` that skips rows a unique constraint already holds, so racing
    writers settle on the database's answer instead of an IntegrityError."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    return insert(table).on_conflict_do_nothing()
