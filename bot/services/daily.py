"""The daily question's use cases: schedule, claim, pick, answer, reveal.

Exactly-once lives here, in the database: a post is a row claimed under the unique
(guild, local date) pair before anything is sent; a reveal is a conditional UPDATE that only
one caller can win; an answer is a row under the unique (post, member) pair. Timers and
Discord calls around these may run twice, late or never, and nothing is duplicated.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.inserts import insert_ignoring_duplicates
from bot.db.models import DailyAnswer, DailyConfig, DailyPost, Guild, Question
from bot.domain.errors import BadInput, Conflict, NotFound
from bot.domain.schedule import local_date, next_run, run_at
from bot.domain.selection import Pick, pick_question
from bot.services.activity import record_activity
from bot.services.guilds import guild_row

Sessions = async_sessionmaker[AsyncSession]
# A claim older than this with nothing sent is assumed to belong to a process that died.
STALE_CLAIM = timedelta(minutes=2)
REVEAL_HOURS = (1, 48)
# A post takes answers while claimed too: a click proves its message went out, and the sweep
# marks a batch of sends `posted` only after the batch, a moment after members can see them.
ANSWERABLE = ("claimed", "posted")


# ---- plain results -------------------------------------------------------------------------


@dataclass(frozen=True)
class DailySettings:
    guild_id: int
    channel_id: int
    post_time: time
    timezone: str
    topics: list[str]
    difficulty: str | None
    reveal_hours: int
    ping_role_id: int | None
    paused: bool
    schedule_from: datetime
    log_channel_id: int | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def next_post(self, now: datetime) -> datetime:
        """The next scheduled post after `now` (never before the schedule was set)."""
        return next_run(max(now, self.schedule_from), self.post_time, self.zone)


@dataclass(frozen=True)
class QuestionView:
    id: int
    external_id: str
    track: str
    topic: str
    difficulty: str
    format: str
    prompt: str
    choices: list[str] | None
    answers: list[int] | None
    explanation: str
    reference_answer: str | None
    rubric: list[dict[str, str]] | None
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostPlan:
    """What to send for a claimed post. `recover` means a previous process claimed it and may
    have sent it: look for the message before sending again."""

    post_id: int
    guild_id: int
    channel_id: int
    local_date: date
    question: QuestionView
    reveal_at: datetime
    ping_role_id: int | None
    recover: bool = False
    # The guild's posts still open from earlier days: closed before this one goes out.
    older_open: tuple[int, ...] = ()


@dataclass(frozen=True)
class ExistingPost:
    post_id: int
    channel_id: int
    message_id: int | None
    status: str


@dataclass(frozen=True)
class Receipt:
    """The outcome of an answer click: stored now, already answered before, or too late."""

    outcome: str  # "stored" | "already" | "closed"
    choices: list[int] | None
    text: str | None
    reveal_at: datetime | None
    question: QuestionView


@dataclass(frozen=True)
class RevealPlan:
    post_id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    question: QuestionView
    counts: list[int]
    answered: int
    correct: int
    local_date: date
    posted_at: datetime | None

    @property
    def share_correct(self) -> float | None:
        graded = self.question.format != "open"
        return self.correct / self.answered if graded and self.answered else None


@dataclass(frozen=True)
class DailyStatus:
    settings: DailySettings
    next_post: datetime
    left_before_repeats: int
    eligible: int


# ---- settings ------------------------------------------------------------------------------


async def bank_topics(sessions: Sessions) -> tuple[set[str], set[str]]:
    """Tracks and topics that live questions have, for validation and autocomplete."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Question.track, Question.topic)
                .where(Question.retired_at.is_(None))
                .distinct()
            )
        ).all()
    return {r.track for r in rows}, {r.topic for r in rows}


