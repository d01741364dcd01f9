"""Guild rows: the join handler and a first command for a new guild may race; both must win."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Guild
from bot.services import daily, guilds

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


async def test_ensure_guilds_reports_only_the_new_ones(session_factory: Sessions) -> None:
    assert await guilds.ensure_guilds(session_factory, [3, 1, 1], NOW) == [1, 3]
    assert await guilds.ensure_guilds(session_factory, [1, 2, 3], NOW) == [2]
    assert await guilds.ensure_guilds(session_factory, [], NOW) == []
    async with session_factory() as session:
        assert (await session.scalars(select(Guild.id).order_by(Guild.id))).all() == [1, 2, 3]


async def test_a_command_racing_the_join_handler_keeps_one_row_and_its_setting(
    session_factory: Sessions,
) -> None:
    for guild_id in range(10, 20):
        await asyncio.gather(
            guilds.ensure_guilds(session_factory, [guild_id], NOW),
            daily.set_timezone(session_factory, guild_id, "Asia/Kolkata", NOW),
            guilds.ensure_guilds(session_factory, [guild_id], NOW),
        )
    async with session_factory() as session:
        rows = (await session.scalars(select(Guild).where(Guild.id >= 10))).all()
    assert sorted(g.id for g in rows) == list(range(10, 20))
    assert {g.timezone for g in rows} == {"Asia/Kolkata"}
