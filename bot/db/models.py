"""The tables that every feature builds on: guilds, members, memberships, the question bank.

Discord ids are snowflakes (64-bit), hence BigInteger and no autoincrement for them. Times are
UTC (`UTCDateTime`); defaults use the wall clock, and services pass their clock's time when a
test needs to control it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow

DIFFICULTIES = ("easy", "medium", "hard")
FORMATS = ("single", "multi", "open")
# claimed: the row exists, nothing sent yet; posted: the message is out; failed: sending failed
# (a later attempt the same day may retry); revealed: closed, key shown.
DAILY_STATUSES = ("claimed", "posted", "failed", "revealed")
QUIZ_STATUSES = ("running", "finished", "stopped", "interrupted")

# None is stored as SQL NULL rather than the JSON literal `null`, so `IS NULL` finds it.
_JSON = JSON(none_as_null=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Guild(Base):
    """Per-guild settings; the row exists from the first time the bot sees the guild."""

    __tablename__ = "guilds"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    log_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Member(Base):
    """A Discord user across all guilds: one timezone per person, used in every guild."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # None means "use the guild's timezone".
    timezone: Mapped[str | None] = mapped_column(String(64))
    # "Streak at risk" DMs this many hours before local midnight; None: off.
    remind_hours: Mapped[int | None] = mapped_column()
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the local date of the last one
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GuildMember(Base):
    """A member's presence in one guild; kept after they leave (`left_at`) for their history."""

    __tablename__ = "guild_members"

    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Declared so the unit of work inserts guilds and members before their memberships.
    # lazy="raise": async code must load them explicitly (selectinload/joinedload).
    guild: Mapped[Guild] = relationship(lazy="raise")
    member: Mapped[Member] = relationship(lazy="raise")