def parse_topics(text: str | None, tracks: set[str], topics: set[str]) -> list[str]:
    """`"statistics, joins"` -> ["statistics", "joins"]; unknown names are a specific error."""
    if not text or not text.strip():
        return []
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in tracks and n not in topics]
    if unknown:
        listed = ", ".join(f"“{n}”" for n in unknown)
        raise BadInput(
            f"I don't know the topic {listed}. Use tracks or topics from the suggestions, "
            "separated by commas, e.g. `statistics, window functions`."
        )
    return list(dict.fromkeys(names))


def topic_suggestions(current: str, tracks: set[str], topics: set[str]) -> list[str]:
    """Autocomplete for the comma-separated `topics` option: completes the last name typed and
    keeps the ones before it; tracks first, then topics, at most 25 (Discord's limit)."""
    head, _, last = current.rpartition(",")
    prefix = f"{head}, " if head else ""
    typed = last.strip().lower()
    ordered = sorted(tracks) + sorted(topics - tracks)
    return [(prefix + name)[:100] for name in ordered if typed in name][:25]


async def configure(
    sessions: Sessions,
    *,
    guild_id: int,
    channel_id: int,
    post_time: time,
    timezone: str,
    topics: list[str],
    difficulty: str | None,
    reveal_hours: int,
    ping_role_id: int | None,
    now: datetime,
) -> DailySettings:
    """Save a guild's schedule (validated by the caller's parsers); replaces any earlier one."""
    low, high = REVEAL_HOURS
    if not low <= reveal_hours <= high:
        raise BadInput(f"`reveal_hours` must be between {low} and {high}.")
    async with sessions() as session:
        if await _eligible_count(session, topics, difficulty) == 0:
            raise BadInput(
                "No questions in the bank match those topics and that difficulty; widen the filter."
            )
        guild = await guild_row(session, guild_id, now)
        guild.timezone = timezone
        config = await session.get(DailyConfig, guild_id)
        if config is None:
            config = DailyConfig(guild_id=guild_id, cycle_started_at=now, created_at=now)
            session.add(config)
        config.channel_id = channel_id
        config.post_time = post_time.strftime("%H:%M")
        config.topics = topics
        config.difficulty = difficulty
        config.reveal_hours = reveal_hours
        config.ping_role_id = ping_role_id
        config.paused = False
        config.schedule_from = now
        config.updated_at = now
        await session.commit()
    settings = await get_settings(sessions, guild_id)
    assert settings is not None
    return settings


# Plain columns, not ORM objects: the minute sweep reads every guild's settings.
_SETTINGS = (
    DailyConfig.guild_id,
    DailyConfig.channel_id,
    DailyConfig.post_time,
    DailyConfig.topics,
    DailyConfig.difficulty,
    DailyConfig.reveal_hours,
    DailyConfig.ping_role_id,
    DailyConfig.paused,
    DailyConfig.schedule_from,
    Guild.timezone,
    Guild.log_channel_id,
)


async def get_settings(sessions: Sessions, guild_id: int) -> DailySettings | None:
    async with sessions() as session:
        row = (
            await session.execute(
                select(*_SETTINGS)
                .join(Guild, Guild.id == DailyConfig.guild_id)
                .where(DailyConfig.guild_id == guild_id)
            )
        ).first()
    return _settings(row, row) if row else None


async def all_settings(sessions: Sessions) -> list[DailySettings]:
    async with sessions() as session:
        rows = await session.execute(
            select(*_SETTINGS).join(Guild, Guild.id == DailyConfig.guild_id)
        )
        return [_settings(row, row) for row in rows]


async def set_paused(sessions: Sessions, guild_id: int, paused: bool, now: datetime) -> bool:
    """Pause or resume; returns whether anything changed. Resuming never posts a missed day."""
    async with sessions() as session:
        config = await session.get(DailyConfig, guild_id)
        if config is None:
            raise NotFound("The daily question is not set up here yet: use `/daily setup`.")
        if config.paused == paused:
            return False
        config.paused = paused
        if not paused:
            config.schedule_from = now
        config.updated_at = now
        await session.commit()
        return True


