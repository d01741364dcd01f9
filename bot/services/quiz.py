"""Live quiz rounds: start, post, answer, close, end; the database is the round's memory.

Everything a round needs to continue is stored as it happens: the questions chosen at the
start, each question's post time and deadline when it goes out, every answer as it arrives
(with what it earned), and the position. A restart therefore knows exactly where each round
stood; `running` lets the poster close those rounds with their standings so far.

Exactly-once here: a channel holds one running round by the unique `live_channel_id`; an
answer is one row per (question, member); a question closes and a round ends by conditional
UPDATEs that one caller wins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Question, QuizAnswer, QuizQuestion, QuizResult, QuizRound
from bot.domain import quiz as rules
from bot.domain.errors import BadInput, Conflict, NotAllowed, NotFound
from bot.domain.quiz import Answer, Placed, Verdict
from bot.services.activity import record_activity
from bot.services.daily import QuestionView, question_view
from bot.services.guilds import guild_row

Sessions = async_sessionmaker[AsyncSession]
TOP = 5  # the running standings shown after each question


@dataclass(frozen=True)
class RoundInfo:
    id: int
    guild_id: int
    channel_id: int
    host_id: int
    topic: str | None
    total: int
    seconds: int
    speed_bonus: bool
    first_at: datetime | None = None


@dataclass(frozen=True)
class ToPost:
    """The next question of a round, to send now."""

    round: RoundInfo
    quiz_question_id: int
    position: int
    question: QuestionView


@dataclass(frozen=True)
class Receipt:
    outcome: rules.Outcome
    choice: int | None  # what counts for the member (their first click), if any
    deadline: datetime | None
    question: QuestionView


@dataclass(frozen=True)
class Named:
    rank: int
    member_id: int
    name: str
    points: int
    correct: int
    answered: int


@dataclass(frozen=True)
class Closing:
    """A question just closed: its key, how many chose each option, the running top."""

    round: RoundInfo
    quiz_question_id: int
    position: int
    message_id: int | None
    question: QuestionView
    counts: list[int]
    answered: int
    top: list[Named]
    last: bool


@dataclass(frozen=True)
class Cut:
    """A question on screen when its round ended: its buttons are to be closed."""

    quiz_question_id: int
    message_id: int
    question: QuestionView


@dataclass(frozen=True)
class Results:
    round: RoundInfo
    status: rules.RoundStatus
    standings: list[Named]
    asked: int  # questions that were posted
    cut: list[Cut] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    kind: Literal["close", "open", "finish"]
    round_id: int
    quiz_question_id: int | None = None


# ---- starting ------------------------------------------------------------------------------


async def topics(sessions: Sessions) -> list[str]:
    """Tracks, then topics, that have single-choice questions (for autocomplete)."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Question.track, Question.topic)
                .where(Question.retired_at.is_(None), Question.format == "single")
                .distinct()
            )
        ).all()
    tracks = sorted({r.track for r in rows})
    return tracks + sorted({r.topic for r in rows} - set(tracks))


