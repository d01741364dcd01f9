"""The migrations build exactly the models' schema, and run forwards and backwards cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import Base
from bot.db.engine import create_engine
from bot.db.migrate import (
    MIGRATIONS_DIR,
    current_revision,
    downgrade,
    head_revision,
    make_config,
    upgrade,
)

ROOT = Path(__file__).resolve().parents[1]


def _schema_diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _diff(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as conn:
        return await conn.run_sync(_schema_diff)


async def test_upgrade_head_gives_exactly_the_models_schema(engine: AsyncEngine) -> None:
    assert await _diff(engine) == []
    async with engine.connect() as conn:
        tables = await conn.run_sync(_tables)
    assert tables == {*Base.metadata.tables, "alembic_version"}


async def test_upgrade_is_idempotent_and_reaches_head(engine: AsyncEngine) -> None:
    await upgrade(engine)
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_fresh_database_has_no_revision(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await current_revision(engine) is None
    finally:
        await engine.dispose()


async def test_downgrade_to_base_then_upgrade_again(engine: AsyncEngine) -> None:
    await downgrade(engine, "base")
    assert await current_revision(engine) is None
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) <= {"alembic_version"}

    await upgrade(engine)
    assert await current_revision(engine) == head_revision()
    assert await _diff(engine) == []


async def test_sqlite_pragmas_are_in_effect(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    # The migration turns foreign keys off on its connection; every connection must have them
    # back, including the one the migration used.
    async with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            pragmas = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
            assert pragmas == {
                "journal_mode": "wal",
                "foreign_keys": 1,
                "synchronous": 1,  # NORMAL
                "busy_timeout": 5000,
            }


async def test_sqlite_file_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "cohort.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        assert path.exists()
    finally:
        await engine.dispose()


async def test_sqlite_in_memory_gets_pragmas_without_wal() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "memory"
    finally:
        await engine.dispose()


def test_there_is_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(make_config()).get_heads()
    assert len(heads) == 1
    assert heads[0] == head_revision()


def test_migrations_are_found_from_the_package() -> None:
    # The wheel has no alembic.ini: the scripts must be located through the import.
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()


def test_alembic_cli_configuration_upgrades(database_url: str) -> None:
    # `alembic upgrade head` from the repository: env.py builds its own engine and event loop.
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False  # leave pytest's logging alone
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")
    command.check(config)  # autogenerate finds nothing left to migrate
    command.downgrade(config, "base")


async def test_shard_processes_starting_together_migrate_once(database_url: str) -> None:
    """Several processes on one PostgreSQL database all upgrade at start; a lock serialises them."""
    import asyncio

    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serves a single process; shards need PostgreSQL")
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        # Without the lock the racing migrations block each other; fail rather than hang.
        await asyncio.wait_for(asyncio.gather(*(upgrade(e) for e in engines)), 60)
        assert await current_revision(engines[0]) == head_revision()
        assert await _diff(engines[0]) == []
    finally:
        for engine in engines:
            await engine.dispose()


async def test_0010_fills_in_when_existing_streaks_break(database_url: str) -> None:
    """Streaks stored before 0010 get `breaks_at` from the bot's rule: the member's own zone,
    else the guild's; a streak already at zero gets none."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    engine = create_engine(database_url)
    try:
        await upgrade(engine, "0009")
        async with engine.begin() as conn:
            # SQLite keeps timestamps as text; asyncpg wants datetimes.
            stamp: object = (
                datetime(2026, 3, 1, tzinfo=UTC)
                if "postgresql" in database_url
                else "2026-03-01 00:00:00"
            )
            await conn.execute(
                text(
                    "INSERT INTO guilds (id, timezone, joined_at, updated_at) "
                    "VALUES (1, 'Asia/Tokyo', :t, :t)"
                ),
                {"t": stamp},
            )
            await conn.execute(
                text(
                    "INSERT INTO members (id, timezone, created_at, updated_at)"
                    " VALUES (7, 'America/New_York', :t, :t)"
                ),
                {"t": stamp},
            )
            for member, current in ((7, 3), (8, 2), (9, 0)):
                await conn.execute(
                    text(
                        "INSERT INTO streaks (member_id, guild_id, last_day, current, longest,"
                        " freezes, last_activity_id, updated_at)"
                        " VALUES (:m, 1, :day, :c, 3, 0, 1, :t)"
                    ),
                    {
                        "m": member,
                        "c": current,
                        "day": datetime(2026, 3, 4).date(),
                        "t": stamp,
                    },
                )
        await upgrade(engine)
        async with engine.connect() as conn:
            found = dict(
                (await conn.execute(text("SELECT member_id, breaks_at FROM streaks"))).all()
            )
    finally:
        await engine.dispose()

    def utc(value: object) -> object:
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value

    assert utc(found[7]) == datetime(2026, 3, 6, 5, 0, tzinfo=UTC)  # New York's 6 March
    assert utc(found[8]) == datetime(2026, 3, 5, 15, 0, tzinfo=UTC)  # Tokyo's
    assert found[9] is None