async def set_timezone(sessions: Sessions, guild_id: int, timezone: str, now: datetime) -> None:
    """The guild's timezone; the daily schedule follows it from now on (past posts stay)."""
    async with sessions() as session:
        guild = await guild_row(session, guild_id, now)
        guild.timezone = timezone
        guild.updated_at = now
        config = await session.get(DailyConfig, guild_id)
        if config is not None:
            config.schedule_from = now
            config.updated_at = now
        await session.commit()


async def set_log_channel(
    sessions: Sessions, guild_id: int, channel_id: int | None, now: datetime
) -> None:
    async with sessions() as session:
        guild = await guild_row(session, guild_id, now)
        guild.log_channel_id = channel_id
        guild.updated_at = now
        await session.commit()


async def guild_config(sessions: Sessions, guild_id: int) -> tuple[str, int | None]:
    """The guild's timezone and log channel (defaults when the guild has no row yet)."""
    async with sessions() as session:
        guild = await session.get(Guild, guild_id)
    return (guild.timezone, guild.log_channel_id) if guild else ("UTC", None)


# ---- posting -------------------------------------------------------------------------------


def due_today(settings: DailySettings, now: datetime) -> date | None:
    """The local date whose post is due at `now`, if its run time has passed since the schedule
    was set (so a bot that was down catches up the same local day, and only that day)."""
    today = local_date(now, settings.zone)
    when = run_at(today, settings.post_time, settings.zone)
    if settings.paused or when is None or when > now or when <= settings.schedule_from:
        return None
    return today


async def claim(
    sessions: Sessions, guild_id: int, now: datetime, *, force: bool = False
) -> PostPlan | ExistingPost | None:
    """Claim today's post. None: not due (or not set up). ExistingPost: today's is already
    claimed or out. `force` (/daily now) claims today even before the scheduled time, and
    retries a failed one."""
    settings = await get_settings(sessions, guild_id)
    if settings is None:
        if force:
            raise NotFound("The daily question is not set up here yet: use `/daily setup`.")
        return None
    day = local_date(now, settings.zone) if force else due_today(settings, now)
    if day is None:
        return None
    result = (await claim_many(sessions, [(settings, day)], now, retry_failed=force))[guild_id]
    if result is None:
        raise Conflict("No questions in the bank match this server's daily filter.")
    return result


async def claim_due(
    sessions: Sessions, everyone: Sequence[DailySettings], now: datetime
) -> dict[int, PostPlan | ExistingPost | None]:
    """Claim the post of every guild in `everyone` that is due now (see `due_today`), in one
    transaction: what one sweep does for thousands of guilds due at the same minute."""
    due = [(s, day) for s in everyone if (day := due_today(s, now)) is not None]
    return await claim_many(sessions, due, now, retry_failed=False) if due else {}


