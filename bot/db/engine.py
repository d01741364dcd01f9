"""Engine and session factory, with the per-connection settings each backend needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from bot.db.local_day import register_sqlite_functions

# Wait this long for a competing writer instead of failing at once with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000


def _is_sqlite_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


def ensure_sqlite_directory(url: str | URL) -> None:
    """Create the folder of a SQLite file, so a fresh checkout starts without a manual mkdir."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or _is_sqlite_memory(url):
        return
    database = url.database or ""
    if database.startswith("file:"):
        return  # a URI filename; leave it to the caller
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_pragmas(engine: AsyncEngine, *, wal: bool) -> None:
    """Set the pragmas that SQLite forgets on every new connection.

    WAL lets readers run while one writer commits; synchronous=NORMAL is safe with WAL and much
    faster than FULL; foreign keys are off by default in SQLite; busy_timeout makes concurrent
    writers queue instead of failing. The project's SQL functions (`bot.db.local_day`) are
    registered here too, for the same reason.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()
        register_sqlite_functions(dbapi_connection)


def create_engine(url: str | URL, **kw: Any) -> AsyncEngine:
    """An async engine for `url` (sqlite+aiosqlite or postgresql+asyncpg); `kw` overrides.

    PostgreSQL connections are checked before use (`pool_pre_ping`) and recycled after half an
    hour, so a database restart or an idle-connection timeout costs a reconnect, not an error.
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_directory(url)
        engine = _create_async_engine(url, **kw)
        _install_sqlite_pragmas(engine, wal=not _is_sqlite_memory(url))
        return engine
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 1800}
    if "poolclass" not in kw:  # sizes only apply to the default queue pool
        options.update(pool_size=5, max_overflow=10)
    options.update(kw)
    return _create_async_engine(url, **options)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for one unit of work each.

    `expire_on_commit=False` keeps loaded attributes readable after commit: in async code a lazy
    refresh would need an await that attribute access cannot do.
    """
    return async_sessionmaker(engine, expire_on_commit=False)
