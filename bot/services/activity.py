"""Member activity: the one call every feature makes when a member does something that counts.

Daily answers, quiz rounds, reviews and mock interviews all record here; streaks read only this
table. The member's local date is fixed when the activity happens (their own timezone, else the
guild's), so changing timezone later never moves past days.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Activity, Guild, Member
from bot.domain.schedule import local_date

KINDS = ("daily_answer", "quiz_round", "review", "interview")


async def member_zone(session: AsyncSession, member_id: int, guild_id: int) -> ZoneInfo:
    """The timezone a member's day is counted in: their own, else the guild's, else UTC."""
    own = await session.scalar(select(Member.timezone).where(Member.id == member_id))
    if own:
        return ZoneInfo(own)
    guild_tz = await session.scalar(select(Guild.timezone).where(Guild.id == guild_id))
    return ZoneInfo(guild_tz or "UTC")


async def record_activity(
    session: AsyncSession,
    *,
    member_id: int,
    guild_id: int,
    kind: str,
    ref: str,
    at: datetime,
) -> date:
    """Record one activity inside the caller's transaction (so it commits with the answer that
    caused it) and return the member's local date for it. Recording the same (kind, ref) twice
    is a no-op."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    day = local_date(at, await member_zone(session, member_id, guild_id))
    values = {
        "member_id": member_id,
        "guild_id": guild_id,
        "kind": kind,
        "ref": ref,
        "occurred_at": at,
        "local_date": day,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(Activity).values(**values).on_conflict_do_nothing())
    return day
