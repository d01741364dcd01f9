"""1,000 members answer one daily post within one second: how long until each receipt?

    python -m bench.answer_burst [--members 1000] [--spread 1.0] [--rounds 3]

Guilds with the same 1,000 members are built in the emulator (one per round); the real bot
starts through `BotRunner` on a temp SQLite file; each guild's daily question (single
choice) is posted by `Daily.sweep()`. In a round every member clicks an answer on that
round's post, click i at i/1000 s (asyncio.gather of `emulator.click`). A click's time to
its final receipt is read from the emulator: from the click to the interaction callback
that carries the ephemeral receipt (a deferral would not count; none is sent). Every
receipt must come within Discord's 3 seconds (the emulator answers a later callback with
10062, so `emulator.errors` must stay empty), and each post must end with exactly 1,000
answers and 1,000 activities.

"None acknowledged before it is committed" is checked at the instant the emulator accepts
each receipt: a plain sqlite3 connection (it sees committed rows only) must already find
that member's answer.

Baseline, same run, same bot: a no-op `DynamicItem` that replies ephemerally at once, on a
message like the daily post (its embed, buttons with its labels), so each click carries the
same payload through the emulator and discord.py and only the handler differs; clicked by
the same members on the same schedule. Baseline and cohort bursts alternate (B C B C ... B)
after one uncounted warm-up burst, and the ratio compares the medians of their p99s: with
bot and emulator sharing one process at saturation, single bursts vary by 2x.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time as clock_time
from datetime import timedelta
from typing import Any

import discord
from sqlalchemy import func, select

from bench._common import machine_note, progress, quiet_logs, running_bot, table
from bot.clock import FakeClock
from bot.db.models import Activity, DailyAnswer, Question
from bot.emulator import Emulator, Message, User
from bot.emulator.interactions import ACK_DEADLINE_SECONDS, CHANNEL_MESSAGE, InteractionRecord
from bot.services import answer_batcher, daily

TITLE = "Question of the day"
# How long the bench waits for a receipt before counting the click as never answered.
ACK_WAIT = 10.0


class NoopButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bench:noop:(?P<n>\d+)"):
    """The baseline handler: a persistent button that replies ephemerally, doing nothing."""

    def __init__(self, n: int, label: str = "No-op") -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"bench:noop:{n}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NoopButton:
        return cls(int(match["n"]), getattr(item, "label", None) or "No-op")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("Noted (a no-op: nothing stored).", ephemeral=True)


class CheckedAck(asyncio.Event):
    """An interaction's `acked` event that runs a check at the instant the emulator accepts
    the bot's response (the emulator sets it synchronously while handling the callback)."""

    def __init__(self, check: Callable[[], None]) -> None:
        super().__init__()
        self._check = check

    def set(self) -> None:
        self._check()
        super().set()


@dataclass
class Burst:
    name: str
    kind: str  # "baseline" | "cohort" | "warm-up"
    clicks: int
    latencies: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    not_final: int = 0
    uncommitted: int = 0
    answers: int = 0
    activities: int = 0
    cpu: float = 0.0  # CPU seconds of the process (bot + emulator) during the burst

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]

    @property
    def late(self) -> int:
        return sum(1 for s in self.latencies if s > ACK_DEADLINE_SECONDS)

    @property
    def locked_in(self) -> int:
        return sum(1 for t in self.texts if t.startswith("Locked in"))


async def burst(
    name: str,
    kind: str,
    emulator: Emulator,
    members: list[User],
    message: Message,
    label_of: Callable[[int], str],
    spread: float,
    *,
    check: Callable[[User], bool] | None = None,
    freeze: bool = True,
) -> Burst:
    result = Burst(name, kind, clicks=len(members))
    step = spread / len(members)

    async def one(i: int, member: User) -> None:
        delay = start + i * step - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)
        record: InteractionRecord = await emulator.click(member, message, label=label_of(i))
        if check is not None:

            def committed() -> None:
                if not check(member):
                    result.uncommitted += 1

            record.acked = CheckedAck(committed)
        try:
            await record.ack(timeout=ACK_WAIT)
        except AssertionError:  # no response the emulator accepted: it never got a receipt
            result.latencies.append(math.inf)
            result.not_final += 1
            return
        assert record.ack_seconds is not None
        result.latencies.append(record.ack_seconds)
        final = (
            record.response_type == CHANNEL_MESSAGE
            and record.original is not None
            and not record.original.loading
            and record.original.ephemeral_to == member.id
        )
        if not final:
            result.not_final += 1
        result.texts.append(record.original.content if record.original else "")

    gc.collect()
    if freeze:
        # The emulator's whole world lives in this process (on Discord it would not), and it
        # grows with every burst: move what exists now out of the collector's way, or full
        # collections of it (0.1-0.2 s each, at random moments) swamp what is measured.
        gc.freeze()
    start = asyncio.get_running_loop().time()
    cpu = time.process_time()
    await asyncio.gather(*(one(i, m) for i, m in enumerate(members)))
    result.cpu = time.process_time() - cpu
    return result