class Question(Base):
    """One question of the bank, loaded from the YAML files under `data/questions/`.

    `external_id` is the stable id from the YAML file; `content_hash` tells a reload which
    questions changed. Questions are retired rather than deleted, because answers refer to them.
    """

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint(_in("difficulty", DIFFICULTIES), name="difficulty"),
        CheckConstraint(_in("format", FORMATS), name="format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    track: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(100))
    difficulty: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(Text)
    # Options of single/multi questions, and the 0-based indexes of the correct ones.
    choices: Mapped[list[str] | None] = mapped_column(_JSON)
    answers: Mapped[list[int] | None] = mapped_column(_JSON)
    explanation: Mapped[str] = mapped_column(Text)
    reference_answer: Mapped[str | None] = mapped_column(Text)
    hints: Mapped[list[str]] = mapped_column(_JSON, default=list)
    rubric: Mapped[Any | None] = mapped_column(_JSON, nullable=True)
    tags: Mapped[list[str]] = mapped_column(_JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(255))
    # Where the question came from: "bank" for data/questions; imports will use their own.
    # A bank reload retires only bank questions that left the files.
    origin: Mapped[str] = mapped_column(String(32), default="bank", server_default="bank")
    content_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AppState(Base):
    """Small facts the bot keeps about itself, such as the hash of the last command sync.

    In the database rather than a file so that several shard processes agree on them.
    """

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DailyConfig(Base):
    """A guild's daily-question schedule. The time is local to the guild's timezone.

    `schedule_from` is when the current schedule was set: a run time before it is never
    "missed", so setting up at 10:00 for 07:00 waits for tomorrow instead of posting at once.
    """

    __tablename__ = "daily_configs"

    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(BigInteger)
    post_time: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    topics: Mapped[list[str]] = mapped_column(_JSON, default=list)
    difficulty: Mapped[str | None] = mapped_column(String(16))
    reveal_hours: Mapped[int] = mapped_column(default=24)
    ping_role_id: Mapped[int | None] = mapped_column(BigInteger)
    paused: Mapped[bool] = mapped_column(default=False)
    schedule_from: Mapped[datetime] = mapped_column(UTCDateTime)
    # The current no-repeat cycle began here: questions asked since then are not asked again
    # until every eligible question has been.
    cycle_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The cycle's first post (post ids grow with time, so "asked in this cycle" is a compare
    # on the pick's index); none while the cycle has no post yet.
    cycle_start_post_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DailyPost(Base):
    """One daily question in one guild for one local date: the claim that makes it happen once.

    The row is inserted (claimed) before anything is sent; the unique (guild, local date) pair is
    what stops restarts, reconnects, `/daily now` and late timers from posting twice.
    """

    __tablename__ = "daily_posts"
    __table_args__ = (
        UniqueConstraint("guild_id", "local_date"),
        CheckConstraint(_in("status", DAILY_STATUSES), name="status"),
        # The pick reads each guild's latest post per question from this index alone, and the
        # claim a guild's open posts; both for hundreds of guilds at once.
        Index("ix_daily_posts_guild_question", "guild_id", "question_id", "id"),
        Index("ix_daily_posts_guild_status", "guild_id", "status"),
        # The minute sweep's due and unfinished reveals: open posts only, not all history.
        Index("ix_daily_posts_status_reveal", "status", "reveal_at"),
        Index("ix_daily_posts_status_revealed", "status", "revealed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), index=True
    )
    local_date: Mapped[date] = mapped_column(Date)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reveal_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship(lazy="raise")


class DailyAnswer(Base):
    """A member's one answer to one daily post; the unique pair locks the first answer."""

    __tablename__ = "daily_answers"
    __table_args__ = (UniqueConstraint("post_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("daily_posts.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # 0-based choice indexes for single/multi; the text for open questions.
    choices: Mapped[list[int] | None] = mapped_column(_JSON)
    text: Mapped[str | None] = mapped_column(Text)
    # None for open questions, which are not graded.
    correct: Mapped[bool | None] = mapped_column()
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Activity(Base):
    """Something a member did that counts for their streak, on their local date at the time.

    The local date is stored, not derived later, so a timezone change never rewrites the past.
    (member, guild, kind, ref) is unique so recording the same event twice counts once.
    """

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("member_id", "guild_id", "kind", "ref"),
        Index("ix_activities_member_day", "member_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)


class QuizRound(Base):
    """A live quiz round in one channel. `live_channel_id` holds the channel while the round
    runs and is cleared when it ends: its unique constraint is what refuses a second round
    in the same channel, even when two starts arrive at the same moment."""

    __tablename__ = "quiz_rounds"
    __table_args__ = (CheckConstraint(_in("status", QUIZ_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(BigInteger, index=True)
    live_channel_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    host_id: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str | None] = mapped_column(String(100))
    question_count: Mapped[int] = mapped_column()
    seconds: Mapped[int] = mapped_column()
    speed_bonus: Mapped[bool] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="running")
    # The question on screen (0-based), -1 during the intro; when the next one may open.
    position: Mapped[int] = mapped_column(default=-1)
    next_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizQuestion(Base):
    """One question of a round, in its place. Its post's time and deadline are stored when it
    is posted, so a restart knows where the round stood; `closed_at` is set once."""

    __tablename__ = "quiz_questions"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizAnswer(Base):
    """A member's one answer to one question of a round, written as it arrives, with what it
    earned; the unique pair makes the first click the one that counts."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        UniqueConstraint("quiz_question_id", "member_id"),
        Index("ix_quiz_answers_round_member", "round_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    quiz_question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE")
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    # As shown when they answered: the bot has no member list (no privileged intent), and
    # the standings and the podium need names.
    member_name: Mapped[str] = mapped_column(String(100))
    choice: Mapped[int] = mapped_column()
    correct: Mapped[bool] = mapped_column()
    points: Mapped[int] = mapped_column()
    elapsed_ms: Mapped[int] = mapped_column()
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuizResult(Base):
    """A member's points in one ended round (finished, stopped or interrupted): what the
    `quiz` and `points` leaderboards add up."""

    __tablename__ = "quiz_results"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        Index("ix_quiz_results_guild_member", "guild_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int] = mapped_column()
    points: Mapped[int] = mapped_column()
    correct: Mapped[int] = mapped_column()
    answered: Mapped[int] = mapped_column()
    correct_ms: Mapped[int] = mapped_column()
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StreakRow(Base):
    """A member's streak in one guild after their last active day (`bot.domain.streaks`).

    Maintained from the activity table by `bot.services.streaks.catch_up`, which applies new
    activities in id order; `last_activity_id` is the last one applied and doubles as the
    row's version (an update is conditional on it, so two processes never interleave).
    `breaks_at` is when the member's local today passes the streak's last saveable day
    (`bot.domain.streaks.breaks_at`): the streak board's "alive now?" as one comparison."""

    __tablename__ = "streaks"
    __table_args__ = (Index("ix_streaks_guild_current", "guild_id", "current", "breaks_at"),)

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_day: Mapped[date | None] = mapped_column(Date)
    current: Mapped[int] = mapped_column(default=0)
    longest: Mapped[int] = mapped_column(default=0)
    freezes: Mapped[int] = mapped_column(default=0)
    started: Mapped[date | None] = mapped_column(Date)
    last_activity_id: Mapped[int] = mapped_column(default=0)
    breaks_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FrozenDay(Base):
    """A missed day a freeze bridged (drawn on the heatmap)."""

    __tablename__ = "frozen_days"

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class SkippedDay(Base):
    """A local date a member's timezone change jumped over: never a missed day."""

    __tablename__ = "skipped_days"

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ScoreTotal(Base):
    """A member's totals in a guild for one period: a calendar week or month in the guild's
    timezone, or all time (period "all", start 1970-01-01). Maintained as answers arrive
    (`bot.services.leaderboard.catch_up`), so a board is an indexed read, not a scan."""

    __tablename__ = "score_totals"
    __table_args__ = (
        Index("ix_score_totals_points", "guild_id", "period", "period_start", "points"),
        Index("ix_score_totals_quiz", "guild_id", "period", "period_start", "quiz_points"),
        Index(
            "ix_score_totals_accuracy", "guild_id", "period", "period_start", "accuracy", "graded"
        ),
    )

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    points: Mapped[int] = mapped_column(default=0)
    quiz_points: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    graded: Mapped[int] = mapped_column(default=0)
    # correct / graded in hundredths of a percent, kept with them so the board is an index read
    accuracy: Mapped[int] = mapped_column(default=0)


class MilestoneRole(Base):
    """The role a guild grants at a streak milestone (7, 30, 100 or 365 days)."""

    __tablename__ = "milestone_roles"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    days: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    role_id: Mapped[int] = mapped_column(BigInteger)


class MilestoneGrant(Base):
    """A milestone role the bot gave a member: taken back when their streak ends."""

    __tablename__ = "milestone_grants"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    days: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    role_id: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PendingNotice(Base):
    """A notice a member could not get by DM (closed DMs): shown with their next reply."""

    __tablename__ = "pending_notices"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- mock interviews -------------------------------------------------------------------------

MATCH_CADENCES = ("daily", "weekly", "manual")
MATCH_ROLES = ("candidate", "interviewer", "either")
MATCH_LEVELS = ("junior", "mid", "senior")
# open: in the pool; matched: in a match; cancelled / replaced / expired: left the pool;
# paused: closed when its member was paused after no-shows.
REQUEST_STATUSES = ("open", "matched", "cancelled", "replaced", "expired", "paused")
SESSION_ANSWERS = ("happened", "missed")
REMINDER_KINDS = ("day", "soon")


class Availability(Base):
    """A member's weekly availability, kept in the zone they typed it in (one set per member,
    used in every guild). No windows (`none`) is a saved answer too."""

    __tablename__ = "availabilities"

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AvailabilityWindow(Base):
    """One weekly window in local terms (`bot.domain.availability.Window`), never in UTC, so
    DST keeps it at the same wall-clock time."""

    __tablename__ = "availability_windows"

    member_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("availabilities.member_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    weekday: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    end_minute: Mapped[int] = mapped_column()


class MatchConfig(Base):
    """Where a guild's match threads go and how often batches run (`last_batch_on` claims a
    batch: the local date of the last one, so a restart never runs it twice)."""

    __tablename__ = "match_configs"
    __table_args__ = (CheckConstraint(_in("cadence", MATCH_CADENCES), name="cadence"),)

    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(BigInteger)
    cadence: Mapped[str] = mapped_column(String(16), default="daily")
    last_batch_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MatchRequest(Base):
    """A member in a guild's pool. `open_member_id` is the member id while the request is open
    and NULL after: its unique pair with the guild is what keeps one open request per member
    per guild, even when two requests race."""

    __tablename__ = "match_requests"
    __table_args__ = (
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),
        CheckConstraint(_in("role", MATCH_ROLES), name="role"),
        CheckConstraint(_in("level", MATCH_LEVELS), name="level"),
        UniqueConstraint("guild_id", "open_member_id"),
        Index("ix_match_requests_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    open_member_id: Mapped[int | None] = mapped_column(BigInteger)
    track: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id"))


class Match(Base):
    """A pair or a panel. The thread is created after the match is committed; `thread_id`
    NULL means not yet (a restart finishes it)."""

    __tablename__ = "matches"
    # The minute sweep looks for open matches by their time.
    __table_args__ = (Index("ix_matches_open_slot", "closed_at", "slot_start"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), index=True
    )
    track: Mapped[str] = mapped_column(String(64))
    candidate_id: Mapped[int] = mapped_column(BigInteger)  # (in a swapping pair, the first)
    swap: Mapped[bool] = mapped_column()  # both chose "either": they swap halfway
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    weight: Mapped[float] = mapped_column()
    thread_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The session: confirmed when every member accepted the slot; `prompted_at` claims the
    # "did it happen?" message after it ends; `happened_at` is the first "It happened".
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    happened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event_id: Mapped[int | None] = mapped_column(BigInteger)  # its Discord scheduled event
    time_message_id: Mapped[int | None] = mapped_column(BigInteger)  # the current Accept
    cancelled_by: Mapped[int | None] = mapped_column(BigInteger)  # a member who left it early
    # Reports closed (REPORT_WINDOW after the end), or the match lapsed unconfirmed.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MatchMember(Base):
    """A member of a match with their role. `open_member_id` is set while the match is open:
    unique per guild, so a member is never in two open matches, however requests race."""

    __tablename__ = "match_members"
    __table_args__ = (
        CheckConstraint(_in("role", ("candidate", "interviewer")), name="role"),
        CheckConstraint(_in("said", SESSION_ANSWERS), name="said"),
        UniqueConstraint("guild_id", "open_member_id"),
        Index("ix_match_members_member", "member_id", "match_id"),
    )

    match_id: Mapped[int] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    open_member_id: Mapped[int | None] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    dm_sent: Mapped[bool] = mapped_column(default=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the current slot
    said: Mapped[str | None] = mapped_column(String(16))  # happened | missed, after the slot
    said_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PacketQuestion(Base):
    """A question in an interviewer's packet for one candidate: also the record of what each
    member has received, so no packet repeats a question to the same candidate."""

    __tablename__ = "packet_questions"
    __table_args__ = (Index("ix_packet_questions_candidate", "candidate_id", "question_id"),)

    match_id: Mapped[int] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True
    )
    interviewer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column()


class MatchReminder(Base):
    """A reminder of a confirmed slot, claimed before it is sent: the key includes the slot, so
    a new time gets its own reminders and the old one's are never sent twice."""

    __tablename__ = "match_reminders"
    __table_args__ = (CheckConstraint(_in("kind", REMINDER_KINDS), name="kind"),)

    match_id: Mapped[int] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent: Mapped[bool] = mapped_column()  # False: decided unsent (its moment had passed)


class MatchFeedback(Base):
    """One member's rubric feedback on another after a session; one per (match, author,
    subject). `delivered`: dm, or thread (a "Show my feedback" button) when DMs were closed."""

    __tablename__ = "match_feedback"
    __table_args__ = (
        *(
            CheckConstraint(f"{item} BETWEEN 1 AND 4", name=item)
            for item in ("problem_solving", "communication", "technical_depth")
        ),
        Index("ix_match_feedback_subject", "guild_id", "subject_id"),
    )

    match_id: Mapped[int] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True
    )
    author_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    subject_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    problem_solving: Mapped[int] = mapped_column()
    communication: Mapped[int] = mapped_column()
    technical_depth: Mapped[int] = mapped_column()
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered: Mapped[str | None] = mapped_column(String(8))


class NoShow(Base):
    """A report that `member_id` did not show. It counts unless they said the session happened
    (then `disputed_at` is set)."""

    __tablename__ = "no_shows"
    __table_args__ = (Index("ix_no_shows_member", "guild_id", "member_id", "reported_at"),)

    match_id: Mapped[int] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    reporter_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MatchPause(Base):
    """A member kept out of matching in a guild after repeated no-shows, until `until`
    (or until `lifted_at`, when a dispute took a no-show back)."""

    __tablename__ = "match_pauses"
    __table_args__ = (Index("ix_match_pauses_member", "guild_id", "member_id", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
