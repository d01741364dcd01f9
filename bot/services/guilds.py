"""Guild records: every guild the bot serves has a settings row from the moment it is seen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.inserts import insert_ignoring_duplicates
from bot.db.models import Guild


async def ensure_guilds(
    sessions: async_sessionmaker[AsyncSession], guild_ids: Iterable[int], now: datetime
) -> list[int]:
    """Create settings rows for guilds seen for the first time; returns the new ids."""
    wanted = sorted(set(guild_ids))
    if not wanted:
        return []
    async with sessions() as session:
        new = await _insert_missing(session, wanted, now)
        await session.commit()
    return new


async def guild_row(session: AsyncSession, guild_id: int, now: datetime) -> Guild:
    """The guild's settings row inside the caller's transaction, created when missing.

    The row is inserted (or found already there) before it is read, so a command racing the
    bot's own join handler, or another process, settles on one row instead of an
    IntegrityError; on SQLite it also takes the write lock before the first read."""
    await _insert_missing(session, [guild_id], now)
    guild = await session.get(Guild, guild_id)
    assert guild is not None
    return guild


async def _insert_missing(session: AsyncSession, guild_ids: list[int], now: datetime) -> list[int]:
    statement = insert_ignoring_duplicates(session, Guild.__table__).returning(Guild.id)
    rows = [{"id": gid, "joined_at": now, "updated_at": now} for gid in guild_ids]
    return sorted((await session.scalars(statement, rows)).all())