async def claim_many(
    sessions: Sessions,
    due: Sequence[tuple[DailySettings, date]],
    now: datetime,
    *,
    retry_failed: bool,
) -> dict[int, PostPlan | ExistingPost | None]:
    """Claim each guild's post for its local date; per guild id: a PostPlan to send, the
    ExistingPost already claimed for that day, or None when no question matches its filter.

    A handful of queries whatever the number of guilds: the day's existing posts, the eligible
    question ids per distinct filter, every guild's last-asked dates (grouped), one multi-row
    INSERT that skips a (guild, day) another process claimed a moment ago, and the questions
    picked. The unique (guild, local date) pair still decides every race.
    """
    results: dict[int, PostPlan | ExistingPost | None] = {}
    by_guild = {settings.guild_id: (settings, day) for settings, day in due}
    guild_ids = sorted(by_guild)
    async with sessions() as session:
        existing = {
            post.guild_id: post
            for post in await session.execute(
                select(*_POST_STATE).where(
                    DailyPost.guild_id.in_(guild_ids),
                    DailyPost.local_date.in_(sorted({day for _, day in due})),
                )
            )
            if post.local_date == by_guild[post.guild_id][1]
        }
        fresh = [g for g in guild_ids if g not in existing]
        picks = await _picks(session, [by_guild[g] for g in fresh], now) if fresh else {}
        for guild_id in fresh:
            if guild_id not in picks:
                results[guild_id] = None
        rows = [
            {
                "guild_id": guild_id,
                "local_date": by_guild[guild_id][1],
                "question_id": pick.question_id,
                "channel_id": by_guild[guild_id][0].channel_id,
                "status": "claimed",
                "attempts": 1,
                "claimed_at": now,
                "reveal_at": now + timedelta(hours=by_guild[guild_id][0].reveal_hours),
            }
            for guild_id, pick in picks.items()
        ]
        claimed: dict[int, int] = {}
        if rows:
            inserted = await session.execute(
                insert_ignoring_duplicates(session, DailyPost.__table__).returning(
                    DailyPost.id, DailyPost.guild_id
                ),
                rows,
            )
            claimed = {guild_id: post_id for post_id, guild_id in inserted}
            # A new cycle starts with this post; so does a guild's first cycle.
            restarted = [
                g for g, pick in picks.items() if g in claimed and (pick.new_cycle or pick.first)
            ]
            if restarted:
                config = DailyConfig.__table__
                await session.execute(
                    update(config)
                    .where(config.c.guild_id == bindparam("guild"))
                    .values(cycle_started_at=now, cycle_start_post_id=bindparam("post")),
                    [{"guild": g, "post": claimed[g]} for g in restarted],
                )
            older = await _open_posts_of(session, sorted(claimed))
            questions = await _question_views(session, {picks[g].question_id for g in claimed})
        await session.commit()
        for guild_id, post_id in claimed.items():
            settings, day = by_guild[guild_id]
            results[guild_id] = PostPlan(
                post_id=post_id,
                guild_id=guild_id,
                channel_id=settings.channel_id,
                local_date=day,
                question=questions[picks[guild_id].question_id],
                reveal_at=now + timedelta(hours=settings.reveal_hours),
                ping_role_id=settings.ping_role_id,
                older_open=tuple(p for p in older.get(guild_id, ()) if p != post_id),
            )
        # Claimed a moment ago by another process or timer: what it claimed is the answer.
        lost = [g for g in picks if g not in claimed]
        if lost:
            for post in await session.execute(
                select(*_POST_STATE).where(
                    DailyPost.guild_id.in_(lost),
                    DailyPost.local_date.in_(sorted({by_guild[g][1] for g in lost})),
                )
            ):
                if post.local_date == by_guild[post.guild_id][1]:
                    results[post.guild_id] = _existing(post)
        for guild_id, post in existing.items():
            results[guild_id] = await _reclaim(
                session, post, by_guild[guild_id][0], now, retry_failed=retry_failed
            )
    return results


# What a claim needs to know of a day's existing post.
_POST_STATE = (
    DailyPost.id,
    DailyPost.guild_id,
    DailyPost.local_date,
    DailyPost.channel_id,
    DailyPost.message_id,
    DailyPost.status,
    DailyPost.claimed_at,
)


