"""2,000 guilds whose daily question is due at the same minute: how long does one sweep take?

    python -m bench.daily_fanout [--guilds 2000]

The world (2,000 guilds, each with #general for the daily post and #baseline, the bot in all)
is built in the emulator before the bot connects; the real bot starts through `BotRunner` on a
temp SQLite file with a fake clock; every guild is configured through
`bot.services.daily.configure` for 13:00 UTC; the clock moves to 13:00 and `Daily.sweep()`
is timed until all posts exist.

Baseline, same run, same client: one `channel.send(embed=..., view=...)` of a daily-post
message per #baseline channel (the same embed and view builders, questions from the same
bank), issued with the same concurrency as the sweep, and no database work at all.
The emulator enforces no rate limits unless a test injects them; none are injected here.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import time
from dataclasses import dataclass
from datetime import time as clock_time
from datetime import timedelta
from typing import Any

import discord
from sqlalchemy import func, insert, select, update

from bench._common import machine_note, progress, quiet_logs, running_bot, table
from bot.clock import FakeClock
from bot.db.models import DailyConfig, DailyPost, Question
from bot.emulator import Channel, Emulator
from bot.services import daily
from bot.ui.daily import post_embed
from cogs.daily import _cog
from cogs.daily._views import answer_view

TITLE = "Question of the day"


@dataclass
class Result:
    name: str
    posts: int
    wall: float
    cpu: float

    @property
    def cpu_ms_per_post(self) -> float:
        return self.cpu * 1000 / self.posts


async def run(
    guild_count: int, rtt: float = 0.0, profile: int = 0, history_days: int = 0
) -> list[Result]:
    # The sweep's own bound on guilds handled at once; the baseline sends as many at once.
    concurrency = _cog.SWEEP_CONCURRENCY
    clock = FakeClock()  # 2 March 2026, 12:00 UTC
    emulator = Emulator(clock=clock)
    await emulator.start()
    try:
        progress(f"building {guild_count} guilds in the emulator")
        generals, baselines = [], []
        for i in range(guild_count):
            guild = emulator.create_guild(f"Bench {i}")
            generals.append(emulator.channel_named(guild, "general"))
            baselines.append(emulator.create_channel(guild, "baseline", dispatch=False))
        progress("starting the bot")
        async with running_bot(emulator, clock) as h:
            bot, sessions = h.bot, h.bot.services.sessions
            assert len(bot.guilds) == guild_count, f"the bot sees {len(bot.guilds)} guilds"
            progress("configuring every guild's daily question for 13:00 UTC")
            configuring = asyncio.Semaphore(8)

            async def configure(channel: Channel) -> None:
                async with configuring:
                    await daily.configure(
                        sessions,
                        guild_id=channel.guild_id or 0,
                        channel_id=channel.id,
                        post_time=clock_time(13, 0),
                        timezone="UTC",
                        topics=[],
                        difficulty=None,
                        reveal_hours=24,
                        ping_role_id=None,
                        now=clock.now(),
                    )

            await asyncio.gather(*(configure(c) for c in generals))
            if history_days:
                progress(f"adding {history_days} past daily posts to every guild")
                await add_history(sessions, [c.guild_id or 0 for c in generals], history_days)
            if rtt:
                # Loopback answers in well under a millisecond; Discord does not. Every REST
                # call of the bot (the baseline's and the sweep's alike) waits `rtt` first.
                request = bot.http.request

                async def far_away(*args: Any, **kwargs: Any) -> Any:
                    await asyncio.sleep(rtt)
                    return await request(*args, **kwargs)

                bot.http.request = far_away  # type: ignore[method-assign]
            async with sessions() as session:
                bank = [
                    daily.question_view(q)
                    for q in await session.scalars(
                        select(Question).where(Question.retired_at.is_(None)).order_by(Question.id)
                    )
                ]
            clock.advance(timedelta(hours=1))
            reveal_at = clock.now() + timedelta(hours=24)

            # ---- baseline: the same Discord calls, no database work -------------------
            progress(f"baseline: {guild_count} sends, {concurrency} at a time")
            gate = asyncio.Semaphore(concurrency)

            async def send(i: int, guild_id: int, channel_id: int) -> None:
                q = bank[i % len(bank)]
                channel = bot.text_channel(guild_id, channel_id)  # as the sweep finds its own
                assert channel is not None
                async with gate:
                    await channel.send(
                        content=None,
                        embed=post_embed(q, reveal_at=reveal_at),
                        view=answer_view(10_000_000 + i, q),
                        allowed_mentions=discord.AllowedMentions(roles=False),
                    )

            async def baseline_run(name: str) -> Result:
                before = sum(len(c.message_ids) for c in baselines)
                settle(bot)
                wall0, cpu0 = time.perf_counter(), time.process_time()
                await asyncio.gather(
                    *(send(i, c.guild_id or 0, c.id) for i, c in enumerate(baselines))
                )
                return Result(
                    name,
                    sum(len(c.message_ids) for c in baselines) - before,
                    time.perf_counter() - wall0,
                    time.process_time() - cpu0,
                )

            first = await baseline_run("baseline, before (send only)")

            # ---- cohort: one sweep posts every guild's question ----------------------
            progress("cohort: Daily.sweep()")
            cog = bot.get_cog("Daily")
            assert cog is not None
            settle(bot)
            profiler = cProfile.Profile() if profile else None
            wall0, cpu0 = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            await cog.sweep()  # type: ignore[attr-defined]
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            if profiler:
                profiler.disable()
                order = os.environ.get("BENCH_SORT", "tottime")
                pstats.Stats(profiler).sort_stats(order).print_stats(profile)
            posted = sum(
                1
                for c in generals
                for m in emulator.channel_messages(c)
                if m.embeds and m.embeds[0].get("title") == TITLE
            )
            async with sessions() as session:
                stored = await session.scalar(
                    select(func.count()).select_from(DailyPost).where(DailyPost.status == "posted")
                )
            cohort = Result("cohort (Daily.sweep)", posted, wall, cpu)
            assert posted == guild_count == stored, (posted, stored)
            progress("baseline again")
            second = await baseline_run("baseline, after (send only)")
            assert first.posts == second.posts == guild_count, (first.posts, second.posts)
            assert not emulator.errors, [str(e) for e in emulator.errors[:5]]
            assert not emulator.internal_errors, emulator.internal_errors[:5]
            return [first, cohort, second]
    finally:
        await emulator.stop()


async def add_history(sessions: Any, guild_ids: list[int], days: int) -> None:
    """Revealed posts of the `days` before today, one question a day in bank order (a new
    cycle every time the bank is used up), so the pick reads a real history."""
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Question.id).where(Question.retired_at.is_(None)).order_by(Question.id)
            )
        )
        config = await session.scalar(select(DailyConfig))
        start = config.cycle_started_at - timedelta(days=days)
        for guild_id in guild_ids:
            rows = [
                {
                    "guild_id": guild_id,
                    "local_date": (start + timedelta(days=d)).date(),
                    "question_id": ids[(guild_id + d) % len(ids)],
                    "channel_id": 1,
                    "message_id": 1,
                    "thread_id": 1,
                    "status": "revealed",
                    "attempts": 1,
                    "claimed_at": start + timedelta(days=d),
                    "posted_at": start + timedelta(days=d),
                    "reveal_at": start + timedelta(days=d + 1),
                    "revealed_at": start + timedelta(days=d + 1),
                }
                for d in range(days)
            ]
            await session.execute(insert(DailyPost), rows)
        # Each guild's cycle started with the last full pass over the bank.
        await session.execute(
            update(DailyConfig).values(
                cycle_started_at=start + timedelta(days=days - days % len(ids))
            )
        )
        first = (
            select(func.min(DailyPost.id))
            .where(
                DailyPost.guild_id == DailyConfig.guild_id,
                DailyPost.claimed_at >= DailyConfig.cycle_started_at,
            )
            .scalar_subquery()
        )
        await session.execute(update(DailyConfig).values(cycle_start_post_id=first))
        await session.commit()


def settle(bot: Any) -> None:
    """Start each run from the same state. discord.py keeps a rate-limit bucket per channel
    for five minutes and, past 256 of them, scans them all whenever a new one is made: a run
    that followed the other's 2,000 channels would pay for those too (about 1 ms a post)."""
    bot.http._buckets.clear()
    gc.collect()


