"""Streaks kept up to date from the activity table, and what a member's streak looks like.

Every feature records activity through `bot.services.activity` (inline batches included),
and nothing else: `catch_up` then applies the activities recorded since it last ran, in id
order, to each member's stored streak with `bot.domain.streaks.advance`: new rows only,
never a member's history (except a day that arrives before the last one, after a timezone
moved west: that member's days are replayed). It runs before every streak read and on a
timer, so what members see never waits for it.

A timezone change records the local dates it jumped over (`SkippedDay`): they are not misses.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.inserts import insert_ignoring_duplicates
from bot.db.models import (
    Activity,
    DailyConfig,
    FrozenDay,
    Member,
    PendingNotice,
    SkippedDay,
    StreakRow,
)
from bot.domain import streaks as rules
from bot.domain.schedule import local_date
from bot.domain.streaks import Streak, View
from bot.services import app_state
from bot.services.activity import member_zone, zones_for

Sessions = async_sessionmaker[AsyncSession]
CURSOR = "streaks.cursor"  # app_state: the last activity id applied
BATCH = 5000
HEATMAP_WEEKS = 26


@dataclass(frozen=True)
class Notice:
    """Something a member should hear about, from one catch-up."""

    member_id: int
    guild_id: int
    frozen: tuple[date, ...] = ()  # freezes used on these days
    milestones: tuple[int, ...] = ()
    current: int = 0


@dataclass(frozen=True)
class Card:
    """A member's streak as of their local today, with the days the heatmap draws."""

    member_id: int
    guild_id: int
    today: date
    view: View
    active: dict[date, int] = field(default_factory=dict)  # the last 26 weeks
    frozen: set[date] = field(default_factory=set)


_lock = asyncio.Lock()


async def catch_up(sessions: Sessions) -> list[Notice]:
    """Apply every activity recorded since the last catch-up; returns what to tell whom."""
    notices: list[Notice] = []
    async with _lock:  # one catch-up at a time in a process; the cursor orders the rest
        while True:
            batch, more = await _catch_up_batch(sessions)
            notices += batch
            if not more:
                return notices


