"""500 members answer each of 3 quiz questions within 2 seconds of it opening.

    python -m bench.quiz_burst [--members 500] [--spread 2.0]

One guild with 500 members; the real bot on a temp SQLite file. A round of 3 questions (20
seconds each) is started with `/quiz start` through the emulator and moved along by
`Quiz.tick()` with the fake clock. For each question, every member clicks one of its buttons
(member i at i/500 x 2 s, a quarter of them wrong on purpose); a click's time is the
emulator's, from the click to the callback carrying the final ephemeral receipt.

Checks: every receipt "Locked in" and within 3 s (no 10062), exactly one answer row per
member and question, no receipt before its commit (a plain sqlite3 reader must already find
the answer when the emulator accepts the receipt), and the stored results equal the
standings computed here from what each member clicked.

Baseline, same run: a no-op button handler on a message like the question (its embed, its
button labels), clicked by the same members on the same schedule. Bursts alternate B C B C
B C B after a warm-up; the ratio compares the medians of their p99s (see answer_burst.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import time
from datetime import timedelta
from typing import Any

import discord
from sqlalchemy import func, select

from bench._common import machine_note, progress, quiet_logs, running_bot
from bench.answer_burst import Burst, NoopButton, burst, report, summary
from bot.clock import FakeClock
from bot.db.models import Question, QuizAnswer, QuizQuestion, QuizResult, QuizRound
from bot.domain import quiz as rules
from bot.emulator import Emulator, Message

SECONDS = 20
QUESTIONS = 3


def titled(emulator: Emulator, channel: Any, prefix: str) -> Message:
    return next(
        m
        for m in reversed(emulator.channel_messages(channel))
        if m.embeds and (m.embeds[0].get("title") or "").startswith(prefix)
    )


async def run(member_count: int, spread: float, rounds: int) -> tuple[list[Burst], dict[str, Any]]:
    clock = FakeClock()
    emulator = Emulator(clock=clock)
    await emulator.start()
    try:
        users = [emulator.create_user(f"member-{i}") for i in range(member_count)]
        guild = emulator.create_guild("Quiz burst")
        for user in users:
            emulator.add_member(guild, user)
        general = emulator.channel_named(guild, "general")
        progress("starting the bot")
        async with running_bot(emulator, clock) as h:
            bot, sessions = h.bot, h.bot.services.sessions
            quiz_cog = bot.get_cog("Quiz")
            assert quiz_cog is not None
            host = users[0]
            options = {"questions": QUESTIONS, "seconds": SECONDS, "topic": "coding"}
            reader = sqlite3.connect(h.database)  # sees committed rows only (WAL)
            bot.add_dynamic_items(NoopButton)
            noop: Message | None = None

            def labels_of(message: Message) -> Any:
                names = message.button_labels
                return lambda i: names[i % len(names)]

            async def baseline(name: str) -> Burst:
                assert noop is not None
                progress(f"{name}: {member_count} no-op clicks over {spread:g} s")
                return await burst(name, "baseline", emulator, users, noop, labels_of(noop), spread)

            runs: list[Burst] = []
            standings_ok = True
            for round_number in range(1, rounds + 1):
                intro = await (await emulator.invoke(host, general, "quiz start", options)).reply()
                assert not intro.ephemeral, intro.content
                clock.advance(rules.INTRO)
                await quiz_cog.tick()  # type: ignore[attr-defined]
                question = titled(emulator, general, f"Question 1 of {QUESTIONS}")
                if noop is None:
                    # The baseline's message: like a question, with no-op buttons.
                    channel = bot.get_channel(general.id)
                    assert isinstance(channel, discord.TextChannel)
                    view = discord.ui.View(timeout=None)
                    for i, label in enumerate(question.button_labels):
                        view.add_item(NoopButton(i, label))
                    embed = discord.Embed.from_dict(question.embeds[0])
                    noop = emulator.messages[(await channel.send(embed=embed, view=view)).id]
                    progress("warm-up (not counted)")
                    await burst(
                        "warm-up", "warm-up", emulator, users, noop, labels_of(noop), spread
                    )
                expected: dict[int, list[tuple[bool, float]]] = {}
                for number in range(1, QUESTIONS + 1):
                    tag = f"{round_number}.{number}"
                    runs.append(await baseline(f"baseline {tag} (no-op)"))
                    runs.append(
                        await _question_burst(tag, h, question, users, spread, reader, expected)
                    )
                    clock.advance(timedelta(seconds=SECONDS) + rules.CLOSE_GRACE)
                    await quiz_cog.tick()  # type: ignore[attr-defined]
                    if number < QUESTIONS:
                        clock.advance(rules.BETWEEN_QUESTIONS)
                        await quiz_cog.tick()  # type: ignore[attr-defined]
                        question = titled(
                            emulator, general, f"Question {number + 1} of {QUESTIONS}"
                        )
                round_id = await _last_round(sessions)
                standings_ok = standings_ok and await _standings_match(sessions, round_id, expected)
            runs.append(await baseline("baseline, last (no-op)"))
            reader.close()
            counts = {
                "errors": len(emulator.errors),
                "internal_errors": len(emulator.internal_errors),
                "standings_ok": standings_ok,
            }
            for error in emulator.errors[:5]:
                print(f"  !! {error}")
            return runs, counts
    finally:
        await emulator.stop()


async def _question_burst(
    tag: str,
    h: Any,
    question: Message,
    users: list[Any],
    spread: float,
    reader: sqlite3.Connection,
    expected: dict[int, list[tuple[bool, float]]],
) -> Burst:
    """Every member clicks this question (a quarter of them a wrong answer), 1 s after its
    post by the fake clock; then the stored answers are counted."""
    qid = int(question.buttons[0]["custom_id"].split(":")[2])
    key = await _key(h.bot.services.sessions, qid)
    h.clock.advance(timedelta(seconds=1))
    labels = question.button_labels

    def pick(i: int) -> str:
        return labels[(key + 1) % len(labels)] if i % 4 == 3 else labels[key]

    def stored(member: Any) -> bool:
        row = reader.execute(
            "SELECT 1 FROM quiz_answers WHERE quiz_question_id = ? AND member_id = ?",
            (qid, member.id),
        ).fetchone()
        return row is not None

    name = f"cohort {tag} (quiz answer)"
    progress(f"{name}: {len(users)} answers over {spread:g} s")
    result = await burst(name, "cohort", h.emulator, users, question, pick, spread, check=stored)
    async with h.bot.services.sessions() as session:
        rows = list(
            await session.scalars(select(QuizAnswer).where(QuizAnswer.quiz_question_id == qid))
        )
    result.answers = len({r.member_id for r in rows})
    if len(rows) != result.answers:
        result.answers = -1  # a member stored twice: flag it loudly
    result.activities = result.answers
    for i, user in enumerate(users):
        expected.setdefault(user.id, []).append((i % 4 != 3, 1.0))
    return result


async def _last_round(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.max(QuizRound.id))) or 0)


async def _key(sessions: Any, quiz_question_id: int) -> int:
    async with sessions() as session:
        answers = await session.scalar(
            select(Question.answers)
            .join(QuizQuestion, QuizQuestion.question_id == Question.id)
            .where(QuizQuestion.id == quiz_question_id)
        )
    return int((answers or [0])[0])


async def _standings_match(
    sessions: Any, round_id: int, expected: dict[int, list[tuple[bool, float]]]
) -> bool:
    """The stored results against the rules applied here to what each member clicked."""
    answers = [
        rules.Answer(
            member,
            correct,
            rules.points(correct=correct, elapsed=t, seconds=SECONDS, speed_bonus=True),
            t,
        )
        for member, clicks in expected.items()
        for correct, t in clicks
    ]
    want = {
        p.score.member_id: (p.rank, p.score.points, p.score.correct)
        for p in rules.standings(rules.tally(answers).values())
    }
    async with sessions() as session:
        have = {
            r.member_id: (r.rank, r.points, r.correct)
            for r in await session.scalars(
                select(QuizResult).where(QuizResult.round_id == round_id)
            )
        }
    return have == want


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--spread", type=float, default=2.0, help="seconds the clicks span")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of 3 questions (more bursts, steadier)"
    )
    args = parser.parse_args()
    quiet_logs()
    wall0 = time.perf_counter()
    runs, counts = asyncio.run(run(args.members, args.spread, args.rounds))
    cohorts = [r for r in runs if r.kind == "cohort"]
    print()
    print(report(runs))
    print()
    print(summary(runs, "cohort (quiz answer)"))
    print()
    answered = sum(r.answers for r in cohorts)
    print(
        f"{len(cohorts)} questions ({args.rounds} rounds): answers stored {answered} (expected "
        f"{args.members * len(cohorts)}), 'Locked in' receipts "
        f"{sum(r.locked_in for r in cohorts)}, receipts before their commit "
        f"{sum(r.uncommitted for r in cohorts)}, standings "
        f"{'correct' if counts['standings_ok'] else 'WRONG'}, Discord errors "
        f"{counts['errors']}, emulator failures {counts['internal_errors']}"
    )
    ok = (
        all(
            r.answers == r.locked_in == args.members and r.uncommitted == r.late == r.not_final == 0
            for r in cohorts
        )
        and all(r.late == r.not_final == 0 for r in runs)
        and counts["errors"] == counts["internal_errors"] == 0
        and counts["standings_ok"]
    )
    print(
        f"target: ratio <= 2 (stretch <= 1.5), every receipt within 3 s; checks "
        f"{'passed' if ok else 'FAILED'}; {args.members} clicks over {args.spread:g} s per "
        f"question; run took {time.perf_counter() - wall0:.0f} s; {machine_note()}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
