"""Milestone roles: organisers attach a role to a streak milestone; the bot grants it when a
member reaches that milestone and takes it back when their streak ends (as they see it: a
streak broken yesterday is broken today)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.inserts import insert_ignoring_duplicates
from bot.db.models import MilestoneGrant, MilestoneRole, SkippedDay, StreakRow
from bot.domain import streaks as rules
from bot.domain.errors import BadInput
from bot.domain.schedule import local_date
from bot.services.activity import member_zone

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Grant:
    guild_id: int
    member_id: int
    days: int
    role_id: int


def check_days(days: int) -> None:
    if days not in rules.MILESTONES:
        listed = ", ".join(str(d) for d in rules.MILESTONES)
        raise BadInput(f"Milestones are {listed} days.")


async def set_role(sessions: Sessions, guild_id: int, days: int, role_id: int) -> None:
    check_days(days)
    async with sessions() as session:
        row = await session.get(MilestoneRole, (guild_id, days))
        if row is None:
            session.add(MilestoneRole(guild_id=guild_id, days=days, role_id=role_id))
        else:
            row.role_id = role_id
        await session.commit()


async def clear(sessions: Sessions, guild_id: int, days: int) -> bool:
    check_days(days)
    async with sessions() as session:
        result = await session.execute(
            delete(MilestoneRole).where(
                MilestoneRole.guild_id == guild_id, MilestoneRole.days == days
            )
        )
        await session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def role_for(sessions: Sessions, guild_id: int, days: int) -> int | None:
    async with sessions() as session:
        row = await session.get(MilestoneRole, (guild_id, days))
        return row.role_id if row else None


async def granted(sessions: Sessions, grant: Grant, now: datetime) -> None:
    async with sessions() as session:
        await session.execute(
            insert_ignoring_duplicates(session, MilestoneGrant.__table__),
            [{**grant.__dict__, "granted_at": now}],
        )
        await session.commit()


async def ended(sessions: Sessions, now: datetime) -> list[Grant]:
    """Grants whose member's streak has ended, as of the member's local today."""
    found = []
    async with sessions() as session:
        grants = list(await session.scalars(select(MilestoneGrant)))
        for g in grants:
            row = await session.get(StreakRow, (g.member_id, g.guild_id))
            skipped = set(
                await session.scalars(
                    select(SkippedDay.day).where(SkippedDay.member_id == g.member_id)
                )
            )
            today = local_date(now, await member_zone(session, g.member_id, g.guild_id))
            state = (
                rules.Streak(row.last_day, row.current, row.longest, row.freezes, row.started)
                if row
                else rules.Streak()
            )
            if rules.view(state, today, skipped).current < g.days:
                found.append(Grant(g.guild_id, g.member_id, g.days, g.role_id))
    return found


async def taken_back(sessions: Sessions, grant: Grant) -> None:
    async with sessions() as session:
        await session.execute(
            delete(MilestoneGrant).where(
                MilestoneGrant.guild_id == grant.guild_id,
                MilestoneGrant.member_id == grant.member_id,
                MilestoneGrant.days == grant.days,
            )
        )
        await session.commit()
