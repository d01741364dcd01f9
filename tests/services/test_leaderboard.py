"""Leaderboard totals on a real database: calendar periods in the guild's timezone, each
answer folded in once, ranks with ties, the accuracy threshold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.schema import QuestionSpec
from bot.db.models import DailyAnswer, DailyPost, Guild, ScoreTotal
from bot.domain.errors import BadInput
from bot.domain.leaderboard import period_start
from bot.services import leaderboard
from bot.services.bank import sync_bank

Sessions = async_sessionmaker[AsyncSession]
GUILD = 1 << 40
# Sunday 1 March 2026, 23:30 UTC: already Monday 2 March in Tokyo (the guild's timezone).
SUNDAY_NIGHT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def test_periods_are_calendar_weeks_and_months() -> None:
    assert period_start("week", date(2026, 3, 8)) == date(2026, 3, 2)  # a Sunday
    assert period_start("week", date(2026, 3, 2)) == date(2026, 3, 2)
    assert period_start("month", date(2026, 3, 31)) == date(2026, 3, 1)
    with pytest.raises(ValueError):
        period_start("year", date(2026, 3, 1))


async def answers(sessions: Sessions, rows: list[tuple[int, bool | None, datetime]]) -> None:
    async with sessions() as session:
        tokyo = Guild(
            id=GUILD, timezone="Asia/Tokyo", joined_at=SUNDAY_NIGHT, updated_at=SUNDAY_NIGHT
        )
        session.add(tokyo)
        await session.flush()
        for n, (member, correct, at) in enumerate(rows):
            post = DailyPost(
                guild_id=GUILD,
                local_date=date(2026, 1, 1) + timedelta(days=n),
                question_id=1,
                channel_id=1,
                status="revealed",
                claimed_at=at,
            )
            session.add(post)
            await session.flush()
            session.add(
                DailyAnswer(
                    post_id=post.id,
                    guild_id=GUILD,
                    member_id=member,
                    correct=correct,
                    answered_at=at,
                )
            )
        await session.commit()


@pytest.fixture
async def sessions(session_factory: Sessions) -> Sessions:
    spec = QuestionSpec.model_validate(
        {
            "id": "lb-q1",
            "track": "coding",
            "topic": "t",
            "difficulty": "easy",
            "format": "single",
            "prompt": "Why does this matter at all?",
            "choices": ["Right", "Wrong"],
            "answer": "A",
            "explanation": "Because the key is right and the distractor is wrong.",
        }
    )
    await sync_bank(session_factory, [spec], SUNDAY_NIGHT)
    return session_factory


async def test_totals_follow_the_guilds_calendar_and_fold_each_answer_once(
    sessions: Sessions,
) -> None:
    last_week = SUNDAY_NIGHT - timedelta(hours=20)  # Sunday 1 March in Tokyo
    await answers(
        sessions,
        [
            (1, True, SUNDAY_NIGHT),  # Monday in Tokyo: this week
            (1, True, last_week),  # last week, same month
            (2, True, SUNDAY_NIGHT),
            (3, False, SUNDAY_NIGHT),
            (4, None, SUNDAY_NIGHT),  # an open question: not graded, no points
        ],
    )
    assert await leaderboard.catch_up(sessions) == 5
    assert await leaderboard.catch_up(sessions) == 0
    now = SUNDAY_NIGHT + timedelta(hours=1)
    week = await leaderboard.board(
        sessions, guild_id=GUILD, board="points", period="week", caller_id=3, now=now
    )
    assert [(e.rank, e.member_id, e.value) for e in week.top] == [(1, 1, 100.0), (1, 2, 100.0)]
    assert week.since == date(2026, 3, 2) and week.caller is None
    month = await leaderboard.board(
        sessions, guild_id=GUILD, board="points", period="month", caller_id=2, now=now
    )
    assert [(e.member_id, e.value) for e in month.top] == [(1, 200.0), (2, 100.0)]
    assert month.caller is not None and month.caller.rank == 2
    accuracy = await leaderboard.board(
        sessions, guild_id=GUILD, board="accuracy", period="all", caller_id=1, now=now
    )
    assert accuracy.top == [], "nobody has 10 graded answers yet"
    async with sessions() as session:
        rows = list(await session.scalars(select(ScoreTotal).where(ScoreTotal.member_id == 4)))
    assert {(r.period, r.points, r.graded) for r in rows} == {
        ("week", 0, 0),
        ("month", 0, 0),
        ("all", 0, 0),
    }
    with pytest.raises(BadInput):
        await leaderboard.board(
            sessions, guild_id=GUILD, board="karma", period="all", caller_id=1, now=now
        )


async def test_members_who_left_are_skipped_and_not_counted_ahead_of_the_caller(
    session_factory: Sessions,
) -> None:
    """Fifteen members, 1500 points down to 100; the top three left the guild. The board lists
    members 4-13, ranked 1-10, and member 15 (100 points) is 12th, not 15th."""
    async with session_factory() as session:
        session.add(
            Guild(id=GUILD, timezone="UTC", joined_at=SUNDAY_NIGHT, updated_at=SUNDAY_NIGHT)
        )
        for member in range(1, 16):
            points = (16 - member) * 100
            session.add(
                ScoreTotal(
                    guild_id=GUILD,
                    period="all",
                    period_start=period_start("all", date(2026, 3, 1)),
                    member_id=member,
                    points=points,
                    quiz_points=0,
                    correct=points // 100,
                    graded=points // 100,
                    accuracy=10_000,
                )
            )
        await session.commit()
    left = {1, 2, 3}

    async def present(member_id: int) -> bool:
        return member_id not in left

    for caller, rank in [(15, 12), (5, 2)]:
        result = await leaderboard.board(
            session_factory,
            guild_id=GUILD,
            board="points",
            period="all",
            caller_id=caller,
            now=SUNDAY_NIGHT,
            present=present,
        )
        assert [(e.rank, e.member_id) for e in result.top] == [(n - 3, n) for n in range(4, 14)]
        assert result.caller is not None and result.caller.rank == rank
    everyone = await leaderboard.board(
        session_factory,
        guild_id=GUILD,
        board="points",
        period="all",
        caller_id=15,
        now=SUNDAY_NIGHT,
    )
    assert everyone.caller is not None and everyone.caller.rank == 15