async def _reclaim(
    session: AsyncSession,
    post: Any,
    settings: DailySettings,
    now: datetime,
    *,
    retry_failed: bool,
) -> PostPlan | ExistingPost:
    """A failed post may be retried (on `/daily now`, once organisers fixed the cause: the
    minute sweep retrying would repeat the same failure notice every minute), and a claim whose
    sender died is recovered; each by one caller only (a conditional UPDATE decides who).
    `post` is a row of `_POST_STATE`."""
    if post.status == "failed" and retry_failed:
        condition = DailyPost.status == "failed"
    elif post.status == "claimed" and post.claimed_at <= now - STALE_CLAIM:
        condition = (DailyPost.status == "claimed") & (DailyPost.claimed_at == post.claimed_at)
    else:
        return _existing(post)
    recover = post.status == "claimed"
    result = await session.execute(
        update(DailyPost)
        .where(DailyPost.id == post.id, condition)
        .values(
            status="claimed",
            claimed_at=now,
            attempts=DailyPost.attempts + 1,
            channel_id=post.channel_id if recover else settings.channel_id,
            reveal_at=now + timedelta(hours=settings.reveal_hours),
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return _existing(post)
    claimed = await session.get(DailyPost, post.id, populate_existing=True)
    assert claimed is not None
    question = await session.get(Question, claimed.question_id)
    assert question is not None
    older = (await _open_posts_of(session, [claimed.guild_id])).get(claimed.guild_id, [])
    return _plan(claimed, question, settings.ping_role_id, recover=recover, older_open=older)


async def mark_posted(sessions: Sessions, post_id: int, message_id: int, now: datetime) -> None:
    async with sessions() as session:
        await session.execute(
            update(DailyPost)
            .where(DailyPost.id == post_id, DailyPost.status == "claimed")
            .values(status="posted", message_id=message_id, posted_at=now)
        )
        await session.commit()


async def mark_posted_many(
    sessions: Sessions, sent: Sequence[tuple[int, int]], now: datetime
) -> None:
    """`mark_posted` for many (post id, message id) pairs in one executemany."""
    if not sent:
        return
    table = DailyPost.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("post_id"), table.c.status == "claimed")
        .values(status="posted", message_id=bindparam("message_id"), posted_at=now)
    )
    async with sessions() as session:
        await session.execute(statement, [{"post_id": p, "message_id": m} for p, m in sent])
        await session.commit()


async def mark_failed(sessions: Sessions, post_id: int, error: str, now: datetime) -> None:
    async with sessions() as session:
        await session.execute(
            update(DailyPost)
            .where(DailyPost.id == post_id, DailyPost.status == "claimed")
            .values(status="failed", error=error[:255])
        )
        await session.commit()


# ---- selection -----------------------------------------------------------------------------


def _eligible(topics: list[str], difficulty: str | None, *columns: Any) -> Select[Any]:
    query = select(*(columns or (Question,))).where(
        Question.retired_at.is_(None), Question.format.in_(("single", "multi", "open"))
    )
    if topics:
        query = query.where(or_(Question.track.in_(topics), Question.topic.in_(topics)))
    if difficulty:
        query = query.where(Question.difficulty == difficulty)
    return query


async def _eligible_count(session: AsyncSession, topics: list[str], difficulty: str | None) -> int:
    sub = _eligible(topics, difficulty).subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)


@dataclass(frozen=True)
class _Pick(Pick):
    first: bool = False  # the guild's cycle has no post yet


async def _picks(
    session: AsyncSession, due: Sequence[tuple[DailySettings, date]], now: datetime
) -> dict[int, _Pick]:
    """The next question for each guild (see `pick_question`), from one query per distinct
    filter and two grouped queries over all the guilds. Post ids stand for time (they grow as
    posts are claimed), so a year of history is read as small integers from one index."""
    guild_ids = sorted(settings.guild_id for settings, _ in due)
    # The first post of each guild's current cycle; none yet means everything asked is older.
    cycle_start = dict(
        (
            await session.execute(
                select(DailyConfig.guild_id, DailyConfig.cycle_start_post_id).where(
                    DailyConfig.guild_id.in_(guild_ids)
                )
            )
        ).all()
    )
    last_asked: dict[int, dict[int, int]] = {}
    for guild_id, question_id, last in await session.execute(
        select(DailyPost.guild_id, DailyPost.question_id, func.max(DailyPost.id))
        .where(DailyPost.guild_id.in_(guild_ids))
        .group_by(DailyPost.guild_id, DailyPost.question_id)
    ):
        last_asked.setdefault(guild_id, {})[question_id] = last
    eligible: dict[tuple[tuple[str, ...], str | None], list[int]] = {}
    picks: dict[int, _Pick] = {}
    for settings, day in due:
        if settings.guild_id not in cycle_start:  # the schedule was removed meanwhile
            continue
        key = (tuple(settings.topics), settings.difficulty)
        if key not in eligible:
            eligible[key] = list(
                await session.scalars(_eligible(settings.topics, settings.difficulty, Question.id))
            )
        pick = pick_question(
            eligible[key],
            last_asked.get(settings.guild_id, {}),
            cycle_start[settings.guild_id] or sys.maxsize,
            seed=f"{settings.guild_id}:{day.isoformat()}",
        )
        if pick is not None:
            first = cycle_start[settings.guild_id] is None
            picks[settings.guild_id] = _Pick(pick.question_id, pick.new_cycle, first)
    return picks


