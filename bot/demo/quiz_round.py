"""The demo's quiz round: three members race through two questions, then the podium."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import Question, QuizQuestion
from bot.demo.transcript import Transcript
from bot.emulator import Emulator, Message


def _titled(emu: Emulator, channel: Any, prefix: str) -> Message:
    return next(
        m
        for m in reversed(emu.channel_messages(channel))
        if m.embeds and (m.embeds[0].get("title") or "").startswith(prefix)
    )


async def quiz_round(
    out: Transcript, emu: Emulator, bot: Any, group: Any, clock: FakeClock, images: Path
) -> None:
    general = group.general
    quiz = bot.get_cog("Quiz")
    out.heading("A live quiz round")
    out.member("grace", "/quiz start topic:coding questions:2 seconds:15")
    options = {"topic": "coding", "questions": 2, "seconds": 15}
    out.message(await (await emu.invoke(group["grace"], general, "quiz start", options)).reply())

    # Who answers what, and how many seconds after the question appears.
    plays = [
        {"ada": (0, 3.0), "alan": (0, 6.0), "barbara": (1, 11.0)},
        {"ada": (1, 4.0), "alan": (0, 2.0), "barbara": (0, 9.0)},
    ]
    for number, play in enumerate(plays, start=1):
        clock.advance(timedelta(seconds=5))
        await quiz.tick()
        question = _titled(emu, general, f"Question {number} of 2")
        out.message(question, who="Cohort posted in #general")
        key = await _key(question, bot)
        labels = question.button_labels
        elapsed = 0.0
        for name, (choice, at) in sorted(play.items(), key=lambda item: item[1][1]):
            clock.advance(timedelta(seconds=at - elapsed))
            elapsed = at
            pick = (key + 1) % len(labels) if choice else key  # a 1 plays a wrong answer
            out.member(name, f"clicks [{labels[pick]}] after {at:g} s")
            out.message(await (await emu.click(group[name], question, label=labels[pick])).reply())
        clock.advance(timedelta(seconds=15 - elapsed + 1.5))
        out.step("time is up")
        await quiz.tick()
        out.message(_titled(emu, general, f"Question {number} of 2: time's up"))
    results = _titled(emu, general, "Final standings")
    out.message(results)
    for attachment in results.attachments:
        path = images / f"quiz-{attachment.filename}"
        path.write_bytes(attachment.data)
        out.step(f"saved the podium to {path}")


async def _key(question: Message, bot: Any) -> int:
    """The demo's members mostly know the answer: the demo peeks at the key in the database."""
    quiz_question_id = int(question.buttons[0]["custom_id"].split(":")[2])
    async with bot.services.sessions() as session:
        answers = await session.scalar(
            select(Question.answers)
            .join(QuizQuestion, QuizQuestion.question_id == Question.id)
            .where(QuizQuestion.id == quiz_question_id)
        )
    return int((answers or [0])[0])


async def streak_card(out: Transcript, emu: Emulator, group: Any, images: Path) -> None:
    """The streak a member's daily answer and quiz round just started, with its heatmap."""
    out.heading("Streaks")
    out.member("ada", "/streak")
    reply = await (await emu.invoke(group["ada"], group.general, "streak")).reply()
    out.message(reply)
    for attachment in reply.attachments:
        path = images / f"streak-{attachment.filename}"
        path.write_bytes(attachment.data)
        out.step(f"saved the heatmap to {path}")
    out.member("ada", "/leaderboard")
    out.message(await (await emu.invoke(group["ada"], group.general, "leaderboard")).reply())
