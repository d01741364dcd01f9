"""Streaks kept from the activity table: catch-up applies new rows once, in order; cards show
the state as of the member's local today; a timezone change never turns into a miss."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import FrozenDay, Guild, StreakRow
from bot.domain.streaks import Streak, replay
from bot.services import streaks
from bot.services.activity import record_activity

Sessions = async_sessionmaker[AsyncSession]
GUILD, ADA = 1 << 40, 11
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # noon in London


async def act(sessions: Sessions, at: datetime, member: int = ADA, ref: str | None = None) -> None:
    async with sessions() as session:
        await record_activity(
            session,
            member_id=member,
            guild_id=GUILD,
            kind="daily_answer",
            ref=ref or f"daily:{at.isoformat()}",
            at=at,
        )
        await session.commit()


async def test_catch_up_applies_new_activity_once_and_cards_show_today(
    session_factory: Sessions,
) -> None:
    sessions = session_factory
    async with sessions() as session:
        session.add(Guild(id=GUILD, timezone="Europe/London", joined_at=T0, updated_at=T0))
        await session.commit()
    for n in [*range(7), 8]:  # days 1-7, then day 9: day 8 bridged by the freeze
        await act(sessions, T0 + timedelta(days=n))
        await act(sessions, T0 + timedelta(days=n, hours=1))  # a second activity that day
    notices = await streaks.catch_up(sessions)
    assert [n.milestones for n in notices] == [(7,)]
    assert notices[0].frozen == (date(2026, 3, 9),)
    assert await streaks.catch_up(sessions) == [], "nothing new: nothing applied twice"
    async with sessions() as session:
        row = await session.get(StreakRow, (ADA, GUILD))
        frozen = list(await session.scalars(select(FrozenDay.day)))
    assert row is not None and (row.current, row.longest, row.freezes) == (8, 8, 0)
    assert frozen == [date(2026, 3, 9)]

    card = await streaks.card(sessions, ADA, GUILD, T0 + timedelta(days=8, hours=5))
    assert card.today == date(2026, 3, 10) and card.view.current == 8
    assert card.active[date(2026, 3, 2)] == 2 and date(2026, 3, 9) in card.frozen
    later = await streaks.card(sessions, ADA, GUILD, T0 + timedelta(days=10))
    assert later.view.current == 0 and later.view.longest == 8, "two missed days, no freeze"


async def test_a_timezone_change_that_skips_a_date_is_not_a_miss(
    session_factory: Sessions,
) -> None:
    sessions = session_factory
    far_west = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # 23:00 on 2 March at UTC-12
    async with sessions() as session:
        session.add(Guild(id=GUILD, timezone="UTC", joined_at=T0, updated_at=T0))
        await session.commit()
    await streaks.set_timezone(sessions, ADA, GUILD, "Etc/GMT+12", T0)
    for n in range(3):
        await act(sessions, far_west - timedelta(days=2 - n))  # 28 Feb .. 2 Mar, local
    before, after = await streaks.set_timezone(
        sessions, ADA, GUILD, "Pacific/Kiritimati", far_west + timedelta(minutes=35)
    )
    assert (before, after) == (date(2026, 3, 2), date(2026, 3, 4)), "3 March never happened"
    await act(sessions, far_west + timedelta(minutes=40))  # 4 March in Kiritimati
    await streaks.catch_up(sessions)
    card = await streaks.card(sessions, ADA, GUILD, far_west + timedelta(minutes=50))
    assert card.view.current == 4 and not card.frozen
    assert replay(card.active, {date(2026, 3, 3)}) == Streak(
        date(2026, 3, 4), 4, 4, 0, date(2026, 2, 28)
    )


async def test_a_guild_timezone_change_skips_dates_for_members_on_the_guilds_clock(
    session_factory: Sessions,
) -> None:
    sessions = session_factory
    late = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # 23:00 on 2 March at UTC-12
    async with sessions() as session:
        session.add(Guild(id=GUILD, timezone="Etc/GMT+12", joined_at=T0, updated_at=T0))
        await session.commit()
    for n in range(3):
        await act(sessions, late - timedelta(days=2 - n))  # 28 Feb .. 2 Mar at UTC-12
    await streaks.catch_up(sessions)
    moved = await streaks.guild_timezone_changed(
        sessions, GUILD, "Etc/GMT+12", "Pacific/Kiritimati", late + timedelta(minutes=35)
    )
    assert moved == 1
    async with sessions() as session:
        guild = await session.get(Guild, GUILD)
        assert guild is not None
        guild.timezone = "Pacific/Kiritimati"
        await session.commit()
    await act(sessions, late + timedelta(minutes=40))  # 4 March in Kiritimati
    await streaks.catch_up(sessions)
    card = await streaks.card(sessions, ADA, GUILD, late + timedelta(minutes=50))
    assert card.today == date(2026, 3, 4) and card.view.current == 4 and not card.frozen


async def test_a_dst_week_counts_every_local_day_once(session_factory: Sessions) -> None:
    """New York springs forward on 8 March 2026: answers at 23:30 local every day that week
    (04:30 UTC the next day before the change, 03:30 after) are seven days in a row."""
    sessions = session_factory
    async with sessions() as session:
        session.add(Guild(id=GUILD, timezone="America/New_York", joined_at=T0, updated_at=T0))
        await session.commit()
    for n in range(7):
        local = datetime(2026, 3, 5 + n, 23, 30, tzinfo=ZoneInfo("America/New_York"))
        await act(sessions, local.astimezone(UTC))
    await streaks.catch_up(sessions)
    card = await streaks.card(sessions, ADA, GUILD, datetime(2026, 3, 12, 16, 0, tzinfo=UTC))
    assert sorted(card.active) == [date(2026, 3, 5 + n) for n in range(7)]
    assert (card.view.current, card.view.freezes) == (7, 1) and not card.frozen


async def test_the_streak_board_ranks_live_streaks_on_each_members_day(
    session_factory: Sessions,
) -> None:
    """Fourteen members in London with streaks of 1-14 days ending on 15 March, and one in
    Tokyo with 20 days ending on Tokyo's 15 March. Streaks of 7 or more hold freezes (one at
    7, two at 14), so each breaks at its own member's midnight, freezes counted: the board
    and the caller's rank (1 day, 15th, far outside the top 10) follow exactly."""
    from bot.db.models import Member
    from bot.services import leaderboard

    sessions = session_factory
    async with sessions() as session:
        session.add(Guild(id=GUILD, timezone="Europe/London", joined_at=T0, updated_at=T0))
        session.add(Member(id=99, timezone="Asia/Tokyo"))
        await session.commit()
    last = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    for member in range(1, 15):
        for n in range(member):
            await act(sessions, last - timedelta(days=n), member=member)
    for n in range(20):
        await act(sessions, last - timedelta(days=n, hours=9), member=99)  # noon in Tokyo
    await streaks.catch_up(sessions)

    async def on(*when: int) -> leaderboard.Board:
        return await leaderboard.board(
            sessions,
            guild_id=GUILD,
            board="streak",
            period="week",
            caller_id=1,
            now=datetime(*when, tzinfo=UTC),  # type: ignore[misc]
        )

    everyone = await on(2026, 3, 16, 23, 59)
    assert [(e.member_id, e.value) for e in everyone.top] == [(99, 20.0)] + [
        (m, float(m)) for m in range(14, 5, -1)
    ]
    assert everyone.caller is not None and (everyone.caller.rank, everyone.caller.value) == (
        15,
        1.0,
    )
    assert everyone.period == "all"
    london_17 = await on(2026, 3, 17, 0, 0)  # no freezes: streaks of 1-6 break
    assert [e.member_id for e in london_17.top] == [99, *range(14, 6, -1)]
    assert london_17.caller is None
    tokyo_late = await on(2026, 3, 18, 14, 59)  # one freeze used up in London; 23:59 in Tokyo
    assert [e.member_id for e in tokyo_late.top] == [99, 14]
    tokyo_19 = await on(2026, 3, 18, 15, 0)  # 19 March in Tokyo: both freezes used, broken
    assert [(e.rank, e.member_id) for e in tokyo_19.top] == [(1, 14)]