async def _open_posts_of(session: AsyncSession, guild_ids: list[int]) -> dict[int, list[int]]:
    """Each guild's posted, unrevealed posts, oldest first."""
    posts: dict[int, list[int]] = {}
    for post_id, guild_id in await session.execute(
        select(DailyPost.id, DailyPost.guild_id)
        .where(DailyPost.guild_id.in_(guild_ids), DailyPost.status == "posted")
        .order_by(DailyPost.id)
    ):
        posts.setdefault(guild_id, []).append(post_id)
    return posts


async def status(sessions: Sessions, guild_id: int, now: datetime) -> DailyStatus:
    settings = await get_settings(sessions, guild_id)
    if settings is None:
        raise NotFound("The daily question is not set up here yet: use `/daily setup`.")
    async with sessions() as session:
        config = await session.get(DailyConfig, guild_id)
        assert config is not None
        eligible = await _eligible_count(session, settings.topics, settings.difficulty)
        sub = _eligible(settings.topics, settings.difficulty).subquery()
        asked = 0  # a cycle without a post yet has asked nothing
        if config.cycle_start_post_id is not None:
            asked = await session.scalar(
                select(func.count(func.distinct(DailyPost.question_id))).where(
                    DailyPost.guild_id == guild_id,
                    DailyPost.id >= config.cycle_start_post_id,
                    DailyPost.question_id.in_(select(sub.c.id)),
                )
            )
    return DailyStatus(
        settings=settings,
        next_post=settings.next_post(now),
        left_before_repeats=max(eligible - int(asked or 0), 0),
        eligible=eligible,
    )


# ---- answers -------------------------------------------------------------------------------


async def answer(
    sessions: Sessions,
    *,
    post_id: int,
    member_id: int,
    choices: list[int] | None = None,
    text: str | None = None,
    now: datetime,
) -> Receipt:
    """Store a member's first answer (and their activity) in one transaction; a second
    attempt or a late one changes nothing and says why."""
    async with sessions() as session:
        post, question = await _post_and_question(session, post_id)
        view = question_view(question)
        reveal_at = post.reveal_at
        previous = await _previous_answer(session, post_id, member_id)
        if previous is not None:
            return Receipt("already", previous.choices, previous.text, post.reveal_at, view)
        if post.status not in ANSWERABLE or post.revealed_at is not None:
            return Receipt("closed", None, None, None, view)
        correct = check_answer(view, choices, text)
        try:
            session.add(
                DailyAnswer(
                    post_id=post_id,
                    guild_id=post.guild_id,
                    member_id=member_id,
                    choices=sorted(choices) if choices is not None else None,
                    text=text,
                    correct=correct,
                    answered_at=now,
                )
            )
            await session.flush()  # the unique (post, member) pair decides a double click here
            await record_activity(
                session,
                member_id=member_id,
                guild_id=post.guild_id,
                kind="daily_answer",
                ref=f"daily:{post_id}",
                at=now,
            )
            await session.commit()
        except IntegrityError:  # a double click raced the first one
            await session.rollback()
            previous = await _previous_answer(session, post_id, member_id)
            assert previous is not None
            return Receipt("already", previous.choices, previous.text, reveal_at, view)
    return Receipt("stored", choices, text, reveal_at, view)


