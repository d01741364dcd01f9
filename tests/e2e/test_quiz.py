"""/quiz end to end: members start, answer, stop and restart rounds through the emulator.

Time moves only with the injected clock; `tick()` is what a live bot's timer calls.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import CohortBot
from bot.clock import FakeClock
from bot.db.models import Activity, QuizAnswer, QuizResult, QuizRound
from bot.emulator import Emulator, Message
from bot.emulator import permissions as P
from bot.runner import BotRunner
from bot.services import quiz
from tests.e2e.conftest import World, bot_settings


def single(n: int, topic: str, track: str = "coding") -> str:
    return f"""\
- id: quiz-{track}-{n}
  track: {track}
  topic: {topic}
  difficulty: easy
  format: single
  prompt: Which option is right in question {n}?
  choices: [Right {n}, Wrong {n}, Also wrong {n}]
  answer: A
  explanation: The first option is the right one in question {n}.
"""


BANK = "".join(single(n, "complexity") for n in range(1, 5)) + single(
    9, "a/b testing", "statistics"
)


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "bank.yaml").write_text(BANK, encoding="utf-8")
    return folder


@pytest.fixture
async def runner(emulator: Emulator, world: World, database_url: str, clock: FakeClock, bank: Path):
    runner = BotRunner(
        bot_settings(emulator, database_url, questions_dir=bank),
        clock=clock,
        guild_ready_timeout=0.05,
    )
    try:
        yield runner
    finally:
        await runner.stop()


def cog(bot: CohortBot):
    found = bot.get_cog("Quiz")
    assert found is not None
    return found


def titled(emulator: Emulator, world: World, prefix: str) -> list[Message]:
    return [
        m
        for m in emulator.channel_messages(world.general)
        if m.embeds and (m.embeds[0].get("title") or "").startswith(prefix)
    ]


async def posted(emulator: Emulator, world: World, prefix: str) -> Message:
    """Wait for a message the bot posts after its reply (results come after the ack)."""
    return await emulator.wait_for_message(
        world.general,
        where=lambda m: bool(m.embeds) and (m.embeds[0].get("title") or "").startswith(prefix),
    )


async def start(emulator: Emulator, world: World, user=None, **options) -> Message:
    record = await emulator.invoke(user or world.alice, world.general, "quiz start", options)
    return await record.reply()


async def step(bot: CohortBot, clock: FakeClock, seconds: float) -> None:
    clock.advance(timedelta(seconds=seconds))
    await cog(bot).tick()


async def answer(emulator: Emulator, user, question: Message, label: str) -> str:
    return (await (await emulator.click(user, question, label=label)).reply()).content


async def test_a_full_round_scores_speed_shows_each_close_and_ends_on_a_podium(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    intro = await start(emulator, world, questions=2, seconds=10, topic="complexity")
    assert not intro.ephemeral and "**2** questions on **complexity**" in intro.text
    await step(bot, clock, 4)
    assert titled(emulator, world, "Question") == [], "the intro stays alone for a moment"
    await step(bot, clock, 1)
    (first,) = titled(emulator, world, "Question 1 of 2")
    assert (
        first.button_labels == ["A. Right 1", "B. Wrong 1", "C. Also wrong 1"]
        or len(first.button_labels) == 3
    )
    assert "Ends <t:" in first.text, "a countdown as a Discord relative timestamp"
    right, wrong = first.button_labels[0], first.button_labels[1]

    clock.advance(timedelta(seconds=2))
    assert "Locked in" in await answer(emulator, world.alice, first, right)  # 900 points
    assert "already answered" in await answer(emulator, world.alice, first, wrong)
    clock.advance(timedelta(seconds=2))
    assert "Locked in" in await answer(emulator, world.bob, first, wrong)  # 0 points
    clock.advance(timedelta(seconds=6))  # exactly at the deadline: still counts, 500 points
    assert "Locked in" in await answer(emulator, world.carol, first, right)
    clock.advance(timedelta(seconds=0.5))
    assert "Too late" in await answer(emulator, world.organiser, first, right)

    await step(bot, clock, 1.0)  # deadline + grace: the question closes
    (closed,) = titled(emulator, world, "Question 1 of 2: time's up")
    assert "**2**" in closed.text and "**1**" in closed.text and "3 answered" in closed.text
    first = emulator.messages[first.id]
    assert all(b.get("disabled") for b in first.buttons), "buttons disabled at the close"
    assert [b.get("style") for b in first.buttons] == [3, 2, 2], "the key shows green"

    await step(bot, clock, 4)
    (second,) = titled(emulator, world, "Question 2 of 2")
    clock.advance(timedelta(seconds=5))
    assert "Locked in" in await answer(emulator, world.bob, second, second.button_labels[0])
    await step(bot, clock, 6.5)

    (final,) = titled(emulator, world, "Final standings")
    assert final.attachments and final.attachments[0].filename == "podium.png"
    lines = final.embeds[0]["description"].splitlines()
    assert "alice" in lines[0] and "900" in lines[0]
    assert "bob" in lines[1] and "750" in lines[1]
    assert "carol" in lines[2] and "500" in lines[2]
    async with bot.services.sessions() as session:
        results = {
            r.member_id: (r.rank, r.points, r.correct, r.answered)
            for r in await session.scalars(select(QuizResult))
        }
        (round_,) = (await session.scalars(select(QuizRound))).all()
        played = {a.member_id for a in await session.scalars(select(Activity))}
    assert results == {
        world.alice.id: (1, 900, 1, 1),
        world.bob.id: (2, 750, 1, 2),
        world.carol.id: (3, 500, 1, 1),
    }
    assert round_.status == "finished" and round_.live_channel_id is None
    assert played == {world.alice.id, world.bob.id, world.carol.id}, "the late click never played"
    assert titled(emulator, world, "Question 3") == []


async def test_one_round_per_channel_even_when_two_starts_race(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    records = await asyncio.gather(
        emulator.invoke(world.alice, world.general, "quiz start", {"questions": 2}),
        emulator.invoke(world.bob, world.general, "quiz start", {"questions": 2}),
    )
    replies = [await r.reply() for r in records]
    refused = [r for r in replies if r.ephemeral]
    assert len(refused) == 1 and "already running" in refused[0].content
    async with bot.services.sessions() as session:
        assert len((await session.scalars(select(QuizRound))).all()) == 1


async def test_only_the_host_or_an_organiser_may_stop(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await start(emulator, world, questions=3, seconds=10)
    await step(bot, clock, 5)
    (question,) = titled(emulator, world, "Question 1 of 3")
    await answer(emulator, world.bob, question, question.button_labels[0])
    refusal = await (await emulator.invoke(world.bob, world.general, "quiz stop")).reply()
    assert refusal.ephemeral and "host or an organiser" in refusal.content
    assert titled(emulator, world, "Round stopped") == []

    done = await (await emulator.invoke(world.organiser, world.general, "quiz stop")).reply()
    assert done.ephemeral and "stopped" in done.content
    results = await posted(emulator, world, "Round stopped")
    assert "bob" in results.text and "1 of 3 questions asked" in results.text
    assert all(b.get("disabled") for b in emulator.messages[question.id].buttons)
    await step(bot, clock, 30)
    assert titled(emulator, world, "Question 2") == [], "a stopped round posts nothing more"
    again = await start(emulator, world, questions=1)
    assert not again.ephemeral, "the channel is free again"


async def test_bad_values_are_refused_and_change_nothing(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    for options, expected in [
        ({"questions": 26}, "between 1 and 25"),
        ({"seconds": 3}, "between 5 and 120"),
        ({"topic": "astrology"}, "no single-choice questions"),
        ({"topic": "statistics", "questions": 3}, "Only 1 single-choice question matches"),
    ]:
        reply = await start(emulator, world, **options)
        assert reply.ephemeral and expected in reply.content, (options, reply.content)
    emulator.deny_bot(world.general, P.ATTACH_FILES)
    await asyncio.sleep(0.05)
    reply = await start(emulator, world)
    assert reply.ephemeral and "missing Attach Files" in reply.content
    nothing = await (await emulator.invoke(world.alice, world.general, "quiz stop")).reply()
    assert nothing.ephemeral and "No quiz round" in nothing.content
    async with bot.services.sessions() as session:
        assert (await session.scalars(select(QuizRound))).all() == []


async def test_topic_autocompletes_tracks_and_topics(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    choices = await emulator.autocomplete(
        world.alice, world.general, "quiz start", "topic", {"topic": "co"}
    )
    names = [c["value"] for c in choices]
    assert names == ["coding", "complexity"]


async def test_a_round_cut_by_a_restart_is_closed_with_every_answer_kept(
    runner: BotRunner, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    bot = await runner.start()
    await start(emulator, world, questions=3, seconds=20)
    await step(bot, clock, 5)
    (question,) = titled(emulator, world, "Question 1 of 3")
    clock.advance(timedelta(seconds=1))
    await answer(emulator, world.alice, question, question.button_labels[0])
    await answer(emulator, world.bob, question, question.button_labels[1])
    await runner.stop()

    clock.advance(timedelta(minutes=3))
    bot = await runner.start()
    (results,) = [
        await emulator.wait_for_message(
            world.general,
            where=lambda m: (
                "interrupted" in (m.embeds[0].get("title") or "") if m.embeds else False
            ),
        )
    ]
    assert "alice" in results.text and "975" in results.text and "bob" in results.text
    async with bot.services.sessions() as session:
        (round_,) = (await session.scalars(select(QuizRound))).all()
        answers = (await session.scalars(select(QuizAnswer))).all()
    assert round_.status == "interrupted" and len(answers) == 2
    assert all(b.get("disabled") for b in emulator.messages[question.id].buttons)
    await step(bot, clock, 60)
    assert titled(emulator, world, "Question 2") == []


async def test_a_click_racing_the_close_is_refused_and_counts_nothing(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await start(emulator, world, questions=2, seconds=10)
    await step(bot, clock, 5)
    (question,) = titled(emulator, world, "Question 1 of 2")
    # Closed in the database, the message not edited yet: a stale client can still click.
    (qid,) = {int(b["custom_id"].split(":")[2]) for b in question.buttons}
    assert await quiz.close(bot.services.sessions, qid, clock.now()) is not None
    late = await answer(emulator, world.carol, question, question.button_labels[0])
    assert "This question is closed" in late
    async with bot.services.sessions() as session:
        assert (await session.scalars(select(QuizAnswer))).all() == []