async def start(
    sessions: Sessions,
    *,
    guild_id: int,
    channel_id: int,
    host_id: int,
    topic: str | None,
    questions: int,
    seconds: int,
    speed_bonus: bool,
    now: datetime,
) -> RoundInfo:
    """Open a round in a channel, its questions chosen now: single-choice, from `topic` (a
    track or a topic), never twice in the round, the ones this channel saw least recently
    first (never seen first of all)."""
    try:
        rules.check_limits(questions, seconds)
    except rules.QuizRuleError as error:
        raise BadInput(str(error)) from error
    topic = topic.strip().lower() if topic and topic.strip() else None
    async with sessions() as session:
        if await _live_round(session, channel_id) is not None:
            raise Conflict(_ALREADY_RUNNING)
        if topic is not None and topic not in await topics(sessions):
            raise BadInput(
                f"I have no single-choice questions on “{topic[:100]}”. "
                "Pick a track or topic from the suggestions."
            )
        chosen = await _choose(session, channel_id, topic, questions, now)
        if len(chosen) < questions:
            where = f" on “{topic}”" if topic else ""
            raise BadInput(
                f"Only {len(chosen)} single-choice question{'s' if len(chosen) != 1 else ''} "
                f"{'match' if len(chosen) != 1 else 'matches'}{where}; ask for {len(chosen)} "
                "or fewer, or pick another topic."
                if chosen
                else f"No single-choice questions match{where}."
            )
        await guild_row(session, guild_id, now)
        row = QuizRound(
            guild_id=guild_id,
            channel_id=channel_id,
            live_channel_id=channel_id,
            host_id=host_id,
            topic=topic,
            question_count=questions,
            seconds=seconds,
            speed_bonus=speed_bonus,
            status="running",
            position=-1,
            next_open_at=now + rules.INTRO,
            started_at=now,
        )
        session.add(row)
        try:
            await session.flush()
        except IntegrityError as error:  # another start in this channel won a moment ago
            raise Conflict(_ALREADY_RUNNING) from error
        session.add_all(
            QuizQuestion(round_id=row.id, position=i, question_id=q) for i, q in enumerate(chosen)
        )
        await session.commit()
        return _info(row, first_at=row.next_open_at)


_ALREADY_RUNNING = (
    "A quiz round is already running in this channel. Join in, or wait for it to end "
    "(the host or an organiser can `/quiz stop` it)."
)


async def _choose(
    session: AsyncSession, channel_id: int, topic: str | None, count: int, now: datetime
) -> list[int]:
    query = select(Question.id).where(Question.retired_at.is_(None), Question.format == "single")
    if topic is not None:
        query = query.where(or_(Question.track == topic, Question.topic == topic))
    eligible = list(await session.scalars(query.order_by(Question.id)))
    seen = dict(
        (
            await session.execute(
                select(QuizQuestion.question_id, func.max(QuizRound.started_at))
                .join(QuizRound, QuizRound.id == QuizQuestion.round_id)
                .where(QuizRound.channel_id == channel_id)
                .group_by(QuizQuestion.question_id)
            )
        ).all()
    )
    shuffled = random.Random(f"{channel_id}:{now.isoformat()}").sample(eligible, len(eligible))
    never = [q for q in shuffled if q not in seen]
    before = sorted((q for q in shuffled if q in seen), key=lambda q: seen[q])
    return (never + before)[:count]


# ---- the round's progress ------------------------------------------------------------------


async def due(sessions: Sessions, now: datetime) -> list[Step]:
    """What the poster must do now, for every running round: close a question whose
    deadline (plus the grace for clicks in flight) has passed, then open the next one or end
    the round once its pause is over."""
    steps: list[Step] = []
    async with sessions() as session:
        rounds = list(await session.scalars(select(QuizRound).where(QuizRound.status == "running")))
        if not rounds:
            return []
        current = {
            (q.round_id, q.position): q
            for q in await session.scalars(
                select(QuizQuestion).where(QuizQuestion.round_id.in_([r.id for r in rounds]))
            )
        }
    for r in rounds:
        on_screen = current.get((r.id, r.position))
        step = rules.next_step(
            status=r.status,  # type: ignore[arg-type]
            position=r.position,
            total=r.question_count,
            deadline=on_screen.deadline if on_screen else None,
            closed=on_screen is None or on_screen.closed_at is not None,
            next_open_at=r.next_open_at,
            now=now,
        )
        if step == "close" and on_screen is not None:
            steps.append(Step("close", r.id, on_screen.id))
        elif step == "open":
            following = current.get((r.id, r.position + 1))
            steps.append(Step("open", r.id, following.id) if following else Step("finish", r.id))
        elif step == "finish":
            steps.append(Step("finish", r.id))
    return steps


