"""Guild records: every guild the bot serves has a settings row from the moment it is seen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Guild


async def ensure_guilds(
    sessions: async_sessionmaker[AsyncSession], guild_ids: Iterable[int], now: datetime
) -> list[int]:
    """Create settings rows for guilds seen for the first time; returns the new ids."""
    wanted = sorted(set(guild_ids))
    if not wanted:
        return []
    for _attempt in range(2):  # another shard process may add the same guild concurrently
        async with sessions() as session:
            known = set((await session.scalars(select(Guild.id).where(Guild.id.in_(wanted)))).all())
            new = [gid for gid in wanted if gid not in known]
            session.add_all(Guild(id=gid, joined_at=now, updated_at=now) for gid in new)
            try:
                await session.commit()
                return new
            except IntegrityError:
                await session.rollback()
    return []
