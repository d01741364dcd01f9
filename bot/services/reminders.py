""" "Streak at risk" reminders: a DM some hours before a member's local midnight when they
have a streak and nothing yet today; at most one a day, claimed in the database (a restart
or a second process never sends it twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Member, SkippedDay, StreakRow
from bot.domain import streaks as rules
from bot.domain.errors import BadInput
from bot.domain.schedule import local_date
from bot.services.activity import member_zone

Sessions = async_sessionmaker[AsyncSession]
HOURS = (1, 12)
DEFAULT_HOURS = 3


@dataclass(frozen=True)
class Reminder:
    member_id: int
    streaks: list[tuple[int, int]]  # (guild id, current streak) at risk
    midnight: datetime  # when today ends for the member (UTC)


async def set_reminders(
    sessions: Sessions, member_id: int, hours: int | None, now: datetime
) -> None:
    """Turn reminders on (`hours` before local midnight) or off (None)."""
    if hours is not None and not HOURS[0] <= hours <= HOURS[1]:
        raise BadInput(f"`hours_before` must be between {HOURS[0]} and {HOURS[1]}.")
    async with sessions() as session:
        member = await session.get(Member, member_id)
        if member is None:
            member = Member(id=member_id, created_at=now, updated_at=now)
            session.add(member)
        member.remind_hours = hours
        member.updated_at = now
        await session.commit()


async def due(sessions: Sessions, now: datetime) -> list[Reminder]:
    """Reminders to send now, each claimed for the member's local day (a second call the
    same day finds nothing)."""
    found = []
    async with sessions() as session:
        members = list(
            await session.scalars(select(Member).where(Member.remind_hours.is_not(None)))
        )
        for member in members:
            rows = list(
                await session.scalars(
                    select(StreakRow).where(StreakRow.member_id == member.id, StreakRow.current > 0)
                )
            )
            skipped = set(
                await session.scalars(
                    select(SkippedDay.day).where(SkippedDay.member_id == member.id)
                )
            )
            at_risk = []
            ends: list[datetime] = []
            today: date | None = None
            for row in rows:
                zone = await member_zone(session, member.id, row.guild_id)
                today = local_date(now, zone)
                midnight = datetime.combine(today + timedelta(days=1), time(0), zone)
                if now < midnight - timedelta(hours=member.remind_hours or DEFAULT_HOURS):
                    continue
                state = rules.Streak(
                    row.last_day, row.current, row.longest, row.freezes, row.started
                )
                seen = rules.view(state, today, skipped)
                if seen.current and seen.at_risk:
                    at_risk.append((row.guild_id, seen.current))
                    ends.append(midnight)
            if not at_risk or today is None:
                continue
            claimed = await session.execute(
                update(Member)
                .where(
                    Member.id == member.id,
                    or_(Member.reminded_on.is_(None), Member.reminded_on < today),
                )
                .values(reminded_on=today)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                found.append(Reminder(member.id, at_risk, min(ends)))
        await session.commit()
    return found


async def settings_of(sessions: Sessions, member_id: int) -> int | None:
    async with sessions() as session:
        return await session.scalar(select(Member.remind_hours).where(Member.id == member_id))
