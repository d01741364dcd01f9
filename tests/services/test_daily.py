"""The daily question's services on a real database: claims, selection, reveals, activity."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.schema import QuestionSpec
from bot.db.models import Activity, Guild, Member
from bot.domain.errors import BadInput
from bot.services import daily
from bot.services.activity import record_activity
from bot.services.bank import sync_bank

GUILD = 1 << 40
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


def q(n: int, topic: str = "complexity", fmt: str = "single") -> QuestionSpec:
    base: dict[str, object] = {
        "id": f"code-q{n}",
        "track": "coding",
        "topic": topic,
        "difficulty": "easy" if n % 2 else "hard",
        "format": fmt,
        "prompt": f"Why does question {n} matter?",
        "explanation": "Because the key is right and the distractor is wrong.",
    }
    if fmt == "open":
        base |= {
            "reference_answer": "Points.",
            "hints": ["One.", "Two."],
            "rubric": [{"criterion": c, "score_1": "Weak.", "score_4": "Strong."} for c in "ABC"],
        }
    else:
        base |= {"choices": ["Right", "Wrong", "Also wrong"], "answer": "A"}
    return QuestionSpec.model_validate(base)


async def configure(sessions: Sessions, **extra: object) -> daily.DailySettings:
    values: dict[str, object] = {
        "guild_id": GUILD,
        "channel_id": 7,
        "post_time": time(13, 0),
        "timezone": "Europe/London",
        "topics": [],
        "difficulty": None,
        "reveal_hours": 24,
        "ping_role_id": None,
        "now": T0,
    }
    values.update(extra)
    return await daily.configure(sessions, **values)  # type: ignore[arg-type]


@pytest.fixture
async def sessions(session_factory: Sessions) -> Sessions:
    await sync_bank(session_factory, [q(n) for n in range(1, 5)] + [q(9, "graphs", "open")], T0)
    return session_factory


async def test_claim_is_due_only_after_local_time_and_happens_once(sessions: Sessions) -> None:
    await configure(sessions)
    assert await daily.claim(sessions, GUILD, T0) is None
    at_one = T0 + timedelta(hours=1)
    results = await asyncio.gather(*(daily.claim(sessions, GUILD, at_one) for _ in range(5)))
    plans = [r for r in results if isinstance(r, daily.PostPlan)]
    assert len(plans) == 1, results
    assert plans[0].local_date == date(2026, 3, 2)
    assert plans[0].reveal_at == at_one + timedelta(hours=24)
    again = await daily.claim(sessions, GUILD, at_one + timedelta(minutes=1))
    assert isinstance(again, daily.ExistingPost) and again.status == "claimed"


async def test_a_failed_post_is_retried_once_and_a_stale_claim_recovered(
    sessions: Sessions,
) -> None:
    await configure(sessions)
    now = T0 + timedelta(hours=1)
    plan = await daily.claim(sessions, GUILD, now)
    assert isinstance(plan, daily.PostPlan)
    await daily.mark_failed(sessions, plan.post_id, "403", now)
    retries = await asyncio.gather(
        *(daily.claim(sessions, GUILD, now + timedelta(minutes=5), force=True) for _ in range(3))
    )
    retry = [r for r in retries if isinstance(r, daily.PostPlan)]
    assert len(retry) == 1 and retry[0].post_id == plan.post_id and not retry[0].recover

    # Claimed and never sent: a minute later it is someone else's; after two it is recovered.
    assert isinstance(
        await daily.claim(sessions, GUILD, now + timedelta(minutes=6)), daily.ExistingPost
    )
    recovered = await daily.claim(sessions, GUILD, now + timedelta(minutes=8))
    assert isinstance(recovered, daily.PostPlan) and recovered.recover
    await daily.mark_posted(sessions, plan.post_id, 555, now + timedelta(minutes=8))
    assert await daily.claim(sessions, GUILD, now + timedelta(minutes=30)) == daily.ExistingPost(
        plan.post_id, 7, 555, "posted"
    )


async def test_selection_cycles_through_the_filtered_bank(sessions: Sessions) -> None:
    await configure(sessions, topics=["complexity"], difficulty="easy")  # q1, q3
    asked = []
    now = T0 + timedelta(hours=1)
    for _ in range(4):
        plan = await daily.claim(sessions, GUILD, now)
        assert isinstance(plan, daily.PostPlan)
        asked.append(plan.question.external_id)
        await daily.mark_posted(sessions, plan.post_id, 1, now)
        now += timedelta(days=1)
    assert sorted(asked[:2]) == ["code-q1", "code-q3"]
    assert asked[2:] == asked[:2], "a new cycle, least recently asked first"


async def test_topics_are_validated_against_the_bank(sessions: Sessions) -> None:
    tracks, topics = await daily.bank_topics(sessions)
    assert daily.parse_topics(" Coding , graphs,coding", tracks, topics) == ["coding", "graphs"]
    with pytest.raises(BadInput, match="“astrology”"):
        daily.parse_topics("coding, astrology", tracks, topics)
    with pytest.raises(BadInput, match="No questions"):
        await configure(sessions, topics=["graphs"], difficulty="hard")
    with pytest.raises(BadInput, match="reveal_hours"):
        await configure(sessions, reveal_hours=0)
    assert await daily.get_settings(sessions, GUILD) is None


async def test_reveal_happens_once_with_counts(sessions: Sessions) -> None:
    await configure(sessions)
    now = T0 + timedelta(hours=1)
    plan = await daily.claim(sessions, GUILD, now)
    assert isinstance(plan, daily.PostPlan)
    await daily.mark_posted(sessions, plan.post_id, 99, now)
    for member, choice in [(1, 0), (2, 1), (3, 0)]:
        receipt = await daily.answer(
            sessions, post_id=plan.post_id, member_id=member, choices=[choice], now=now
        )
        assert receipt.outcome == "stored"
    assert await daily.due_reveals(sessions, now + timedelta(hours=23)) == []
    assert await daily.due_reveals(sessions, now + timedelta(hours=24)) == [(plan.post_id, GUILD)]
    reveals = await asyncio.gather(
        *(daily.reveal(sessions, plan.post_id, now + timedelta(hours=24)) for _ in range(3))
    )
    done = [r for r in reveals if r is not None]
    assert len(done) == 1
    assert (done[0].counts, done[0].answered, done[0].correct) == ([2, 1, 0], 3, 2)
    late = await daily.answer(sessions, post_id=plan.post_id, member_id=4, choices=[0], now=now)
    assert late.outcome == "closed"


async def test_activity_uses_the_members_own_day_and_counts_once(session_factory: Sessions) -> None:
    async with session_factory() as session:
        session.add(Guild(id=GUILD, timezone="Asia/Tokyo", joined_at=T0, updated_at=T0))
        session.add(Member(id=5, timezone="America/Los_Angeles"))
        await session.commit()
    late_evening_utc = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    async with session_factory() as session:
        own = await record_activity(
            session,
            member_id=5,
            guild_id=GUILD,
            kind="daily_answer",
            ref="daily:1",
            at=late_evening_utc,
        )
        guild_day = await record_activity(
            session,
            member_id=6,
            guild_id=GUILD,
            kind="daily_answer",
            ref="daily:1",
            at=late_evening_utc,
        )
        again = await record_activity(
            session,
            member_id=5,
            guild_id=GUILD,
            kind="daily_answer",
            ref="daily:1",
            at=late_evening_utc,
        )
        await session.commit()
    assert own == again == date(2026, 3, 2)  # 15:30 in Los Angeles
    assert guild_day == date(2026, 3, 3)  # 08:30 in Tokyo
    async with session_factory() as session:
        assert len((await session.scalars(select(Activity))).all()) == 2


async def test_the_sweep_does_not_retry_a_failed_post_but_daily_now_does(
    sessions: Sessions,
) -> None:
    await configure(sessions)
    now = T0 + timedelta(hours=1)
    plan = await daily.claim(sessions, GUILD, now)
    assert isinstance(plan, daily.PostPlan)
    await daily.mark_failed(sessions, plan.post_id, "403", now)
    swept = await daily.claim(sessions, GUILD, now + timedelta(minutes=1))
    assert isinstance(swept, daily.ExistingPost) and swept.status == "failed"
    forced = await daily.claim(sessions, GUILD, now + timedelta(minutes=2), force=True)
    assert isinstance(forced, daily.PostPlan) and forced.post_id == plan.post_id


def test_topic_suggestions_complete_the_last_name_typed() -> None:
    tracks, topics = {"coding", "statistics"}, {"joins", "coding"}
    assert daily.topic_suggestions("", tracks, topics) == ["coding", "statistics", "joins"]
    assert daily.topic_suggestions("statistics, jo", tracks, topics) == ["statistics, joins"]


async def test_claim_due_claims_many_guilds_once_each_with_their_own_days(
    sessions: Sessions,
) -> None:
    """One batched claim for guilds in different zones and filters; racing batches split the
    guilds between them and never claim one twice; yesterday's open post rides along."""
    zones = ["Europe/London", "Asia/Kolkata", "America/New_York", "Pacific/Auckland"]
    everyone = []
    for i in range(40):
        everyone.append(
            await configure(
                sessions,
                guild_id=GUILD + i,
                timezone=zones[i % 4],
                post_time=time(0, 0),
                topics=["graphs"] if i % 5 == 0 else [],
            )
        )
    assert await daily.claim_due(sessions, everyone, T0) == {}  # nothing due before midnight
    day_one = T0 + timedelta(days=1)  # past local midnight in every zone
    first, second = await asyncio.gather(
        daily.claim_due(sessions, everyone, day_one), daily.claim_due(sessions, everyone, day_one)
    )
    plans = [r for r in [*first.values(), *second.values()] if isinstance(r, daily.PostPlan)]
    assert sorted(p.guild_id for p in plans) == [s.guild_id for s in everyone]
    for plan in plans:
        settings = next(s for s in everyone if s.guild_id == plan.guild_id)
        assert plan.local_date == day_one.astimezone(settings.zone).date()
        if settings.topics == ["graphs"]:
            assert plan.question.external_id == "code-q9"
    await daily.mark_posted_many(sessions, [(p.post_id, 100 + p.post_id) for p in plans], day_one)
    again = await daily.claim_due(sessions, everyone, day_one + timedelta(minutes=1))
    assert {type(r) for r in again.values()} == {daily.ExistingPost}
    assert {r.status for r in again.values() if isinstance(r, daily.ExistingPost)} == {"posted"}

    day_two = await daily.claim_due(sessions, everyone[1:4], day_one + timedelta(days=1))
    for plan in day_two.values():
        assert isinstance(plan, daily.PostPlan)
        yesterday = next(p for p in plans if p.guild_id == plan.guild_id)
        assert plan.older_open == (yesterday.post_id,)
        assert plan.question.id != yesterday.question.id  # no repeat within a cycle


async def test_a_claimed_post_takes_answers_before_it_is_marked_posted(
    sessions: Sessions,
) -> None:
    await configure(sessions)
    now = T0 + timedelta(hours=1)
    plan = await daily.claim(sessions, GUILD, now)
    assert isinstance(plan, daily.PostPlan)
    # Its message is out (a member clicked it); the batch has not been marked posted yet.
    receipt = await daily.answer(sessions, post_id=plan.post_id, member_id=1, choices=[0], now=now)
    assert receipt.outcome == "stored"
    await daily.mark_failed(sessions, plan.post_id, "403", now)
    failed = await daily.answer(sessions, post_id=plan.post_id, member_id=2, choices=[0], now=now)
    assert failed.outcome == "closed"
