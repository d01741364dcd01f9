"""Matching on a real database: one open request and one open match per member however calls
race, packets that never repeat a question to a candidate, batches claimed once a day,
finished matches freeing their members."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.schema import QuestionSpec
from bot.db.models import (
    DailyAnswer,
    DailyPost,
    Guild,
    MatchMember,
    MatchRequest,
    Question,
)
from bot.domain.availability import parse
from bot.domain.errors import BadInput
from bot.services import interviews, matching
from bot.services.bank import sync_bank

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
GUILD, CHANNEL = 1 << 40, 9


def spec(n: int, fmt: str = "open") -> QuestionSpec:
    base: dict[str, object] = {
        "id": f"match-{n}",
        "track": "coding",
        "topic": "design",
        "difficulty": "medium",
        "format": fmt,
        "prompt": f"Why would design {n} fail under load?",
        "explanation": "Because the shared lock serialises every request.",
    }
    if fmt == "open":
        base |= {
            "reference_answer": "The lock is held across the network call.",
            "hints": ["Where is time spent?", "What is held meanwhile?"],
            "rubric": [
                {"criterion": "Finds the bottleneck", "score_1": "No", "score_4": "Yes"},
                {"criterion": "Explains why", "score_1": "No", "score_4": "Clearly"},
                {"criterion": "Proposes a fix", "score_1": "None", "score_4": "Sound"},
            ],
        }
    else:
        base |= {"choices": ["Lock", "Disk", "CPU"], "answer": "A"}
    return QuestionSpec.model_validate(base)


@pytest.fixture
async def sessions(session_factory: Sessions) -> Sessions:
    await sync_bank(session_factory, [spec(n) for n in range(1, 7)] + [spec(9, "single")], T0)
    async with session_factory() as session:
        session.add(Guild(id=GUILD, timezone="UTC", joined_at=T0, updated_at=T0))
        await session.commit()
    await matching.configure(session_factory, GUILD, CHANNEL, "daily", T0)
    return session_factory


async def pool(
    sessions: Sessions, roles: dict[int, str], free: str = "Mon-Sun 18:00-21:00"
) -> None:
    for member, role in roles.items():
        await matching.set_availability(sessions, member, "UTC", parse(free), T0)
        await matching.open_request(
            sessions, guild_id=GUILD, member_id=member, track="coding", role=role,
            level="mid", now=T0,
        )  # fmt: skip


async def open_seats(sessions: Sessions) -> list[int]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(MatchMember.member_id).where(MatchMember.open_member_id.is_not(None))
            )
        )


async def test_racing_batches_never_put_a_member_in_two_matches(sessions: Sessions) -> None:
    await pool(sessions, {m: "either" for m in range(1, 9)})
    made = await asyncio.gather(*(matching.run(sessions, GUILD, T0) for _ in range(4)))
    seats = await open_seats(sessions)
    assert sorted(seats) == list(range(1, 9)), "everyone matched, each once"
    assert sum(len(m) for m in made) == 4
    async with sessions() as session:
        statuses = set(await session.scalars(select(MatchRequest.status)))
    assert statuses == {"matched"}


async def test_racing_requests_leave_one_open_request(sessions: Sessions) -> None:
    await matching.set_availability(sessions, 1, "UTC", parse("Mon 18:00-21:00"), T0)
    await asyncio.gather(
        *(
            matching.open_request(
                sessions,
                guild_id=GUILD,
                member_id=1,
                track=t,
                role="candidate",
                level="mid",
                now=T0,
            )
            for t in ("coding", "statistics", "sql-data")
        )
    )
    async with sessions() as session:
        rows = list(await session.scalars(select(MatchRequest)))
    assert len([r for r in rows if r.status == "open"]) == 1
    assert {r.status for r in rows} <= {"open", "replaced"}
    with pytest.raises(BadInput, match="pick one of"):
        await matching.open_request(
            sessions, guild_id=GUILD, member_id=1, track="poetry", role="candidate",
            level="mid", now=T0,
        )  # fmt: skip
    with pytest.raises(BadInput, match="availability set"):
        await matching.open_request(
            sessions, guild_id=GUILD, member_id=2, track="coding", role="candidate",
            level="mid", now=T0,
        )  # fmt: skip


async def test_packets_prefer_open_questions_the_candidate_has_never_met(
    sessions: Sessions,
) -> None:
    async with sessions() as session:
        ids = dict((await session.execute(select(Question.external_id, Question.id))).all())
        post = DailyPost(
            guild_id=GUILD, local_date=date(2026, 3, 1), question_id=ids["match-1"],
            channel_id=CHANNEL, status="revealed", claimed_at=T0,
        )  # fmt: skip
        session.add(post)
        await session.flush()
        session.add(DailyAnswer(post_id=post.id, guild_id=GUILD, member_id=1, answered_at=T0))
        await session.commit()
    await pool(sessions, {1: "candidate", 2: "interviewer"})
    (first,) = await matching.run(sessions, GUILD, T0)
    packet = await matching.packet(sessions, first.id, 2)
    assert packet is not None and packet.candidate_id == 1
    asked = {q.external_id for q in packet.questions}
    assert len(asked) == 3 and "match-1" not in asked, "answered in a daily question"
    assert all(q.format == "open" for q in packet.questions)
    assert await matching.packet(sessions, first.id, 1) is None, "the candidate has none"

    # A week later the match, never confirmed, has lapsed; member 1 is interviewed again,
    # by member 3.
    later = T0 + timedelta(days=7)
    assert len((await interviews.sweep(sessions, later)).lapsed) == 1
    await matching.set_availability(sessions, 3, "UTC", parse("Mon-Sun 18:00-21:00"), later)
    for member, role in ((1, "candidate"), (3, "interviewer")):
        await matching.open_request(
            sessions, guild_id=GUILD, member_id=member, track="coding", role=role,
            level="mid", now=later,
        )  # fmt: skip
    (second,) = await matching.run(sessions, GUILD, later)
    again = await matching.packet(sessions, second.id, 3)
    assert again is not None
    repeated = asked & {q.external_id for q in again.questions}
    assert not repeated, "received before"
    # Five open questions were left for member 1; three went first, so two are left, then
    # the single-choice one.
    assert [q.format for q in again.questions] == ["open", "open", "single"]


async def test_a_swapping_pair_gets_two_different_packets(sessions: Sessions) -> None:
    await pool(sessions, {1: "either", 2: "either"})
    (card,) = await matching.run(sessions, GUILD, T0)
    assert card.swap and set(card.interviewer_ids) == {1, 2}
    one = await matching.packet(sessions, card.id, 1)
    two = await matching.packet(sessions, card.id, 2)
    assert one is not None and two is not None
    assert (one.candidate_id, two.candidate_id) == (2, 1)
    assert not {q.id for q in one.questions} & {q.id for q in two.questions}


async def test_batches_are_claimed_once_a_day_at_six(sessions: Sessions) -> None:
    other = GUILD + 1
    async with sessions() as session:
        session.add(Guild(id=other, timezone="Asia/Tokyo", joined_at=T0, updated_at=T0))
        await session.commit()
    await matching.configure(sessions, other, CHANNEL, "weekly", T0)
    assert await matching.claim_batches(sessions, T0) == [other], "18:00 passed in Tokyo"
    six = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert await matching.claim_batches(sessions, six - timedelta(minutes=1)) == []
    claimed = await asyncio.gather(*(matching.claim_batches(sessions, six) for _ in range(3)))
    assert sorted(g for c in claimed for g in c) == [GUILD], "once, however many ask"
    tuesday = six + timedelta(days=1)
    assert await matching.claim_batches(sessions, tuesday, owns=lambda g: g != GUILD) == []
    assert await matching.claim_batches(sessions, tuesday) == [GUILD], "weekly: Mondays only"
    assert matching.next_batch("weekly", matching.ZoneInfo("UTC"), tuesday) == six + timedelta(
        days=7
    )


async def test_expired_requests_are_reported_once(sessions: Sessions) -> None:
    await pool(sessions, {1: "candidate"})
    assert await matching.expire(sessions, T0 + timedelta(days=13)) == []
    (gone,) = await matching.expire(sessions, T0 + timedelta(days=14))
    assert gone.member_id == 1 and gone.status == "expired"
    assert await matching.expire(sessions, T0 + timedelta(days=15)) == []
    assert await matching.current_request(sessions, GUILD, 1) is None
