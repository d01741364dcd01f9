"""Quiz clicks in groups: a burst of a round's answers shares one short transaction.

`quiz.answer` is the rule, click by click; this is the same rule for many clicks at once
(`bot.services.group_commit`). On SQLite the whole group runs inline on the loop's thread
(`bot.db.inline`) under the write lock: the questions' state (posted, closed, round still
running), the members' earlier answers, the verdicts (`bot.domain.quiz.judge`), the INSERT of
the answers and of the round's activity, the commit. Nothing can close a question between the
check and the commit, and nobody is told "locked in" before it. When another connection holds
the lock, and on PostgreSQL, each click goes through `quiz.answer` instead: slower, the same
result.

What never changes about a posted question (its round, guild, seconds, scoring, key and
text) is kept between groups; its post time, whether it is closed and whether its round is
still running are read under the lock every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.inline import Busy, InlineSqlite, binder, placeholders, reader
from bot.db.models import Activity, Question, QuizAnswer, QuizQuestion, QuizRound
from bot.domain import quiz as rules
from bot.domain.errors import BadInput, CohortError, NotFound
from bot.services import group_commit, quiz
from bot.services.activity import ActivityEvent, activity_rows, zone_of
from bot.services.daily import QuestionView, question_view
from bot.services.group_commit import GroupCommit

_ANSWER_COLUMNS = (
    "quiz_question_id",
    "round_id",
    "guild_id",
    "member_id",
    "member_name",
    "choice",
    "correct",
    "points",
    "elapsed_ms",
    "answered_at",
)
_ACTIVITY_COLUMNS = ("member_id", "guild_id", "kind", "ref", "occurred_at", "local_date")


@dataclass(frozen=True)
class Click:
    """The arguments of `quiz.answer`, for one click."""

    quiz_question_id: int
    member_id: int
    member_name: str
    choice: int
    clicked_at: datetime
    message_posted_at: datetime
    now: datetime


@dataclass(frozen=True)
class _Static:
    round_id: int
    guild_id: int
    seconds: int
    speed_bonus: bool
    key: int
    view: QuestionView


class QuizBatcher(GroupCommit[Click, quiz.Receipt]):
    name = "quiz-answer"

    def __init__(self, sessions: Any, **options: Any) -> None:
        # No waiting for company: the inline commit of a click or two takes well under a
        # millisecond, and clicks arriving meanwhile form the next group anyway.
        options.setdefault("max_delay", 0.0)
        super().__init__(sessions, **options)
        self._static: dict[int, _Static] = {}
        # (member, round) pairs whose activity is stored: later questions of the round skip
        # the timezone look-ups and the INSERT (which would change nothing anyway).
        self._played: set[tuple[int, int]] = set()

    async def answer(self, click: Click) -> quiz.Receipt:
        """`quiz.answer`, sharing a transaction with whoever else is clicking now."""
        return await self.submit(click)

    async def _many(self, clicks: list[Click]) -> Sequence[quiz.Receipt | BaseException]:
        inline = self.inline
        if inline is not None:
            await self._load({c.quiz_question_id for c in clicks} - self._static.keys())
            try:
                return _answer_inline(inline, clicks, self._static, self._played)
            except Busy:
                pass
        outcomes: list[quiz.Receipt | BaseException] = []
        for click in clicks:
            try:
                outcomes.append(await self._one(click))
            except CohortError as error:
                outcomes.append(error)
        return outcomes

    def _now(self, clicks: list[Click]) -> Sequence[quiz.Receipt | BaseException] | None:
        inline = self.inline
        if inline is None or any(c.quiz_question_id not in self._static for c in clicks):
            return None
        try:
            return _answer_inline(inline, clicks, self._static, self._played)
        except Busy:
            return None

    async def _one(self, c: Click) -> quiz.Receipt:
        return await quiz.answer(
            self.sessions,
            quiz_question_id=c.quiz_question_id,
            member_id=c.member_id,
            member_name=c.member_name,
            choice=c.choice,
            clicked_at=c.clicked_at,
            message_posted_at=c.message_posted_at,
            now=c.now,
        )

    async def preload(self, quiz_question_id: int) -> None:
        """Read a question's fixed facts as it is posted (and open the inline connection), so
        its first clicks need no query."""
        _ = self.inline
        if quiz_question_id not in self._static:
            await self._load({quiz_question_id})

    async def _load(self, ids: set[int]) -> None:
        if not ids:
            return
        async with self.sessions() as session:
            rows = await session.execute(
                select(QuizQuestion.id, QuizRound, Question)
                .join(QuizRound, QuizRound.id == QuizQuestion.round_id)
                .join(Question, Question.id == QuizQuestion.question_id)
                .where(QuizQuestion.id.in_(sorted(ids)))
            )
            for qid, rnd, question in rows:
                view = question_view(question)
                self._static[qid] = _Static(
                    rnd.id,
                    rnd.guild_id,
                    rnd.seconds,
                    rnd.speed_bonus,
                    (view.answers or [0])[0],
                    view,
                )
        if len(self._static) > 4096:  # a long-lived process: keep the newest questions only
            for qid in sorted(self._static)[:2048]:
                del self._static[qid]


def _answer_inline(
    inline: InlineSqlite,
    clicks: list[Click],
    static: dict[int, _Static],
    played: set[tuple[int, int]],
) -> list[quiz.Receipt | BaseException]:
    dialect = inline.dialect
    read_time = reader(QuizQuestion.__table__.c.posted_at, dialect)
    bind_answer = binder(QuizAnswer.__table__, _ANSWER_COLUMNS, dialect)
    bind_activity = binder(Activity.__table__, _ACTIVITY_COLUMNS, dialect)
    qids = sorted({c.quiz_question_id for c in clicks})
    members = sorted({c.member_id for c in clicks})
    outcomes: list[quiz.Receipt | BaseException] = []
    with inline.immediate() as db:
        state = {
            qid: (read_time(posted) if posted is not None else None, closed is not None, status)
            for qid, posted, closed, status in db.execute(
                "SELECT q.id, q.posted_at, q.closed_at, r.status FROM quiz_questions q "
                "JOIN quiz_rounds r ON r.id = q.round_id "
                f"WHERE q.id IN ({placeholders(len(qids))})",
                qids,
            )
        }
        firsts: dict[tuple[int, int], int] = {
            (qid, member): choice
            for qid, member, choice in db.execute(
                "SELECT quiz_question_id, member_id, choice FROM quiz_answers "
                f"WHERE quiz_question_id IN ({placeholders(len(qids))}) "
                f"AND member_id IN ({placeholders(len(members))})",
                [*qids, *members],
            )
        }
        rows: list[dict[str, Any]] = []
        events: list[ActivityEvent] = []
        for c in clicks:
            info, now_state = static.get(c.quiz_question_id), state.get(c.quiz_question_id)
            if info is None or now_state is None:
                outcomes.append(NotFound("That quiz question no longer exists."))
                continue
            if not 0 <= c.choice < len(info.view.choices or []):
                outcomes.append(BadInput("That is not one of this question's choices."))
                continue
            posted_at, closed, status = now_state
            pair = (c.quiz_question_id, c.member_id)
            verdict = rules.judge(
                posted_at=posted_at or c.message_posted_at,
                clicked_at=c.clicked_at,
                seconds=info.seconds,
                speed_bonus=info.speed_bonus,
                choice=c.choice,
                key=info.key,
                already=pair in firsts,
                closed=closed or status != "running",
            )
            deadline = (posted_at or c.message_posted_at) + timedelta(seconds=info.seconds)
            if verdict.outcome != "locked":
                outcomes.append(
                    quiz.Receipt(verdict.outcome, firsts.get(pair), deadline, info.view)
                )
                continue
            firsts[pair] = c.choice
            rows.append(
                {
                    "quiz_question_id": c.quiz_question_id,
                    "round_id": info.round_id,
                    "guild_id": info.guild_id,
                    "member_id": c.member_id,
                    "member_name": quiz.clean_name(c.member_name),
                    "choice": c.choice,
                    "correct": verdict.correct,
                    "points": verdict.points,
                    "elapsed_ms": round(verdict.elapsed * 1000),
                    "answered_at": c.now,
                }
            )
            if (c.member_id, info.round_id) not in played:
                ref = f"quiz:{info.round_id}"
                events.append(ActivityEvent(c.member_id, info.guild_id, "quiz_round", ref, c.now))
            outcomes.append(quiz.Receipt("locked", c.choice, deadline, info.view))
        if rows:
            db.executemany(
                f"INSERT INTO {QuizAnswer.__tablename__} ({', '.join(_ANSWER_COLUMNS)}) "
                f"VALUES ({placeholders(len(_ANSWER_COLUMNS))}) ON CONFLICT DO NOTHING",
                [bind_answer(row) for row in rows],
            )
        if events:
            db.executemany(
                f"INSERT INTO {Activity.__tablename__} ({', '.join(_ACTIVITY_COLUMNS)}) "
                f"VALUES ({placeholders(len(_ACTIVITY_COLUMNS))}) ON CONFLICT DO NOTHING",
                [bind_activity(row) for row in activity_rows(events, _zones(db, events))],
            )
    # Committed: remember who has played which round (a rollback above never gets here).
    played.update((e.member_id, int(e.ref.split(":")[1])) for e in events)
    if len(played) > 100_000:
        played.clear()
    return outcomes


def _zones(db: Any, events: list[ActivityEvent]) -> dict[tuple[int, int], ZoneInfo]:
    """Each member's timezone, else their guild's (the rule of `record_activity`)."""
    members = sorted({e.member_id for e in events})
    guilds = sorted({e.guild_id for e in events})
    own = dict(
        db.execute(
            f"SELECT id, timezone FROM members WHERE id IN ({placeholders(len(members))})",
            members,
        ).fetchall()
    )
    guild = dict(
        db.execute(
            f"SELECT id, timezone FROM guilds WHERE id IN ({placeholders(len(guilds))})", guilds
        ).fetchall()
    )
    return {
        (e.member_id, e.guild_id): zone_of(own.get(e.member_id), guild.get(e.guild_id))
        for e in events
    }


def shared(services: Any) -> QuizBatcher:
    """The process's quiz answer batcher (see `group_commit.shared`)."""
    return group_commit.shared(services, QuizBatcher)