async def run(
    member_count: int,
    spread: float,
    rounds: int,
    *,
    batch_delay: float | None = None,
    in_flight: int | None = None,
    max_batch: int | None = None,
    freeze: bool = True,
) -> tuple[list[Burst], dict[str, int]]:
    clock = FakeClock()
    emulator = Emulator(clock=clock)
    await emulator.start()
    try:
        users = [emulator.create_user(f"member-{i}") for i in range(member_count)]
        guilds = [emulator.create_guild(f"Burst {r}") for r in range(rounds)]
        for guild in guilds:
            for user in users:
                emulator.add_member(guild, user)
        progress("starting the bot")
        async with running_bot(emulator, clock) as h:
            bot, sessions = h.bot, h.bot.services.sessions
            async with sessions() as session:  # a topic whose questions are all single-choice
                topic = await session.scalar(
                    select(Question.topic)
                    .where(Question.retired_at.is_(None))
                    .group_by(Question.topic)
                    .having(func.min(Question.format) == "single")
                    .having(func.max(Question.format) == "single")
                    .order_by(Question.topic)
                )
            assert topic is not None, "the bank has no all-single topic"
            for guild in guilds:
                await daily.configure(
                    sessions,
                    guild_id=guild.id,
                    channel_id=emulator.channel_named(guild, "general").id,
                    post_time=clock_time(13, 0),
                    timezone="UTC",
                    topics=[topic],
                    difficulty=None,
                    reveal_hours=24,
                    ping_role_id=None,
                    now=clock.now(),
                )
            clock.advance(timedelta(hours=1))
            cog = bot.get_cog("Daily")
            assert cog is not None
            await cog.sweep()  # type: ignore[attr-defined]
            posts = []
            for guild in guilds:
                (post,) = [
                    m
                    for m in emulator.channel_messages(emulator.channel_named(guild, "general"))
                    if m.embeds and m.embeds[0].get("title") == TITLE
                ]
                posts.append(post)

            # The baseline's message: like the first post, with no-op buttons.
            labels = posts[0].button_labels
            bot.add_dynamic_items(NoopButton)
            channel = bot.get_channel(posts[0].channel_id)
            assert isinstance(channel, discord.TextChannel)
            view = discord.ui.View(timeout=None)
            for i, label in enumerate(labels):
                view.add_item(NoopButton(i, label))
            sent = await channel.send(embed=discord.Embed.from_dict(posts[0].embeds[0]), view=view)
            noop = emulator.messages[sent.id]

            batcher = answer_batcher.shared(bot.services)
            if batch_delay is not None:
                batcher.max_delay = batch_delay
            if in_flight is not None:
                batcher.max_in_flight = in_flight
            if max_batch is not None:
                batcher.max_batch = max_batch
            reader = sqlite3.connect(h.database)  # sees committed rows only (WAL)

            def label_of(post: Message) -> Callable[[int], str]:
                names = post.button_labels
                return lambda i: names[i % len(names)]

            async def baseline(name: str) -> Burst:
                progress(f"{name}: {member_count} no-op clicks over {spread:g} s")
                return await burst(
                    name, "baseline", emulator, users, noop, label_of(noop), spread, freeze=freeze
                )

            async def cohort(r: int) -> Burst:
                post = posts[r]
                post_id = int(post.interactive()[0]["custom_id"].split(":")[2])

                def stored(member: User) -> bool:
                    row = reader.execute(
                        "SELECT 1 FROM daily_answers WHERE post_id = ? AND member_id = ?",
                        (post_id, member.id),
                    ).fetchone()
                    return row is not None

                name = f"cohort {r + 1} (daily answer)"
                progress(f"{name}: {member_count} answers over {spread:g} s")
                result = await burst(
                    name,
                    "cohort",
                    emulator,
                    users,
                    post,
                    label_of(post),
                    spread,
                    check=stored,
                    freeze=freeze,
                )
                async with sessions() as session:
                    result.answers = int(
                        await session.scalar(
                            select(func.count(func.distinct(DailyAnswer.member_id))).where(
                                DailyAnswer.post_id == post_id
                            )
                        )
                        or 0
                    )
                    total = await session.scalar(
                        select(func.count())
                        .select_from(DailyAnswer)
                        .where(DailyAnswer.post_id == post_id)
                    )
                    if total != result.answers:  # a member stored twice: flag it loudly
                        result.answers = -1
                    result.activities = int(
                        await session.scalar(
                            select(func.count())
                            .select_from(Activity)
                            .where(Activity.ref == f"daily:{post_id}")
                        )
                        or 0
                    )
                return result

            # Every member clicks once first (not counted), so the bot's member and user
            # caches are as warm for the first measured burst as for the later ones.
            progress(f"warm-up: {member_count} no-op clicks (not counted)")
            await burst(
                "warm-up", "warm-up", emulator, users, noop, label_of(noop), spread, freeze=freeze
            )
            results: list[Burst] = []
            for r in range(rounds):
                results.append(await baseline(f"baseline {r + 1} (no-op)"))
                results.append(await cohort(r))
            results.append(await baseline(f"baseline {rounds + 1} (no-op)"))
            reader.close()
            counts = {
                "batches": batcher.batches,
                "errors": len(emulator.errors),
                "internal_errors": len(emulator.internal_errors),
            }
            for error in emulator.errors[:5]:
                print(f"  !! {error}")
            return results, counts
    finally:
        await emulator.stop()


