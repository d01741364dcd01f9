""" "Streak at risk" reminders: a DM some hours before a member's local midnight when they
have a streak and nothing yet today; at most one a day, claimed in the database (a restart
or a second process never sends it twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Member, StreakRow
from bot.domain.errors import BadInput
from bot.services import streaks

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
        members = {
            m.id: m
            for m in await session.scalars(select(Member).where(Member.remind_hours.is_not(None)))
        }
        rows = list(
            await session.scalars(
                select(StreakRow).where(
                    StreakRow.member_id.in_(sorted(members)), StreakRow.current > 0
                )
            )
        )
        seen = await streaks.as_seen(session, rows, now)
        at_risk: dict[int, list[tuple[int, int, date, datetime]]] = {}
        for (member_id, guild_id), v in seen.items():
            midnight = datetime.combine(v.today + timedelta(days=1), time(0), v.zone)
            hours = members[member_id].remind_hours or DEFAULT_HOURS
            if now >= midnight - timedelta(hours=hours) and v.view.current and v.view.at_risk:
                at_risk.setdefault(member_id, []).append(
                    (guild_id, v.view.current, v.today, midnight)
                )
        for member_id, risks in at_risk.items():
            today = max(r[2] for r in risks)
            claimed = await session.execute(
                update(Member)
                .where(
                    Member.id == member_id,
                    or_(Member.reminded_on.is_(None), Member.reminded_on < today),
                )
                .values(reminded_on=today)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                found.append(
                    Reminder(member_id, [(g, n) for g, n, _, _ in risks], min(r[3] for r in risks))
                )
        await session.commit()
    return found


async def settings_of(sessions: Sessions, member_id: int) -> int | None:
    async with sessions() as session:
        return await session.scalar(select(Member.remind_hours).where(Member.id == member_id))