def check_answer(view: QuestionView, choices: list[int] | None, text: str | None) -> bool | None:
    if view.format == "open":
        if not text or not text.strip():
            raise BadInput("Your answer is empty.")
        return None
    count = len(view.choices or [])
    if not choices or any(not 0 <= c < count for c in choices) or len(set(choices)) != len(choices):
        raise BadInput("That is not one of this question's choices.")
    if view.format == "single" and len(choices) != 1:
        raise BadInput("This question has one answer: pick a single choice.")
    return sorted(choices) == sorted(view.answers or [])


# ---- reveals -------------------------------------------------------------------------------


async def due_reveals(sessions: Sessions, now: datetime) -> list[tuple[int, int]]:
    """(post id, guild id) of posts whose reveal time has come."""
    async with sessions() as session:
        rows = await session.execute(
            select(DailyPost.id, DailyPost.guild_id).where(
                DailyPost.status == "posted", DailyPost.reveal_at <= now
            )
        )
        return [(r.id, r.guild_id) for r in rows]


async def open_posts(sessions: Sessions, guild_id: int, *, before: int | None = None) -> list[int]:
    """The guild's posted, unrevealed posts (older than post `before`, if given)."""
    async with sessions() as session:
        query = select(DailyPost.id).where(
            DailyPost.guild_id == guild_id, DailyPost.status == "posted"
        )
        if before is not None:
            query = query.where(DailyPost.id != before)
        return list(await session.scalars(query.order_by(DailyPost.id)))


async def reveal(sessions: Sessions, post_id: int, now: datetime) -> RevealPlan | None:
    """Close a post and return its statistics; None if another caller revealed it already."""
    async with sessions() as session:
        result = await session.execute(
            update(DailyPost)
            .where(DailyPost.id == post_id, DailyPost.status == "posted")
            .values(status="revealed", revealed_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return None
        plan = await _reveal_plan(session, post_id)
        await session.commit()
    return plan


async def unfinished_reveals(sessions: Sessions, now: datetime) -> list[RevealPlan]:
    """Reveals that were claimed but whose thread never got recorded (the process stopped in
    between): the poster finishes them, finding what was already sent instead of resending."""
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(DailyPost.id).where(
                    DailyPost.status == "revealed",
                    DailyPost.thread_id.is_(None),
                    DailyPost.message_id.is_not(None),
                    DailyPost.revealed_at <= now - STALE_CLAIM,
                    DailyPost.revealed_at >= now - timedelta(days=2),
                )
            )
        )
        return [await _reveal_plan(session, post_id) for post_id in ids]


async def _reveal_plan(session: AsyncSession, post_id: int) -> RevealPlan:
    post, question = await _post_and_question(session, post_id)
    answers = list(await session.scalars(select(DailyAnswer).where(DailyAnswer.post_id == post_id)))
    view = question_view(question)
    counts = [0] * len(view.choices or [])
    for a in answers:
        for c in a.choices or []:
            if 0 <= c < len(counts):
                counts[c] += 1
    return RevealPlan(
        post_id=post.id,
        guild_id=post.guild_id,
        channel_id=post.channel_id,
        message_id=post.message_id,
        question=view,
        counts=counts,
        answered=len(answers),
        correct=sum(1 for a in answers if a.correct),
        local_date=post.local_date,
        posted_at=post.posted_at,
    )


async def set_thread(sessions: Sessions, post_id: int, thread_id: int) -> None:
    async with sessions() as session:
        await session.execute(
            update(DailyPost).where(DailyPost.id == post_id).values(thread_id=thread_id)
        )
        await session.commit()


async def current_open(sessions: Sessions, guild_id: int) -> int | None:
    posts = await open_posts(sessions, guild_id)
    return posts[-1] if posts else None


# ---- lookups and mapping -------------------------------------------------------------------