def ms(seconds: float) -> str:
    return "never" if math.isinf(seconds) else f"{seconds * 1000:.0f}"


def median_p99(runs: list[Burst], kind: str) -> float:
    return statistics.median(r.pct(99) for r in runs if r.kind == kind)


def report(runs: list[Burst]) -> str:
    rows = [
        (
            b.name,
            b.clicks,
            b.clicks - b.not_final,
            ms(b.pct(50)),
            ms(b.pct(99)),
            ms(max(b.latencies)),
            f"{b.cpu:.2f}",
            b.late,
            b.answers if b.kind == "cohort" else "-",
            b.activities if b.kind == "cohort" else "-",
        )
        for b in runs
    ]
    header = (
        "burst",
        "clicks",
        "final receipts",
        "p50 ms",
        "p99 ms",
        "max ms",
        "CPU s",
        "> 3 s",
        "answers stored",
        "activities",
    )
    return table(header, rows)


def summary(runs: list[Burst], label: str = "cohort (daily answer)") -> str:
    base, cohort = median_p99(runs, "baseline"), median_p99(runs, "cohort")
    worst = max(r.pct(99) for r in runs if r.kind == "cohort")
    rows = [
        ("baseline (no-op handler)", ms(base), "1.00"),
        (label, ms(cohort), f"{cohort / base:.2f}"),
        ("cohort, worst burst", ms(worst), f"{worst / base:.2f}"),
    ]
    return table(("", "median p99 ms", "ratio"), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds the clicks span")
    parser.add_argument("--rounds", type=int, default=3, help="cohort bursts (one post each)")
    parser.add_argument(
        "--batch-delay", type=float, default=None, help="override AnswerBatcher.max_delay (s)"
    )
    parser.add_argument(
        "--in-flight", type=int, default=None, help="override AnswerBatcher.max_in_flight"
    )
    parser.add_argument(
        "--max-batch", type=int, default=None, help="override AnswerBatcher.max_batch"
    )
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the set-up's objects to the collector"
    )
    args = parser.parse_args()
    quiet_logs()
    wall0 = time.perf_counter()
    runs, counts = asyncio.run(
        run(
            args.members,
            args.spread,
            args.rounds,
            batch_delay=args.batch_delay,
            in_flight=args.in_flight,
            max_batch=args.max_batch,
            freeze=not args.no_freeze,
        )
    )
    cohorts = [r for r in runs if r.kind == "cohort"]
    print()
    print(report(runs))
    print()
    print(summary(runs))
    print()
    answered = sum(r.answers for r in cohorts)
    print(
        f"{len(cohorts)} cohort bursts: answers stored {answered} "
        f"(expected {args.members * len(cohorts)}), 'Locked in' receipts "
        f"{sum(r.locked_in for r in cohorts)}, receipts before their commit "
        f"{sum(r.uncommitted for r in cohorts)}, Discord errors {counts['errors']}, emulator "
        f"failures {counts['internal_errors']}; {counts['batches']} group commits (mean "
        f"{answered / max(counts['batches'], 1):.0f} answers each)"
    )
    ok = (
        all(
            r.answers == r.activities == r.locked_in == args.members
            and r.uncommitted == r.late == r.not_final == 0
            for r in cohorts
        )
        and all(r.late == r.not_final == 0 for r in runs)
        and counts["errors"] == counts["internal_errors"] == 0
    )
    print(
        f"target: ratio <= 2 (stretch <= 1.5), every receipt within 3 s; checks "
        f"{'passed' if ok else 'FAILED'}; {args.members} clicks over {args.spread:g} s per "
        f"burst; run took {time.perf_counter() - wall0:.0f} s; {machine_note()}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
