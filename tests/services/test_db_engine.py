"""The column types and constraints behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import Guild, GuildMember, Member, Question, UTCDateTime

SNOWFLAKE = 1234567890123456789
Sessions = async_sessionmaker[AsyncSession]


def _question(**overrides: object) -> Question:
    fields: dict[str, object] = {
        "external_id": "stats-001",
        "track": "stats",
        "topic": "p-values",
        "difficulty": "medium",
        "format": "single",
        "prompt": "What does a p-value measure?",
        "choices": ["a", "b", "c"],
        "answers": [1],
        "explanation": "Because.",
        "content_hash": "0" * 64,
    }
    fields.update(overrides)
    return Question(**fields)


async def test_aware_datetime_comes_back_as_the_same_instant_in_utc(
    session_factory: Sessions,
) -> None:
    local = datetime(2026, 3, 2, 7, 30, 15, 123456, tzinfo=ZoneInfo("America/New_York"))
    async with session_factory() as session:
        session.add(Guild(id=SNOWFLAKE, joined_at=local, updated_at=local))
        await session.commit()

    async with session_factory() as session:
        guild = await session.get(Guild, SNOWFLAKE)
        assert guild is not None
        assert guild.joined_at == local
        assert guild.joined_at.tzinfo is UTC
        assert guild.joined_at == datetime(2026, 3, 2, 12, 30, 15, 123456, tzinfo=UTC)
        # Comparisons in SQL go through the same conversion.
        found = await session.scalar(
            select(Guild.id).where(Guild.joined_at < local + timedelta(seconds=1))
        )
        assert found == SNOWFLAKE


async def test_naive_datetime_is_refused(session_factory: Sessions) -> None:
    naive = datetime(2026, 3, 2, 12, 0)
    async with session_factory() as session:
        session.add(Guild(id=1, joined_at=naive, updated_at=naive))
        with pytest.raises(StatementError) as error:
            await session.flush()
        assert isinstance(error.value.orig, ValueError)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_utc_type_directly(dialect: object) -> None:
    kind = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        kind.process_bind_param(datetime(2026, 1, 1), dialect)  # type: ignore[arg-type]
    aware = datetime(2026, 1, 1, 9, tzinfo=ZoneInfo("Asia/Kolkata"))
    bound = kind.process_bind_param(aware, dialect)  # type: ignore[arg-type]
    back = kind.process_result_value(bound, dialect)  # type: ignore[arg-type]
    assert back == aware
    assert back is not None and back.tzinfo is UTC
    assert kind.process_bind_param(None, dialect) is None  # type: ignore[arg-type]


async def test_defaults_are_aware_utc(session_factory: Sessions) -> None:
    async with session_factory() as session:
        session.add(Member(id=SNOWFLAKE))
        await session.commit()
    async with session_factory() as session:
        member = await session.get(Member, SNOWFLAKE)
        assert member is not None
        assert member.timezone is None
        assert member.created_at.tzinfo is UTC
        assert abs(datetime.now(UTC) - member.created_at) < timedelta(minutes=1)


async def test_snowflakes_fit(session_factory: Sessions) -> None:
    async with session_factory() as session:
        session.add_all(
            [
                Guild(id=SNOWFLAKE, log_channel_id=SNOWFLAKE + 1),
                Member(id=SNOWFLAKE + 2),
                GuildMember(guild_id=SNOWFLAKE, member_id=SNOWFLAKE + 2),
            ]
        )
        await session.commit()
    async with session_factory() as session:
        guild = await session.get(Guild, SNOWFLAKE)
        assert guild is not None
        assert (guild.id, guild.log_channel_id, guild.timezone) == (
            SNOWFLAKE,
            SNOWFLAKE + 1,
            "UTC",
        )
        assert await session.get(GuildMember, (SNOWFLAKE, SNOWFLAKE + 2)) is not None


async def test_foreign_keys_are_enforced(session_factory: Sessions) -> None:
    async with session_factory() as session:
        session.add(Member(id=2))
        await session.commit()
    async with session_factory() as session:
        session.add(GuildMember(guild_id=404, member_id=2))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_deleting_a_guild_deletes_its_memberships(session_factory: Sessions) -> None:
    async with session_factory() as session:
        session.add_all([Guild(id=1), Member(id=2)])
        await session.flush()
        session.add(GuildMember(guild_id=1, member_id=2))
        await session.commit()
    async with session_factory() as session:
        await session.execute(delete(Guild).where(Guild.id == 1))
        await session.commit()
    async with session_factory() as session:
        assert await session.scalar(select(GuildMember)) is None
        assert await session.get(Member, 2) is not None


@pytest.mark.parametrize(
    ("field", "value"), [("difficulty", "impossible"), ("format", "essay")], ids=str
)
async def test_question_check_constraints(
    session_factory: Sessions, field: str, value: str
) -> None:
    async with session_factory() as session:
        session.add(_question(**{field: value}))
        with pytest.raises(IntegrityError) as error:
            await session.commit()
    assert f"ck_questions_{field}" in str(error.value)


async def test_question_json_fields_round_trip(session_factory: Sessions) -> None:
    async with session_factory() as session:
        session.add(_question(hints=["think of the null"], rubric={"points": ["a", "b"]}))
        session.add(
            _question(external_id="ml-001", format="open", choices=None, answers=None, tags=[])
        )
        await session.commit()
    async with session_factory() as session:
        single = await session.scalar(select(Question).where(Question.external_id == "stats-001"))
        assert single is not None
        assert (single.choices, single.answers, single.hints, single.tags) == (
            ["a", "b", "c"],
            [1],
            ["think of the null"],
            [],
        )
        assert single.rubric == {"points": ["a", "b"]}
        # None is SQL NULL, not the JSON literal null.
        open_ids = await session.scalars(
            select(Question.external_id).where(Question.choices.is_(None))
        )
        assert list(open_ids) == ["ml-001"]


async def test_question_external_id_is_unique(session_factory: Sessions) -> None:
    async with session_factory() as session:
        session.add_all([_question(), _question(track="ml")])
        with pytest.raises(IntegrityError):
            await session.commit()
