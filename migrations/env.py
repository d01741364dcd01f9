"""Alembic environment, async, for both entry points.

- From code (`bot.db.migrate`): the caller's connection arrives in
  `config.attributes["connection"]` and is used as is, inside the caller's event loop.
- From the `alembic` CLI: an engine is built from `sqlalchemy.url`, or from the bot's settings
  (`DATABASE_URL`, `.env`) when that is empty, and run with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Literal

import sqlalchemy as sa
from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from bot.db import models  # noqa: F401  (registers every table on Base.metadata)
from bot.db.base import Base
from bot.db.engine import ensure_sqlite_directory
from bot.db.types import UTCDateTime

config = context.config
target_metadata = Base.metadata

# Logging comes from alembic.ini only for the CLI; an embedding program keeps its own.
if (
    config.config_file_name is not None
    and not config.attributes.get("connection")
    and config.attributes.get("configure_logger", True)
):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.settings import Settings

        url = Settings().database_url
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return url


def _render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    """Write plain SQLAlchemy types into migrations, so they never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj) is sa.JSON:
        return "sa.JSON()"
    return False


def _configure(**kw: object) -> None:
    # render_as_batch: SQLite cannot ALTER most things, so autogenerate writes batch operations
    # (copy and swap the table); on PostgreSQL they run as plain ALTERs.
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        **kw,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    ensure_sqlite_directory(_url())
    connectable = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    try:
        async with connectable.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await connectable.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        asyncio.run(run_async_migrations())
    else:
        do_run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