async def _post_and_question(session: AsyncSession, post_id: int) -> tuple[DailyPost, Question]:
    row = (
        await session.execute(
            select(DailyPost, Question)
            .join(Question, Question.id == DailyPost.question_id)
            .where(DailyPost.id == post_id)
        )
    ).first()
    if row is None:
        raise NotFound("That daily question no longer exists.")
    return row[0], row[1]


async def _previous_answer(
    session: AsyncSession, post_id: int, member_id: int
) -> DailyAnswer | None:
    return await session.scalar(
        select(DailyAnswer).where(
            DailyAnswer.post_id == post_id, DailyAnswer.member_id == member_id
        )
    )


def _settings(config: DailyConfig, guild: Guild) -> DailySettings:
    hour, minute = (int(p) for p in config.post_time.split(":"))
    return DailySettings(
        guild_id=config.guild_id,
        channel_id=config.channel_id,
        post_time=time(hour, minute),
        timezone=guild.timezone,
        topics=list(config.topics or []),
        difficulty=config.difficulty,
        reveal_hours=config.reveal_hours,
        ping_role_id=config.ping_role_id,
        paused=config.paused,
        schedule_from=config.schedule_from,
        log_channel_id=guild.log_channel_id,
    )


# Question views by (id, content hash): a sweep of thousands of guilds asks for the same few
# hundred questions batch after batch; the hash makes an edited question a new entry.
_VIEWS: dict[tuple[int, str], QuestionView] = {}
_VIEWS_MAX = 4096


async def _question_views(session: AsyncSession, ids: set[int]) -> dict[int, QuestionView]:
    hashes = dict(
        (
            await session.execute(
                select(Question.id, Question.content_hash).where(Question.id.in_(sorted(ids)))
            )
        ).all()
    )
    views = {i: _VIEWS[(i, h)] for i, h in hashes.items() if (i, h) in _VIEWS}
    missing = sorted(set(hashes) - set(views))
    if missing:
        if len(_VIEWS) + len(missing) > _VIEWS_MAX:
            _VIEWS.clear()
        for question in await session.scalars(select(Question).where(Question.id.in_(missing))):
            views[question.id] = _VIEWS[(question.id, question.content_hash)] = question_view(
                question
            )
    return views


def question_view(q: Question) -> QuestionView:
    """A question row as the plain value the UI and the answer batcher work with."""
    return QuestionView(
        id=q.id,
        external_id=q.external_id,
        track=q.track,
        topic=q.topic,
        difficulty=q.difficulty,
        format=q.format,
        prompt=q.prompt,
        choices=list(q.choices) if q.choices else None,
        answers=list(q.answers) if q.answers else None,
        explanation=q.explanation,
        reference_answer=q.reference_answer,
        rubric=list(q.rubric) if q.rubric else None,
        hints=tuple(q.hints or ()),
    )


def _existing(post: Any) -> ExistingPost:
    return ExistingPost(post.id, post.channel_id, post.message_id, post.status)


def _plan(
    post: DailyPost,
    question: Question,
    ping_role_id: int | None,
    *,
    recover: bool = False,
    older_open: Sequence[int] = (),
) -> PostPlan:
    assert post.reveal_at is not None
    return PostPlan(
        post_id=post.id,
        guild_id=post.guild_id,
        channel_id=post.channel_id,
        local_date=post.local_date,
        question=question_view(question),
        reveal_at=post.reveal_at,
        ping_role_id=ping_role_id,
        recover=recover,
        older_open=tuple(p for p in older_open if p != post.id),
    )


async def peek(sessions: Sessions, post_id: int, member_id: int) -> Receipt | None:
    """What answering would say without answering: None when the member may still answer
    (used before opening the open-answer modal, so nobody writes an answer that cannot count)."""
    async with sessions() as session:
        post, question = await _post_and_question(session, post_id)
        previous = await _previous_answer(session, post_id, member_id)
    view = question_view(question)
    if previous is not None:
        return Receipt("already", previous.choices, previous.text, post.reveal_at, view)
    if post.status not in ANSWERABLE:
        return Receipt("closed", None, None, None, view)
    return None