async def next_event(sessions: Sessions) -> datetime | None:
    """When the poster should look again: the earliest pending close or opening."""
    async with sessions() as session:
        opening = await session.scalar(
            select(func.min(QuizRound.next_open_at)).where(QuizRound.status == "running")
        )
        closing = await session.scalar(
            select(func.min(QuizQuestion.deadline))
            .join(QuizRound, QuizRound.id == QuizQuestion.round_id)
            .where(
                QuizRound.status == "running",
                QuizQuestion.deadline.is_not(None),
                QuizQuestion.closed_at.is_(None),
            )
        )
    times = [t for t in (opening, closing and closing + rules.CLOSE_GRACE) if t is not None]
    return min(times) if times else None


async def to_post(sessions: Sessions, quiz_question_id: int) -> ToPost | None:
    async with sessions() as session:
        row = (
            await session.execute(
                select(QuizQuestion, QuizRound, Question)
                .join(QuizRound, QuizRound.id == QuizQuestion.round_id)
                .join(Question, Question.id == QuizQuestion.question_id)
                .where(QuizQuestion.id == quiz_question_id)
            )
        ).first()
    if row is None or row[1].status != "running" or row[0].posted_at is not None:
        return None
    qq, rnd, question = row
    return ToPost(_info(rnd), qq.id, qq.position, question_view(question))


async def posted(
    sessions: Sessions, quiz_question_id: int, message_id: int, posted_at: datetime
) -> datetime:
    """Record a question's message; its deadline is its post's time plus the round's seconds
    (returned). The round now shows this question."""
    async with sessions() as session:
        qq = await session.get(QuizQuestion, quiz_question_id)
        assert qq is not None
        rnd = await session.get(QuizRound, qq.round_id)
        assert rnd is not None
        qq.message_id = message_id
        qq.posted_at = posted_at
        qq.deadline = posted_at + timedelta(seconds=rnd.seconds)
        rnd.position = qq.position
        rnd.next_open_at = None
        await session.commit()
        return qq.deadline


# ---- answers -------------------------------------------------------------------------------


async def answer(
    sessions: Sessions,
    *,
    quiz_question_id: int,
    member_id: int,
    member_name: str,
    choice: int,
    clicked_at: datetime,
    message_posted_at: datetime,
    now: datetime,
) -> Receipt:
    """Judge and store a click (`bot.domain.quiz.judge`): the first counts and is written at
    once (with the round's activity, in the same transaction); a later one, a late one or
    one after the close changes nothing and says which."""
    async with sessions() as session:
        row = (
            await session.execute(
                select(QuizQuestion, QuizRound, Question)
                .join(QuizRound, QuizRound.id == QuizQuestion.round_id)
                .join(Question, Question.id == QuizQuestion.question_id)
                .where(QuizQuestion.id == quiz_question_id)
            )
        ).first()
        if row is None:
            raise NotFound("That quiz question no longer exists.")
        qq, rnd, question = row
        view = question_view(question)
        if not 0 <= choice < len(view.choices or []):
            raise BadInput("That is not one of this question's choices.")
        previous = await _previous(session, quiz_question_id, member_id)
        verdict = _judge(qq, rnd, view, choice, clicked_at, message_posted_at, previous)
        deadline = qq.deadline or message_posted_at + timedelta(seconds=rnd.seconds)
        if verdict.outcome != "locked":
            return Receipt(verdict.outcome, previous, deadline, view)
        session.add(
            QuizAnswer(
                quiz_question_id=qq.id,
                round_id=rnd.id,
                guild_id=rnd.guild_id,
                member_id=member_id,
                member_name=clean_name(member_name),
                choice=choice,
                correct=verdict.correct,
                points=verdict.points,
                elapsed_ms=round(verdict.elapsed * 1000),
                answered_at=now,
            )
        )
        try:
            await session.flush()
            await record_activity(
                session,
                member_id=member_id,
                guild_id=rnd.guild_id,
                kind="quiz_round",
                ref=f"quiz:{rnd.id}",
                at=now,
            )
            await session.commit()
        except IntegrityError:  # a double click raced the first one
            await session.rollback()
            first = await _previous(session, quiz_question_id, member_id)
            return Receipt("already", first, deadline, view)
    return Receipt("locked", choice, deadline, view)


