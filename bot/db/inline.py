"""Short SQLite transactions run inline on the event loop's own thread.

Under a burst of clicks the loop is saturated, and every round trip to aiosqlite's thread
waits a whole turn of it (tens of milliseconds, with hundreds of clicks ready to run), so a
group commit's latency was its number of round trips. Done inline, a batch of a few hundred
answers holds the loop for some milliseconds (WAL with synchronous=NORMAL: a commit does not
wait for the disk). The write lock is taken up front (BEGIN IMMEDIATE) with a short busy
timeout, so the loop is never stalled behind another writer: when one holds the lock, `Busy`
tells the caller to take its asynchronous path, where waiting costs nothing.

SQLite files only; PostgreSQL (network round trips anyway) and in-memory databases get None.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class Busy(Exception):
    """Another connection holds SQLite's write lock: take the asynchronous path."""


class InlineSqlite:
    BUSY_MS = 5

    def __init__(self, path: str, dialect: Dialect) -> None:
        self.dialect = dialect
        self.connection = sqlite3.connect(path, isolation_level=None)  # BEGIN/COMMIT by hand
        self.connection.execute(f"PRAGMA busy_timeout={self.BUSY_MS}")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute("PRAGMA foreign_keys=ON")
        # Never checkpoint from here: a checkpoint copies the WAL into the database and syncs
        # it, which would stall the loop. The pool's connections, on aiosqlite's thread, keep
        # checkpointing on their commits as usual.
        self.connection.execute("PRAGMA wal_autocheckpoint=0")

    @classmethod
    def for_sessions(cls, sessions: async_sessionmaker[AsyncSession]) -> InlineSqlite | None:
        """One for the SQLite file behind `sessions`; None for PostgreSQL or memory."""
        engine = sessions.kw.get("bind")
        url = getattr(engine, "url", None)
        if url is None or url.get_backend_name() != "sqlite":
            return None
        path = url.database or ""
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        return cls(path, engine.dialect)  # type: ignore[union-attr]

    @contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises;
        `Busy` before anything ran when another connection holds the lock."""
        connection = self.connection
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # locked or busy: not here, then
            raise Busy from error
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.connection.close()


def binder(
    table: Any, columns: Sequence[str], dialect: Dialect
) -> Callable[[dict[str, Any]], list[Any]]:
    """A row's values in `columns` order, as the columns' SQLAlchemy types bind them (so the
    rows are exactly what the ORM would store)."""
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    pairs = list(zip(columns, processors, strict=True))

    def bind(row: dict[str, Any]) -> list[Any]:
        return [process(row[name]) if process else row[name] for name, process in pairs]

    return bind


def reader(column: Any, dialect: Dialect) -> Callable[[Any], Any]:
    """How the column's SQLAlchemy type reads a raw value back (dates, JSON)."""
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process if process is not None else (lambda value: value)


def placeholders(count: int) -> str:
    return ", ".join(["?"] * count)
