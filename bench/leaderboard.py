"""Leaderboards over 50,000 members with a year of activity: how long does each board take?

    python -m bench.leaderboard [--members 50000] [--days 365] [--repeat 100]

A temp SQLite file (WAL), migrated by the project's own Alembic migrations and used through
its own SQLAlchemy stack. One guild; each member is active on a random ~11% of the last
`days` days (about 2 million activity rows at the defaults), with the per-period totals the
bot maintains (this week, this month, all time, and the previous weeks and months) and a
streak row each, written in bulk as the bot would have left them.

Timed, `--repeat` times each after a warm-up: every board and period through
`bot.services.leaderboard.board` (top 10 and the caller's rank), the caller's rank alone, and
recording one activity through `bot.services.activity.record_activity` in its own
transaction, alone and followed by the streak and score catch-ups it feeds.
Baselines in the same run, same engine and sessions: an indexed top-10
`SELECT ... ORDER BY points DESC LIMIT 10` on one column, and a single-row insert-and-commit.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from bench._common import machine_note, progress, table
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import ScoreTotal
from bot.domain.leaderboard import PERIODS, period_start
from bot.domain.streaks import Streak, breaks_at
from bot.services import leaderboard, streaks
from bot.services.activity import record_activity

GUILD = 1 << 40
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")  # the guild's


def caller_of(members: int) -> int:
    """The member who asks for every board: a middling one, far outside the top 10."""
    return 10_000_000 + members // 2


def build(path: Path, members: int, days: int) -> int:
    """Bulk-write the synthetic guild with plain sqlite3 (far faster than the ORM; the
    timed part goes through the stack). Returns the number of activity rows."""
    rng = random.Random(7)
    caller = caller_of(members)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    today = NOW.date()
    db.execute(
        "INSERT INTO guilds (id, timezone, joined_at, updated_at) VALUES (?, 'UTC', ?, ?)",
        (GUILD, NOW.isoformat(), NOW.isoformat()),
    )
    rows = 0
    batch: list[tuple[object, ...]] = []
    totals: list[tuple[object, ...]] = []
    streak_rows: list[tuple[object, ...]] = []
    for m in range(1, members + 1):
        member = 10_000_000 + m
        active = sorted(rng.sample(range(days), k=max(1, int(days * rng.uniform(0.02, 0.2)))))
        for d in active:
            day = today - timedelta(days=d)
            at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
            batch.append(
                (member, GUILD, "daily_answer", f"daily:{d}", at.isoformat(), day.isoformat())
            )
        rows += len(active)
        if len(batch) > 200_000:
            db.executemany(
                "INSERT INTO activities (member_id, guild_id, kind, ref, occurred_at, local_date)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                batch,
            )
            batch.clear()
        for period in PERIODS:
            starts = [period_start(period, today)]
            if period == "week":
                starts += [period_start(period, today - timedelta(weeks=w)) for w in range(1, 9)]
            if period == "month":
                starts += [
                    period_start(period, today.replace(day=1) - timedelta(days=30 * k))
                    for k in range(1, 4)
                ]
            for start in starts:
                # The caller (see `caller_of`) is on every board, so their rank is timed.
                graded = rng.randint(10 if member == caller else 0, 40)
                correct = rng.randint(0, graded)
                quiz_points = rng.randint(1 if member == caller else 0, 5000)
                totals.append(
                    (
                        GUILD,
                        period,
                        start.isoformat(),
                        member,
                        correct * 100 + quiz_points,
                        quiz_points,
                        correct,
                        graded,
                        correct * 10_000 // graded if graded else 0,
                    )
                )
        run = rng.randint(1 if member == caller else 0, 60)
        freezes = rng.randint(0, 2)
        cut = breaks_at(Streak(today, run, run, freezes), UTC_ZONE)
        streak_rows.append(
            (
                member,
                GUILD,
                today.isoformat(),
                run,
                run + rng.randint(0, 30),
                freezes,
                0,
                cut.strftime("%Y-%m-%d %H:%M:%S.%f") if cut else None,
            )
        )
    if batch:
        db.executemany(
            "INSERT INTO activities (member_id, guild_id, kind, ref, occurred_at, local_date)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            batch,
        )
    db.executemany(
        "INSERT INTO score_totals (guild_id, period, period_start, member_id, points, quiz_points,"
        " correct, graded, accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        totals,
    )
    db.executemany(
        "INSERT INTO streaks (member_id, guild_id, last_day, current, longest, freezes,"
        " last_activity_id, breaks_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-11-25 12:00:00.000000')",
        streak_rows,
    )
    last = db.execute("SELECT max(id) FROM activities").fetchone()[0]
    for key in ("streaks.cursor",):
        db.execute(
            "INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?)",
            (key, str(last), NOW.isoformat()),
        )
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return rows


async def timed(repeat: int, work: Callable[[int], Awaitable[object]]) -> tuple[float, float]:
    """p50 and p95 in ms of `repeat` runs of `work` after a warm-up."""
    return (await timed_together(repeat, [work]))[0]


async def timed_together(
    repeat: int, works: list[Callable[[int], Awaitable[object]]]
) -> list[tuple[float, float]]:
    """`timed` for several pieces of work run in turn within each repetition."""
    for work in works:
        await work(-1)  # warm-up
    samples: list[list[float]] = [[] for _ in works]
    for i in range(repeat):
        for work, times in zip(works, samples, strict=True):
            t0 = time.perf_counter()
            await work(i)
            times.append((time.perf_counter() - t0) * 1000)
    return [_p50_p95(times) for times in samples]


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


async def run(members: int, days: int, repeat: int) -> list[tuple[str, float, float]]:
    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        engine = create_engine(url)
        progress("migrating a fresh database")
        await upgrade(engine)
        progress(f"writing {members:,} members with {days} days of activity")
        rows = build(path, members, days)
        progress(f"{rows:,} activity rows written")
        sessions = create_session_factory(engine)
        caller = caller_of(members)
        results: list[tuple[str, float, float]] = []

        async def top10(_: int) -> None:
            async with sessions() as session:
                await session.execute(
                    select(ScoreTotal.member_id, ScoreTotal.points)
                    .where(
                        ScoreTotal.guild_id == GUILD,
                        ScoreTotal.period == "all",
                        ScoreTotal.period_start == date(1970, 1, 1),
                    )
                    .order_by(ScoreTotal.points.desc())
                    .limit(10)
                )

        results.append(("baseline: indexed top-10 SELECT", *await timed(repeat, top10)))
        for board in ("points", "quiz", "accuracy", "streak"):
            for period in PERIODS if board != "streak" else ("all",):

                async def one(_: int, board: str = board, period: str = period) -> None:
                    shown = await leaderboard.board(
                        sessions,
                        guild_id=GUILD,
                        board=board,
                        period=period,
                        caller_id=caller,
                        now=NOW,
                    )
                    assert len(shown.top) == 10 and shown.caller is not None, (board, period)

                progress(f"board {board}, {period}")
                results.append(
                    (f"board {board}, {period} (top 10 + your rank)", *await timed(repeat, one))
                )

        async def bare(i: int) -> None:
            async with sessions() as session:
                await session.execute(
                    text("INSERT INTO app_state (key, value, updated_at) VALUES (:k, 'x', '2026')"),
                    {"k": f"bench:{i}:{time.perf_counter_ns()}"},
                )
                await session.commit()

        async def record(i: int) -> None:
            async with sessions() as session:
                await record_activity(
                    session,
                    member_id=caller + i + 2,
                    guild_id=GUILD,
                    kind="quiz_round",
                    ref=f"quiz:bench:{i}:{time.perf_counter_ns()}",
                    at=NOW,
                )
                await session.commit()

        async def record_and_fold(i: int) -> None:
            await record(i + 10_000)
            await streaks.catch_up(sessions)
            await leaderboard.catch_up(sessions)

        # Interleaved, one of each in turn, so a noisy moment on the machine hits all three.
        bare_times, record_times, fold_times = await timed_together(
            repeat, [bare, record, record_and_fold]
        )
        results.append(("baseline: single-row insert + commit", *bare_times))
        results.append(("record one activity", *record_times))
        results.append(("record one activity + streak/score catch-up", *fold_times))
        await engine.dispose()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    results = asyncio.run(run(args.members, args.days, args.repeat))
    base_select = results[0][2]
    base_insert = next(r for r in results if r[0].startswith("baseline: single-row"))[2]
    rows = []
    for name, p50, p95 in results:
        ratio = base_insert if "activity" in name or "insert" in name else base_select
        rows.append((name, f"{p50:.2f}", f"{p95:.2f}", f"{p95 / ratio:.2f}"))
    print()
    print(table(("what", "p50 ms", "p95 ms", "p95 / its baseline"), rows))
    print()
    worst = max(p95 for name, _, p95 in results if name.startswith("board"))
    record_p95 = next(p95 for name, _, p95 in results if name == "record one activity")
    print(
        f"targets: every board under 50 ms p95 (worst {worst:.1f} ms: "
        f"{'met' if worst < 50 else 'NOT met'}); recording within 2x of the bare insert "
        f"({record_p95 / base_insert:.2f}x: "
        f"{'met' if record_p95 <= 2 * base_insert else 'NOT met'}). "
        f"{args.members:,} members, {args.days} days, {args.repeat} runs each; {machine_note()}"
    )


if __name__ == "__main__":
    main()
