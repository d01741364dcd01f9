"""Run Alembic from code, so start-up and tests migrate without an `alembic.ini` on disk.

The `migrations` package ships in the wheel next to `bot`; its directory is found from the
import, not from the current directory. Commands run on a connection of the caller's engine
(Alembic's "connection sharing"), which works from inside a running event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import migrations


def _migrations_dir() -> Path:
    # __path__ rather than __file__: it also works when `migrations` resolves as a namespace
    # package (an editable install made before the package had its __init__.py).
    for entry in migrations.__path__:
        if (Path(entry) / "env.py").is_file():
            return Path(entry).resolve()
    raise RuntimeError(
        f"no Alembic env.py in the `migrations` package ({list(migrations.__path__)})"
    )


MIGRATIONS_DIR = _migrations_dir()
# An arbitrary constant naming the PostgreSQL advisory lock held while migrating.
MIGRATION_LOCK_ID = 0x636F686F7274


def make_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (and at `url`, for the CLI path)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser treats % as interpolation; passwords may contain it.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision in the migrations directory (raises if there are several heads)."""
    head = ScriptDirectory.from_config(make_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for a database never migrated."""

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database up to `revision`. Safe to call on every start (no-op when current)."""
    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Migrate down to `revision` ("base" removes every table)."""
    await _run(engine, command.downgrade, revision)


async def _run(
    engine: AsyncEngine, alembic_command: Callable[[Config, str], None], revision: str
) -> None:
    def _apply(connection: Connection) -> None:
        config = make_config()
        config.attributes["connection"] = connection
        alembic_command(config, revision)

    if engine.dialect.name != "sqlite":
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                # Shard processes start together; one migrates while the others wait, then
                # find the schema current. The lock ends with the transaction.
                await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            await conn.run_sync(_apply)
        return

    # SQLite batch migrations copy a table and drop the original; with foreign keys on, that
    # DROP would cascade-delete every referencing row. So foreign keys are off while migrating
    # (the pragma only takes effect outside a transaction), checked before commit, and back on
    # before the connection returns to the pool.
    async with engine.connect() as conn:
        await _sqlite_foreign_keys(conn, on=False)
        try:
            async with conn.begin():
                await conn.run_sync(_apply)
                violations = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if violations:
                    raise RuntimeError(f"migration left broken foreign keys: {violations[:5]}")
        finally:
            await _sqlite_foreign_keys(conn, on=True)


async def _sqlite_foreign_keys(conn: AsyncConnection, *, on: bool) -> None:
    if conn.in_transaction():
        await conn.rollback()
    await conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    await conn.commit()