async def _catch_up_batch(sessions: Sessions) -> tuple[list[Notice], bool]:
    async with sessions() as session:
        cursor = int(await app_state.value_in(session, CURSOR) or 0)
        rows = (
            await session.execute(
                select(Activity.id, Activity.member_id, Activity.guild_id, Activity.local_date)
                .where(Activity.id > cursor)
                .order_by(Activity.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return [], False
        groups: dict[tuple[int, int], list[tuple[int, date]]] = defaultdict(list)
        for activity_id, member_id, guild_id, day in rows:
            groups[(member_id, guild_id)].append((activity_id, day))
        keys = sorted(groups)
        stored = {
            (r.member_id, r.guild_id): r
            for r in await session.scalars(
                select(StreakRow).where(tuple_(StreakRow.member_id, StreakRow.guild_id).in_(keys))
            )
        }
        skipped = await _skipped(session, {m for m, _ in keys})
        zones = await zones_for(session, keys)
        notices: list[Notice] = []
        frozen_rows: list[dict[str, object]] = []
        for key in keys:
            member_id, guild_id = key
            row = stored.get(key)
            if row is None:
                row = StreakRow(member_id=member_id, guild_id=guild_id, last_activity_id=0)
                session.add(row)
            state = state_of(row)
            frozen: list[date] = []
            reached: list[int] = []
            for activity_id, day in groups[key]:
                if activity_id <= row.last_activity_id:
                    continue  # applied already (by another process)
                change = rules.advance(state, day, skipped.get(member_id, set()))
                if change.out_of_order:
                    state = rules.replay(
                        await _active_days(session, member_id, guild_id, activity_id),
                        skipped.get(member_id, set()),
                    )
                else:
                    state = change.streak
                    frozen += change.frozen
                    reached += change.milestones
            _store(row, state, groups[key][-1][0])
            row.breaks_at = rules.breaks_at(state, zones[key], skipped.get(member_id, set()))
            frozen_rows += [
                {"member_id": member_id, "guild_id": guild_id, "day": d} for d in frozen
            ]
            if frozen or reached:
                notices.append(
                    Notice(member_id, guild_id, tuple(frozen), tuple(reached), state.current)
                )
        if frozen_rows:
            await session.execute(
                insert_ignoring_duplicates(session, FrozenDay.__table__), frozen_rows
            )
        await app_state.set_in(session, CURSOR, str(rows[-1][0]))
        await session.commit()
    return notices, len(rows) == BATCH


@dataclass(frozen=True)
class Seen:
    """A stored streak as its member sees it now."""

    zone: ZoneInfo
    today: date
    view: View


async def as_seen(
    session: AsyncSession, rows: Sequence[StreakRow], now: datetime
) -> dict[tuple[int, int], Seen]:
    """Each streak on its member's local today (their timezone, else the guild's), with the
    dates their timezone changes skipped: what `/streak`, the streak board, milestone roles
    and reminders all go by. Two queries whatever the number of rows."""
    zones = await zones_for(session, {(r.member_id, r.guild_id) for r in rows})
    skipped = await _skipped(session, {r.member_id for r in rows})
    seen = {}
    for r in rows:
        zone = zones[(r.member_id, r.guild_id)]
        today = local_date(now, zone)
        view = rules.view(state_of(r), today, skipped.get(r.member_id, set()))
        seen[(r.member_id, r.guild_id)] = Seen(zone, today, view)
    return seen


async def card(sessions: Sessions, member_id: int, guild_id: int, now: datetime) -> Card:
    """What `/streak` shows, as of the member's local today."""
    async with sessions() as session:
        zone = await member_zone(session, member_id, guild_id)
        today = local_date(now, zone)
        row = await session.get(StreakRow, (member_id, guild_id))
        skipped = (await _skipped(session, {member_id})).get(member_id, set())
        state = state_of(row) if row else Streak()
        seen = rules.view(state, today, skipped)
        since = today - timedelta(weeks=HEATMAP_WEEKS)
        active = dict(
            (
                await session.execute(
                    select(Activity.local_date, func.count())
                    .where(
                        Activity.member_id == member_id,
                        Activity.guild_id == guild_id,
                        Activity.local_date > since,
                    )
                    .group_by(Activity.local_date)
                )
            ).all()
        )
        frozen = set(
            await session.scalars(
                select(FrozenDay.day).where(
                    FrozenDay.member_id == member_id,
                    FrozenDay.guild_id == guild_id,
                    FrozenDay.day > since,
                )
            )
        )
    return Card(member_id, guild_id, today, seen, active, frozen | set(seen.frozen))


async def set_timezone(
    sessions: Sessions, member_id: int, guild_id: int, timezone: str, now: datetime
) -> tuple[date, date]:
    """A member's own timezone, for every guild. Local dates the change jumps over are
    recorded as skipped (never misses); past days stay as they were. Returns the local date
    before and after."""
    async with sessions() as session:
        before = local_date(now, await member_zone(session, member_id, guild_id))
        after = local_date(now, ZoneInfo(timezone))
        member = await session.get(Member, member_id)
        if member is None:
            member = Member(id=member_id, created_at=now, updated_at=now)
            session.add(member)
        member.timezone = timezone
        member.updated_at = now
        jumped = [
            {"member_id": member_id, "day": before + timedelta(days=i)}
            for i in range(1, (after - before).days)
        ]
        if jumped:
            await session.execute(insert_ignoring_duplicates(session, SkippedDay.__table__), jumped)
        await _refresh_breaks(session, StreakRow.member_id == member_id)
        await session.commit()
    return before, after


async def guild_timezone_changed(
    sessions: Sessions, guild_id: int, old: str, new: str, now: datetime
) -> int:
    """A guild's timezone changed: for its members who count days in it (no timezone of
    their own), the local dates the change jumps over are skipped, not missed. Returns how
    many members that concerned."""
    if old == new:
        return 0
    before, after = local_date(now, ZoneInfo(old)), local_date(now, ZoneInfo(new))
    jumped = [before + timedelta(days=i) for i in range(1, (after - before).days)]
    async with sessions() as session:
        members = list(
            await session.scalars(
                select(StreakRow.member_id)
                .outerjoin(Member, Member.id == StreakRow.member_id)
                .where(StreakRow.guild_id == guild_id, Member.timezone.is_(None))
            )
        )
        rows = [{"member_id": m, "day": d} for m in members for d in jumped]
        if rows:
            await session.execute(insert_ignoring_duplicates(session, SkippedDay.__table__), rows)
        # Their streaks now break at the new zone's midnight.
        await _refresh_breaks(
            session,
            StreakRow.guild_id == guild_id,
            StreakRow.member_id.not_in(select(Member.id).where(Member.timezone.is_not(None))),
            zone=ZoneInfo(new),
        )
        await session.commit()
    return len(members) if jumped else 0


async def keep_notice(
    sessions: Sessions, member_id: int, guild_id: int, text: str, now: datetime
) -> None:
    """A notice the member's closed DMs refused: they get it with their next reply."""
    async with sessions() as session:
        session.add(
            PendingNotice(member_id=member_id, guild_id=guild_id, text=text[:500], created_at=now)
        )
        await session.commit()


async def take_notices(sessions: Sessions, member_id: int) -> list[str]:
    """The member's kept notices, oldest first, now delivered (so removed)."""
    async with sessions() as session:
        rows = list(
            await session.scalars(
                select(PendingNotice)
                .where(PendingNotice.member_id == member_id)
                .order_by(PendingNotice.id)
            )
        )
        for row in rows:
            await session.delete(row)
        await session.commit()
    return [r.text for r in rows]


async def members_with_notices(sessions: Sessions) -> set[int]:
    async with sessions() as session:
        return set(await session.scalars(select(PendingNotice.member_id).distinct()))


async def announce_channel(sessions: Sessions, guild_id: int) -> int | None:
    """Where milestones are announced: the guild's daily channel (None without one)."""
    async with sessions() as session:
        return await session.scalar(
            select(DailyConfig.channel_id).where(DailyConfig.guild_id == guild_id)
        )


async def zone_name(sessions: Sessions, member_id: int, guild_id: int) -> str:
    """The member's timezone, or the guild's with a note that it is the guild's."""
    async with sessions() as session:
        own = await session.scalar(select(Member.timezone).where(Member.id == member_id))
        zone = await member_zone(session, member_id, guild_id)
    return own or f"{zone.key} (this server's; set yours with `/profile timezone`)"


# ---- helpers -------------------------------------------------------------------------------


def state_of(row: StreakRow) -> Streak:
    """A stored streak as the rules' value."""
    return Streak(row.last_day, row.current or 0, row.longest or 0, row.freezes or 0, row.started)


def _store(row: StreakRow, state: Streak, last_activity_id: int) -> None:
    row.last_day = state.last_day
    row.current = state.current
    row.longest = state.longest
    row.freezes = state.freezes
    row.started = state.started
    row.last_activity_id = last_activity_id


async def _refresh_breaks(
    session: AsyncSession, *where: ColumnElement[bool], zone: ZoneInfo | None = None
) -> None:
    """Work `breaks_at` out again for the live streaks `where` selects (in `zone`, else each
    member's as stored), after a timezone change moved their midnight or skipped some of their
    dates."""
    rows = list(await session.scalars(select(StreakRow).where(StreakRow.current > 0, *where)))
    if not rows:
        return
    keys = {(r.member_id, r.guild_id) for r in rows}
    zones = {key: zone for key in keys} if zone else await zones_for(session, keys)
    skipped = await _skipped(session, {m for m, _ in keys})
    for row in rows:
        row.breaks_at = rules.breaks_at(
            state_of(row), zones[(row.member_id, row.guild_id)], skipped.get(row.member_id, set())
        )


async def _skipped(session: AsyncSession, members: set[int]) -> dict[int, set[date]]:
    found: dict[int, set[date]] = defaultdict(set)
    for member_id, day in await session.execute(
        select(SkippedDay.member_id, SkippedDay.day).where(
            SkippedDay.member_id.in_(sorted(members))
        )
    ):
        found[member_id].add(day)
    return found


async def _active_days(
    session: AsyncSession, member_id: int, guild_id: int, up_to: int
) -> Sequence[date]:
    return list(
        await session.scalars(
            select(Activity.local_date)
            .where(
                Activity.member_id == member_id,
                Activity.guild_id == guild_id,
                Activity.id <= up_to,
            )
            .distinct()
        )
    )
