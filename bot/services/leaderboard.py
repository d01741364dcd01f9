"""Leaderboards from totals maintained as answers arrive.

`catch_up` adds the daily answers and quiz answers recorded since it last ran to each
member's totals for the current week, month (calendar periods in the guild's timezone) and
all time: new rows only, in id order, one upsert per touched total. A board is then an
indexed read of one period's totals, and a member's rank one count. The streak board reads
the streaks, as members see them today.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import (
    DailyAnswer,
    DailyPost,
    Guild,
    Question,
    QuizAnswer,
    QuizQuestion,
    ScoreTotal,
    StreakRow,
)
from bot.domain import leaderboard as rules
from bot.domain.errors import BadInput
from bot.domain.schedule import local_date
from bot.services import app_state

Sessions = async_sessionmaker[AsyncSession]
CURSORS = {"daily": "scores.daily_cursor", "quiz": "scores.quiz_cursor"}
BATCH = 20_000
_lock = asyncio.Lock()


@dataclass(frozen=True)
class Entry:
    rank: int
    member_id: int
    value: float
    detail: str = ""


@dataclass(frozen=True)
class Board:
    board: str
    period: str
    since: date | None
    top: list[Entry]
    caller: Entry | None


async def catch_up(sessions: Sessions) -> int:
    """Fold new answers into the totals; returns how many were applied."""
    applied = 0
    async with _lock:
        while True:
            n = await _fold(sessions)
            applied += n
            if n < BATCH:
                return applied


async def _fold(sessions: Sessions) -> int:
    async with sessions() as session:
        cursors = {
            name: int(await app_state.value_in(session, key) or 0) for name, key in CURSORS.items()
        }
        daily = (
            await session.execute(
                select(
                    DailyAnswer.id,
                    DailyAnswer.guild_id,
                    DailyAnswer.member_id,
                    DailyAnswer.correct,
                    DailyAnswer.answered_at,
                )
                .where(DailyAnswer.id > cursors["daily"])
                .order_by(DailyAnswer.id)
                .limit(BATCH)
            )
        ).all()
        quiz = (
            await session.execute(
                select(
                    QuizAnswer.id,
                    QuizAnswer.guild_id,
                    QuizAnswer.member_id,
                    QuizAnswer.correct,
                    QuizAnswer.answered_at,
                    QuizAnswer.points,
                )
                .where(QuizAnswer.id > cursors["quiz"])
                .order_by(QuizAnswer.id)
                .limit(BATCH)
            )
        ).all()
        if not daily and not quiz:
            return 0
        guilds = {r.guild_id for r in daily} | {r.guild_id for r in quiz}
        zones = {
            g: ZoneInfo(tz or "UTC")
            for g, tz in await session.execute(
                select(Guild.id, Guild.timezone).where(Guild.id.in_(sorted(guilds)))
            )
        }
        totals: dict[tuple[int, str, date, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])

        def add(
            guild: int,
            member: int,
            at: datetime,
            points: int,
            quiz_points: int,
            correct: bool | None,
        ) -> None:
            day = local_date(at, zones.get(guild, ZoneInfo("UTC")))
            for period in rules.PERIODS:
                t = totals[(guild, period, rules.period_start(period, day), member)]
                t[0] += points
                t[1] += quiz_points
                if correct is not None:
                    t[2] += 1 if correct else 0
                    t[3] += 1

        for r in daily:
            add(
                r.guild_id,
                r.member_id,
                r.answered_at,
                rules.DAILY_POINTS if r.correct else 0,
                0,
                r.correct,
            )
        for r in quiz:
            add(r.guild_id, r.member_id, r.answered_at, r.points, r.points, r.correct)
        postgres = session.get_bind().dialect.name == "postgresql"
        insert = (pg_insert if postgres else sqlite_insert)(ScoreTotal.__table__)
        graded = ScoreTotal.__table__.c.graded + insert.excluded.graded
        upsert = insert.on_conflict_do_update(
            index_elements=["guild_id", "period", "period_start", "member_id"],
            set_={
                "points": ScoreTotal.__table__.c.points + insert.excluded.points,
                "quiz_points": ScoreTotal.__table__.c.quiz_points + insert.excluded.quiz_points,
                "correct": ScoreTotal.__table__.c.correct + insert.excluded.correct,
                "graded": graded,
                "accuracy": case(
                    (
                        graded > 0,
                        (ScoreTotal.__table__.c.correct + insert.excluded.correct)
                        * 10_000
                        / graded,
                    ),
                    else_=0,
                ),
            },
        )
        await session.execute(
            upsert,
            [
                {
                    "guild_id": g,
                    "period": p,
                    "period_start": start,
                    "member_id": m,
                    "points": v[0],
                    "quiz_points": v[1],
                    "correct": v[2],
                    "graded": v[3],
                    "accuracy": v[2] * 10_000 // v[3] if v[3] else 0,
                }
                for (g, p, start, m), v in totals.items()
            ],
        )
        if daily:
            await app_state.set_in(session, CURSORS["daily"], str(daily[-1].id))
        if quiz:
            await app_state.set_in(session, CURSORS["quiz"], str(quiz[-1].id))
        await session.commit()
        return max(len(daily), len(quiz))


async def board(
    sessions: Sessions,
    *,
    guild_id: int,
    board: str,
    period: str,
    caller_id: int,
    now: datetime,
    present: Callable[[int], Awaitable[bool]] | None = None,
) -> Board:
    """The top 10 of a board and period, and the caller's own rank and value. `present`,
    when given, says whether a member is still in the guild: members who left are neither
    listed nor counted in the ranks of those listed."""
    if board not in rules.BOARDS:
        raise BadInput(f"Unknown board “{board[:50]}”: pick one of {', '.join(rules.BOARDS)}.")
    if period not in rules.PERIODS:
        raise BadInput(f"Unknown period “{period[:50]}”: pick week, month or all.")
    async with sessions() as session:
        if board == "streak":
            # Streaks alive now, each on its member's local day (`breaks_at` is stored for it).
            period, start = "all", rules.ALL_TIME  # a streak has no period
            metric: Any = StreakRow.current
            member: Any = StreakRow.member_id
            details: tuple[Any, ...] = ()
            where = and_(
                StreakRow.guild_id == guild_id, StreakRow.current > 0, StreakRow.breaks_at > now
            )
        else:
            tz = await session.scalar(select(Guild.timezone).where(Guild.id == guild_id))
            start = rules.period_start(period, local_date(now, ZoneInfo(tz or "UTC")))
            member, details = ScoreTotal.member_id, (ScoreTotal.correct, ScoreTotal.graded)
            where = and_(
                ScoreTotal.guild_id == guild_id,
                ScoreTotal.period == period,
                ScoreTotal.period_start == start,
            )
            if board == "accuracy":
                metric = ScoreTotal.accuracy
                where = and_(where, ScoreTotal.graded >= rules.MIN_GRADED)
            else:
                metric = ScoreTotal.points if board == "points" else ScoreTotal.quiz_points
                where = and_(where, metric > 0)

        def entry(rank: int, member_id: int, value: int, *detail: int) -> Entry:
            shown = value / 10_000 if board == "accuracy" else float(value)
            return Entry(rank, member_id, shown, "/".join(map(str, detail)))

        rows = (
            await session.execute(
                select(member, metric, *details)
                .where(where)
                .order_by(metric.desc(), member)
                .limit(rules.TOP * 3)
            )
        ).all()
        top: list[Entry] = []
        values: list[float] = []  # of the present members listed so far, best first
        gone: list[float] = []  # values of members found to have left, passed over
        for member_id, value, *detail in rows:
            if present is not None and not await present(member_id):
                gone.append(float(value))
                continue
            top.append(entry(sum(1 for v in values if v > value) + 1, member_id, value, *detail))
            values.append(float(value))
            if len(top) == rules.TOP:
                break
        caller = next((e for e in top if e.member_id == caller_id), None)
        if caller is None:
            mine = (
                await session.execute(select(metric, *details).where(where, member == caller_id))
            ).first()
            if mine is not None:
                better = await session.scalar(select(func.count()).where(where, metric > mine[0]))
                # Members ahead who left are only known among those the top 10 passed over.
                better = int(better or 0) - sum(1 for v in gone if v > mine[0])
                caller = entry(better + 1, caller_id, *mine)
    return Board(board, period, None if period == "all" else start, top, caller)


@dataclass(frozen=True)
class Stats:
    points: int
    quiz_points: int
    tracks: list[tuple[str, int, int]]  # (track, correct, graded) of daily and quiz answers


async def stats(sessions: Sessions, guild_id: int, member_id: int) -> Stats:
    """A member's all-time points here and their accuracy per track (for /profile show)."""
    async with sessions() as session:
        total = await session.get(ScoreTotal, (guild_id, "all", rules.ALL_TIME, member_id))
        per_track: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        daily = await session.execute(
            select(
                Question.track,
                func.sum(case((DailyAnswer.correct.is_(True), 1), else_=0)),
                func.count(),
            )
            .join(DailyPost, DailyPost.id == DailyAnswer.post_id)
            .join(Question, Question.id == DailyPost.question_id)
            .where(
                DailyAnswer.guild_id == guild_id,
                DailyAnswer.member_id == member_id,
                DailyAnswer.correct.is_not(None),
            )
            .group_by(Question.track)
        )
        quiz = await session.execute(
            select(
                Question.track,
                func.sum(case((QuizAnswer.correct.is_(True), 1), else_=0)),
                func.count(),
            )
            .join(QuizQuestion, QuizQuestion.id == QuizAnswer.quiz_question_id)
            .join(Question, Question.id == QuizQuestion.question_id)
            .where(QuizAnswer.guild_id == guild_id, QuizAnswer.member_id == member_id)
            .group_by(Question.track)
        )
        for track, correct, graded in [*daily, *quiz]:
            per_track[track][0] += int(correct or 0)
            per_track[track][1] += int(graded or 0)
    return Stats(
        total.points if total else 0,
        total.quiz_points if total else 0,
        sorted((t, c, g) for t, (c, g) in per_track.items()),
    )
