"""Milestone roles: organisers attach a role to a streak milestone; the bot grants it when a
member reaches that milestone and takes it back when their streak ends (as they see it: a
streak broken yesterday is broken today)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.inserts import insert_ignoring_duplicates
from bot.db.models import MilestoneGrant, MilestoneRole, StreakRow
from bot.domain import streaks as rules
from bot.domain.errors import BadInput
from bot.services import streaks

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
    async with sessions() as session:
        grants = list(await session.scalars(select(MilestoneGrant)))
        if not grants:
            return []
        rows = list(
            await session.scalars(
                select(StreakRow).where(
                    tuple_(StreakRow.member_id, StreakRow.guild_id).in_(
                        sorted({(g.member_id, g.guild_id) for g in grants})
                    )
                )
            )
        )
        seen = await streaks.as_seen(session, rows, now)
    return [
        Grant(g.guild_id, g.member_id, g.days, g.role_id)
        for g in grants
        if (v := seen.get((g.member_id, g.guild_id))) is None or v.view.current < g.days
    ]


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