def _judge(
    qq: QuizQuestion,
    rnd: QuizRound,
    view: QuestionView,
    choice: int,
    clicked_at: datetime,
    message_posted_at: datetime,
    previous: int | None,
) -> Verdict:
    return rules.judge(
        # The stored post time once recorded; a click racing that record times from the
        # message it clicked on (the same snowflake).
        posted_at=qq.posted_at or message_posted_at,
        clicked_at=clicked_at,
        seconds=rnd.seconds,
        speed_bonus=rnd.speed_bonus,
        choice=choice,
        key=(view.answers or [0])[0],
        already=previous is not None,
        closed=qq.closed_at is not None or rnd.status != "running",
    )


async def _previous(session: AsyncSession, quiz_question_id: int, member_id: int) -> int | None:
    return await session.scalar(
        select(QuizAnswer.choice).where(
            QuizAnswer.quiz_question_id == quiz_question_id, QuizAnswer.member_id == member_id
        )
    )


def clean_name(name: str) -> str:
    """A display name as stored: printable, trimmed, at most 100 characters."""
    cleaned = "".join(c for c in name if c.isprintable()).strip()
    return (cleaned or "member")[:100]


# ---- closing and ending --------------------------------------------------------------------


async def close(sessions: Sessions, quiz_question_id: int, now: datetime) -> Closing | None:
    """Close a question once (None if it was closed already) and say what happened."""
    async with sessions() as session:
        result = await session.execute(
            update(QuizQuestion)
            .where(QuizQuestion.id == quiz_question_id, QuizQuestion.closed_at.is_(None))
            .values(closed_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return None
        qq = await session.get(QuizQuestion, quiz_question_id)
        assert qq is not None
        rnd = await session.get(QuizRound, qq.round_id)
        question = await session.get(Question, qq.question_id)
        assert rnd is not None and question is not None
        last = rules.after_close(qq.position, rnd.question_count) == "finish"
        rnd.next_open_at = now + (timedelta(0) if last else rules.BETWEEN_QUESTIONS)
        view = question_view(question)
        counts = [0] * len(view.choices or [])
        choices = await session.scalars(
            select(QuizAnswer.choice).where(QuizAnswer.quiz_question_id == qq.id)
        )
        answered = 0
        for c in choices:
            answered += 1
            if 0 <= c < len(counts):
                counts[c] += 1
        top = (await _standings(session, rnd.id))[:TOP]
        await session.commit()
        return Closing(
            _info(rnd), qq.id, qq.position, qq.message_id, view, counts, answered, top, last
        )


async def end(
    sessions: Sessions, round_id: int, status: rules.RoundStatus, now: datetime
) -> Results | None:
    """End a running round once (None if it had ended): close its open question, free the
    channel, store each member's result, and return the standings."""
    async with sessions() as session:
        result = await session.execute(
            update(QuizRound)
            .where(QuizRound.id == round_id, QuizRound.status == "running")
            .values(status=status, live_channel_id=None, ended_at=now, next_open_at=None)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return None
        cut = [
            Cut(qq.id, qq.message_id, question_view(question))
            for qq, question in await session.execute(
                select(QuizQuestion, Question)
                .join(Question, Question.id == QuizQuestion.question_id)
                .where(
                    QuizQuestion.round_id == round_id,
                    QuizQuestion.closed_at.is_(None),
                    QuizQuestion.message_id.is_not(None),
                )
            )
            if qq.message_id is not None
        ]
        await session.execute(
            update(QuizQuestion)
            .where(QuizQuestion.round_id == round_id, QuizQuestion.closed_at.is_(None))
            .values(closed_at=now)
        )
        rnd = await session.get(QuizRound, round_id)
        assert rnd is not None
        placed = await _standings(session, round_id)
        times = await _correct_ms(session, round_id)
        session.add_all(
            QuizResult(
                round_id=round_id,
                guild_id=rnd.guild_id,
                member_id=p.member_id,
                rank=p.rank,
                points=p.points,
                correct=p.correct,
                answered=p.answered,
                correct_ms=times.get(p.member_id, 0),
                ended_at=now,
            )
            for p in placed
        )
        asked = await session.scalar(
            select(func.count())
            .select_from(QuizQuestion)
            .where(QuizQuestion.round_id == round_id, QuizQuestion.posted_at.is_not(None))
        )
        await session.commit()
        return Results(_info(rnd), status, placed, int(asked or 0), cut)


async def stop(
    sessions: Sessions, *, channel_id: int, member_id: int, organiser: bool, now: datetime
) -> Results:
    async with sessions() as session:
        rnd = await _live_round(session, channel_id)
    if rnd is None:
        raise NotFound("No quiz round is running in this channel.")
    if member_id != rnd.host_id and not organiser:
        raise NotAllowed(
            "Only the round's host or an organiser (Manage Server) can stop it. "
            "Keep playing, it ends on its own!"
        )
    results = await end(sessions, rnd.id, "stopped", now)
    if results is None:
        raise NotFound("That round has just ended.")
    return results


async def running(sessions: Sessions) -> list[int]:
    """Rounds still marked running (after a restart: rounds the previous process was running)."""
    async with sessions() as session:
        return list(
            await session.scalars(select(QuizRound.id).where(QuizRound.status == "running"))
        )


async def round_info(sessions: Sessions, round_id: int) -> RoundInfo | None:
    async with sessions() as session:
        rnd = await session.get(QuizRound, round_id)
    return _info(rnd) if rnd else None


# ---- helpers -------------------------------------------------------------------------------


async def _live_round(session: AsyncSession, channel_id: int) -> QuizRound | None:
    return await session.scalar(select(QuizRound).where(QuizRound.live_channel_id == channel_id))


async def _standings(session: AsyncSession, round_id: int) -> list[Named]:
    rows = (
        await session.execute(
            select(
                QuizAnswer.member_id,
                QuizAnswer.member_name,
                QuizAnswer.correct,
                QuizAnswer.points,
                QuizAnswer.elapsed_ms,
            ).where(QuizAnswer.round_id == round_id)
        )
    ).all()
    names = {r.member_id: r.member_name for r in rows}
    scores = rules.tally(
        Answer(r.member_id, r.correct, r.points, r.elapsed_ms / 1000) for r in rows
    )
    return [_named(p, names) for p in rules.standings(scores.values())]


async def _correct_ms(session: AsyncSession, round_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(QuizAnswer.member_id, func.sum(QuizAnswer.elapsed_ms))
        .where(QuizAnswer.round_id == round_id, QuizAnswer.correct.is_(True))
        .group_by(QuizAnswer.member_id)
    )
    return {m: int(ms or 0) for m, ms in rows}


def _named(placed: Placed, names: dict[int, str]) -> Named:
    s = placed.score
    return Named(
        placed.rank, s.member_id, names.get(s.member_id, "member"), s.points, s.correct, s.answered
    )


def _info(rnd: QuizRound, *, first_at: datetime | None = None) -> RoundInfo:
    return RoundInfo(
        id=rnd.id,
        guild_id=rnd.guild_id,
        channel_id=rnd.channel_id,
        host_id=rnd.host_id,
        topic=rnd.topic,
        total=rnd.question_count,
        seconds=rnd.seconds,
        speed_bonus=rnd.speed_bonus,
        first_at=first_at,
    )
