"""The tables that every feature builds on: guilds, members, memberships, the question bank.

Discord ids are snowflakes (64-bit), hence BigInteger and no autoincrement for them. Times are
UTC (`UTCDateTime`); defaults use the wall clock, and services pass their clock's time when a
test needs to control it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow

DIFFICULTIES = ("easy", "medium", "hard")
FORMATS = ("single", "multi", "open")

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
