"""Quiz rounds on a real database: one per channel, questions chosen fairly, every answer
stored once with what it earned, each step happening once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.schema import QuestionSpec
from bot.db.models import Activity, QuizAnswer, QuizQuestion, QuizResult
from bot.domain.errors import BadInput, Conflict, NotAllowed
from bot.services import quiz, quiz_answers
from bot.services.bank import sync_bank

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GUILD, CHANNEL, HOST = 1 << 40, 7, 100


def spec(n: int, fmt: str = "single") -> QuestionSpec:
    base: dict[str, object] = {
        "id": f"quiz-{n}",
        "track": "coding",
        "topic": "complexity",
        "difficulty": "easy",
        "format": fmt,
        "prompt": f"Why does question {n} matter?",
        "explanation": "Because the key is right and the distractor is wrong.",
        "choices": ["Right", "Wrong", "Also wrong"],
    }
    base |= {"answer": "A"} if fmt == "single" else {"answers": ["A", "B"]}
    return QuestionSpec.model_validate(base)


@pytest.fixture
async def sessions(session_factory: Sessions) -> Sessions:
    await sync_bank(session_factory, [spec(n) for n in range(1, 5)] + [spec(9, "multi")], T0)
    return session_factory


async def begin(sessions: Sessions, channel: int = CHANNEL, questions: int = 2, at=T0):
    return await quiz.start(
        sessions,
        guild_id=GUILD,
        channel_id=channel,
        host_id=HOST,
        topic=None,
        questions=questions,
        seconds=10,
        speed_bonus=True,
        now=at,
    )


async def open_first(sessions: Sessions, info: quiz.RoundInfo) -> tuple[int, datetime]:
    steps = await quiz.due(sessions, T0 + timedelta(seconds=5))
    assert [s.kind for s in steps] == ["open"]
    qid = steps[0].quiz_question_id
    assert qid is not None
    posted_at = T0 + timedelta(seconds=5)
    await quiz.posted(sessions, qid, 555, posted_at)
    return qid, posted_at


async def test_racing_starts_leave_one_round_and_single_questions_only(sessions: Sessions) -> None:
    results = await asyncio.gather(*(begin(sessions) for _ in range(5)), return_exceptions=True)
    started = [r for r in results if isinstance(r, quiz.RoundInfo)]
    assert len(started) == 1
    assert all(isinstance(r, Conflict) for r in results if r not in started)
    with pytest.raises(BadInput, match="Only 4 single-choice questions match"):
        await begin(sessions, channel=8, questions=5)
    assert (await begin(sessions, channel=8, questions=4)).total == 4


async def test_the_next_round_in_a_channel_prefers_questions_it_has_not_seen(
    sessions: Sessions,
) -> None:
    first = await begin(sessions)
    await quiz.end(sessions, first.id, "finished", T0 + timedelta(minutes=1))
    second = await begin(sessions, at=T0 + timedelta(minutes=2))
    async with sessions() as session:
        rows = list(await session.scalars(select(QuizQuestion)))
    asked = {rid: {r.question_id for r in rows if r.round_id == rid} for rid in (1, 2)}
    assert len(asked[first.id] | asked[second.id]) == 4, "no repeat while unseen ones remain"


async def test_answers_are_judged_stored_once_and_a_double_click_keeps_the_first(
    sessions: Sessions,
) -> None:
    info = await begin(sessions)
    qid, posted_at = await open_first(sessions, info)

    async def click(member: int, choice: int, after: float) -> quiz.Receipt:
        at = posted_at + timedelta(seconds=after)
        return await quiz.answer(
            sessions,
            quiz_question_id=qid,
            member_id=member,
            member_name=f"member {member}",
            choice=choice,
            clicked_at=at,
            message_posted_at=posted_at,
            now=at,
        )

    both = await asyncio.gather(click(1, 0, 2), click(1, 1, 2))
    assert sorted(r.outcome for r in both) == ["already", "locked"]
    assert (await click(2, 1, 10)).outcome == "locked"
    assert (await click(3, 0, 10.2)).outcome == "late"
    with pytest.raises(BadInput):
        await click(4, 7, 1)
    async with sessions() as session:
        answers = {
            a.member_id: (a.choice, a.points) for a in await session.scalars(select(QuizAnswer))
        }
        played = [a.ref for a in await session.scalars(select(Activity))]
    first_choice = next(r.choice for r in both if r.outcome == "locked")
    assert answers == {1: (first_choice, 900 if first_choice == 0 else 0), 2: (1, 0)}
    assert played == [f"quiz:{info.id}", f"quiz:{info.id}"]

    closings = await asyncio.gather(
        *(quiz.close(sessions, qid, posted_at + timedelta(seconds=12)) for _ in range(3))
    )
    closing = [c for c in closings if c is not None]
    assert len(closing) == 1 and closing[0].answered == 2 and not closing[0].last
    assert (await click(5, 0, 3)).outcome == "closed", "after the close, in-window or not"


async def test_a_round_ends_once_and_stores_results(sessions: Sessions) -> None:
    info = await begin(sessions)
    qid, posted_at = await open_first(sessions, info)
    await quiz.answer(
        sessions,
        quiz_question_id=qid,
        member_id=1,
        member_name="ada",
        choice=0,
        clicked_at=posted_at + timedelta(seconds=1),
        message_posted_at=posted_at,
        now=posted_at,
    )
    with pytest.raises(NotAllowed):
        await quiz.stop(sessions, channel_id=CHANNEL, member_id=2, organiser=False, now=T0)
    ends = await asyncio.gather(
        quiz.stop(sessions, channel_id=CHANNEL, member_id=HOST, organiser=False, now=T0),
        quiz.end(sessions, info.id, "interrupted", T0),
        return_exceptions=True,
    )
    won = [e for e in ends if isinstance(e, quiz.Results)]
    assert len(won) == 1 and won[0].standings[0].name == "ada" and won[0].asked == 1
    assert [c.quiz_question_id for c in won[0].cut] == [qid]
    async with sessions() as session:
        (result,) = (await session.scalars(select(QuizResult))).all()
    assert (result.member_id, result.rank, result.points, result.correct_ms) == (1, 1, 950, 1000)
    assert await quiz.due(sessions, T0 + timedelta(hours=1)) == []


async def test_a_group_of_clicks_says_and_stores_what_clicks_one_by_one_would(
    sessions: Sessions, database_url: str
) -> None:
    """The batcher (inline on SQLite) against `quiz.answer` click by click, on two rounds
    with the same script: the same receipts, the same rows."""
    rounds = [await begin(sessions, channel=c) for c in (20, 21)]
    opened = []
    for info in rounds:
        steps = [
            s for s in await quiz.due(sessions, T0 + timedelta(seconds=5)) if s.round_id == info.id
        ]
        qid = steps[0].quiz_question_id
        assert qid is not None
        await quiz.posted(sessions, qid, 555, T0 + timedelta(seconds=5))
        opened.append(qid)
    posted_at = T0 + timedelta(seconds=5)
    script = [(1, 0, 2.0), (2, 1, 3.0), (1, 2, 3.5), (3, 0, 10.0), (4, 0, 10.5), (5, 9, 1.0)]

    def clicks(qid: int) -> list[quiz_answers.Click]:
        return [
            quiz_answers.Click(
                qid,
                m,
                f"m{m}",
                choice,
                posted_at + timedelta(seconds=t),
                posted_at,
                posted_at + timedelta(seconds=t),
            )
            for m, choice, t in script
        ]

    batcher = quiz_answers.QuizBatcher(sessions, max_delay=0.05)
    one_by_one = []
    for c in clicks(opened[0]):
        try:
            one_by_one.append(await batcher._one(c))
        except BadInput as error:
            one_by_one.append(error)
    grouped = await asyncio.gather(
        *(batcher.answer(c) for c in clicks(opened[1])), return_exceptions=True
    )
    assert batcher.batches == 1

    def said(r: object) -> object:
        return (r.outcome, r.choice) if isinstance(r, quiz.Receipt) else type(r).__name__

    assert (
        [said(r) for r in grouped]
        == [said(r) for r in one_by_one]
        == [("locked", 0), ("locked", 1), ("already", 0), ("locked", 0), ("late", None), "BadInput"]
    )
    async with sessions() as session:
        rows = list(await session.scalars(select(QuizAnswer).order_by(QuizAnswer.member_id)))
        refs = sorted(a.ref for a in await session.scalars(select(Activity)))

    def stored(qid: int) -> list[tuple[int, int, int, int]]:
        return [
            (a.member_id, a.choice, a.points, a.elapsed_ms)
            for a in rows
            if a.quiz_question_id == qid
        ]

    assert (
        stored(opened[0])
        == stored(opened[1])
        == [(1, 0, 900, 2000), (2, 1, 0, 3000), (3, 0, 500, 10000)]
    )
    assert refs == sorted([f"quiz:{rounds[0].id}"] * 3 + [f"quiz:{rounds[1].id}"] * 3)
    await quiz.close(sessions, opened[1], posted_at + timedelta(seconds=12))
    (late,) = await asyncio.gather(batcher.answer(clicks(opened[1])[4]))
    assert said(late) == ("closed", None)
    await batcher.close()