def report(results: list[Result]) -> str:
    """Ratios against the mean of the two baselines, run before and after the sweep (single
    runs of the same sends vary by a quarter on these machines)."""
    baselines = [r for r in results if r.name.startswith("baseline")]
    base_wall = sum(r.wall for r in baselines) / len(baselines)
    base_cpu = sum(r.cpu_ms_per_post for r in baselines) / len(baselines)
    rows = [
        (
            r.name,
            r.posts,
            f"{r.wall:.2f}",
            f"{r.posts / r.wall:.0f}",
            f"{r.cpu_ms_per_post:.2f}",
            f"{r.wall / base_wall:.2f}",
            f"{r.cpu_ms_per_post / base_cpu:.2f}",
        )
        for r in results
    ]
    header = ("run", "posts", "wall s", "posts/s", "CPU ms/post", "wall ratio", "CPU ratio")
    return table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guilds", type=int, default=2000)
    parser.add_argument(
        "--rtt", type=float, default=0.0, help="seconds each REST call waits (network latency)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="override the sweep's SWEEP_CONCURRENCY"
    )
    parser.add_argument(
        "--history-days",
        type=int,
        default=0,
        metavar="N",
        help="give every guild N days of past posts first",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print the sweep's N costliest calls"
    )
    args = parser.parse_args()
    if args.concurrency:
        _cog.SWEEP_CONCURRENCY = args.concurrency
    quiet_logs()
    results = asyncio.run(run(args.guilds, args.rtt, args.profile, args.history_days))
    print()
    print(report(results))
    print()
    print(
        f"{args.guilds} guilds due at 13:00 UTC; sweep concurrency {_cog.SWEEP_CONCURRENCY}; "
        f"REST latency {args.rtt * 1000:.0f} ms; {args.history_days} days of history; "
        f"CPU is the whole process (bot + emulator); target: ratio <= 1.5. {machine_note()}"
    )


if __name__ == "__main__":
    main()