async def test_a_timezone_change_moves_when_a_streak_breaks(session_factory: Sessions) -> None:
    sessions = session_factory
    async with sessions() as session:
        session.add(Guild(id=GUILD, timezone="Europe/London", joined_at=T0, updated_at=T0))
        await session.commit()
    for member in (ADA, 12):
        for n in range(3):
            await act(sessions, T0 + timedelta(days=n), member=member)  # 2-4 March
    await streaks.catch_up(sessions)

    async def breaks(member: int) -> datetime | None:
        async with sessions() as session:
            row = await session.get(StreakRow, (member, GUILD))
            assert row is not None
            return row.breaks_at

    assert await breaks(ADA) == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)  # London's 6 March
    now = T0 + timedelta(days=2, hours=6)
    await streaks.set_timezone(sessions, ADA, GUILD, "America/New_York", now)
    assert await breaks(ADA) == datetime(2026, 3, 6, 5, 0, tzinfo=UTC)  # New York's
    await streaks.guild_timezone_changed(sessions, GUILD, "Europe/London", "Asia/Tokyo", now)
    assert await breaks(12) == datetime(2026, 3, 5, 15, 0, tzinfo=UTC)  # Tokyo's 6 March
    assert await breaks(ADA) == datetime(2026, 3, 6, 5, 0, tzinfo=UTC), "has a zone of its own"
