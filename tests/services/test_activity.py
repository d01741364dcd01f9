"""Recording an activity: the database works out the member's local date in the INSERT itself
(`bot.db.local_day`), and must agree with the Python rule the rest of the bot uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.local_day import local_day
from bot.db.models import Activity, Guild, Member
from bot.db.types import UTCDateTime
from bot.domain.schedule import local_date
from bot.services.activity import record_activity

Sessions = async_sessionmaker[AsyncSession]
GUILD = 77
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# DST both ways, the southern hemisphere, half- and quarter-hour offsets, the date line.
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Nuuk",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
    "Pacific/Chatham",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    instant=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
async def test_the_database_counts_the_same_local_day_as_python(
    session_factory: Sessions, instant: datetime, zone: str
) -> None:
    async with session_factory() as session:
        day = await session.scalar(select(local_day(literal(instant, UTCDateTime), literal(zone))))
    assert day == local_date(instant, ZoneInfo(zone))


async def test_recording_across_a_dst_change_uses_the_members_day(
    session_factory: Sessions,
) -> None:
    """New York springs forward on 8 March 2026: 03:59 UTC that night is still 7 March locally
    (22:59 EST) and 04:30 UTC on 9 March is already 00:30 EDT, 9 March."""
    async with session_factory() as session:
        session.add(Guild(id=GUILD, timezone="Asia/Tokyo", joined_at=T0, updated_at=T0))
        session.add(Member(id=5, timezone="America/New_York"))
        await session.commit()
    cases = [
        (datetime(2026, 3, 8, 3, 59, tzinfo=UTC), date(2026, 3, 7)),
        (datetime(2026, 3, 8, 5, 0, tzinfo=UTC), date(2026, 3, 8)),
        (datetime(2026, 3, 9, 3, 59, tzinfo=UTC), date(2026, 3, 8)),
        (datetime(2026, 3, 9, 4, 30, tzinfo=UTC), date(2026, 3, 9)),
    ]
    async with session_factory() as session:
        for n, (at, expected) in enumerate(cases):
            got = await record_activity(
                session, member_id=5, guild_id=GUILD, kind="review", ref=f"r:{n}", at=at
            )
            assert got == expected, at
        await session.commit()
    async with session_factory() as session:
        stored = (await session.scalars(select(Activity.local_date).order_by(Activity.id))).all()
    assert stored == [expected for _, expected in cases]


async def test_recording_refuses_what_it_cannot_place(session_factory: Sessions) -> None:
    async with session_factory() as session:
        for bad in (
            {"kind": "nap", "at": T0},
            {"kind": "review", "at": T0.replace(tzinfo=None)},
        ):
            try:
                await record_activity(session, member_id=1, guild_id=GUILD, ref="x", **bad)
            except ValueError:
                pass
            else:
                raise AssertionError(f"{bad} was accepted")
        await session.commit()
    async with session_factory() as session:
        assert (await session.scalars(select(Activity))).all() == []


async def test_a_member_without_a_guild_row_counts_in_utc(session_factory: Sessions) -> None:
    at = T0 + timedelta(hours=23, minutes=30)
    async with session_factory() as session:
        day = await record_activity(
            session, member_id=9, guild_id=12345, kind="review", ref="r", at=at
        )
        await session.commit()
    assert day == date(2026, 1, 1)
