"""Group commit of daily answers on a real database: the batch must say and store exactly
what `daily.answer` would, request by request, in one transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.schema import QuestionSpec
from bot.db.inline import InlineSqlite
from bot.db.models import Activity, DailyAnswer, Member
from bot.domain.errors import BadInput, CohortError, NotFound
from bot.services import answer_batcher, daily
from bot.services.answer_batcher import (
    AnswerBatcher,
    AnswerRequest,
    DailyInline,
    OpenPosts,
    answer_many,
)
from bot.services.bank import sync_bank

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POSTED = T0 + timedelta(hours=1)
# Kiritimati is UTC+14: at 13:00 UTC on 2 March it is already 3 March there.
ZONE = "Pacific/Kiritimati"


def spec(external_id: str, topic: str, fmt: str = "single") -> QuestionSpec:
    base: dict[str, object] = {
        "id": external_id,
        "track": "coding",
        "topic": topic,
        "difficulty": "easy",
        "format": fmt,
        "prompt": f"Why does {external_id} matter?",
        "explanation": "Because the key is right and the distractor is wrong.",
    }
    if fmt == "open":
        base |= {
            "reference_answer": "Points.",
            "hints": ["One.", "Two."],
            "rubric": [{"criterion": c, "score_1": "Weak.", "score_4": "Strong."} for c in "ABC"],
        }
    elif fmt == "multi":
        base |= {"choices": ["Right", "Also right", "Wrong"], "answers": ["A", "B"]}
    else:
        base |= {"choices": ["Right", "Wrong", "Also wrong"], "answer": "A"}
    return QuestionSpec.model_validate(base)


WRITER: dict[str, DailyInline | None] = {"inline": None}


@pytest.fixture(autouse=True, params=["aiosqlite", "inline"])
def writer(request: pytest.FixtureRequest, session_factory: Sessions) -> Any:
    """Every batch test runs through both SQLite writers: the round trips to aiosqlite's
    thread, and the inline one the batcher uses first (on PostgreSQL both are the ORM's)."""
    inline = InlineSqlite.for_sessions(session_factory) if request.param == "inline" else None
    if request.param == "inline" and inline is None:
        pytest.skip("the inline writer is SQLite's")
    WRITER["inline"] = DailyInline(inline) if inline is not None else None
    yield inline
    WRITER["inline"] = None
    if inline is not None:
        inline.close()


async def many(sessions: Sessions, requests: Any, **kwargs: Any) -> list[Any]:
    return await answer_many(sessions, requests, inline=WRITER["inline"], **kwargs)


@pytest.fixture
async def sessions(session_factory: Sessions) -> Sessions:
    bank = [spec("q-single", "single"), spec("q-multi", "multi", "multi")]
    bank.append(spec("q-open", "open", "open"))
    await sync_bank(session_factory, bank, T0)
    return session_factory


async def open_post(sessions: Sessions, guild_id: int, topic: str = "single") -> int:
    """A posted daily question in `guild_id` (its own timezone: Kiritimati)."""
    await daily.configure(
        sessions,
        guild_id=guild_id,
        channel_id=7,
        post_time=time(13, 0),
        timezone=ZONE,
        topics=[topic],
        difficulty=None,
        reveal_hours=24,
        ping_role_id=None,
        now=T0 - timedelta(days=1),
    )
    plan = await daily.claim(sessions, guild_id, POSTED, force=True)
    assert isinstance(plan, daily.PostPlan)
    await daily.mark_posted(sessions, plan.post_id, 1000 + guild_id, POSTED)
    return plan.post_id


def outcome(result: daily.Receipt | BaseException) -> tuple[Any, ...]:
    """What a member is told, comparable across posts (errors by type and message)."""
    if isinstance(result, BaseException):
        return (type(result).__name__, str(result))
    return (result.outcome, result.choices, result.text, result.reveal_at, result.question)


async def sequentially(
    sessions: Sessions, requests: list[AnswerRequest]
) -> list[daily.Receipt | BaseException]:
    results: list[daily.Receipt | BaseException] = []
    for r in requests:
        try:
            results.append(
                await daily.answer(
                    sessions,
                    post_id=r.post_id,
                    member_id=r.member_id,
                    choices=r.choices,
                    text=r.text,
                    now=r.now,
                )
            )
        except CohortError as error:
            results.append(error)
    return results


async def stored(sessions: Sessions, post_id: int) -> dict[int, tuple[Any, ...]]:
    async with sessions() as session:
        answers = (
            await session.scalars(select(DailyAnswer).where(DailyAnswer.post_id == post_id))
        ).all()
    return {a.member_id: (a.choices, a.text, a.correct, a.answered_at) for a in answers}


async def activities(sessions: Sessions, post_id: int) -> dict[int, tuple[Any, ...]]:
    async with sessions() as session:
        rows = (
            await session.scalars(select(Activity).where(Activity.ref == f"daily:{post_id}"))
        ).all()
    return {a.member_id: (a.guild_id, a.kind, a.occurred_at, a.local_date) for a in rows}


def script(post_id: int) -> list[AnswerRequest]:
    """One burst on a single-choice post: first answers, double clicks, bad choices."""
    at = POSTED + timedelta(minutes=5)
    return [
        AnswerRequest(post_id, 1, at, [0]),
        AnswerRequest(post_id, 2, at, [9]),  # not a choice: BadInput, nothing stored
        AnswerRequest(post_id, 2, at + timedelta(seconds=1), [1]),  # then a real one counts
        AnswerRequest(post_id, 3, at, [2]),
        AnswerRequest(post_id, 3, at, [0]),  # a double click: "already", keeps [2]
        AnswerRequest(post_id, 1, at, [1]),  # "already", keeps [0]
        AnswerRequest(post_id, 4, at, [0, 1]),  # two choices on a single question
        AnswerRequest(post_id, 5, at, []),  # nothing chosen
        AnswerRequest(post_id, 6, at, [1]),  # answered before this burst: "already"
        AnswerRequest(post_id, 7, at, [0]),  # has a timezone of their own
    ]


async def test_a_batch_says_and_stores_what_sequential_answers_would(
    sessions: Sessions,
) -> None:
    one_by_one, batched = await open_post(sessions, 1 << 40), await open_post(sessions, 2 << 40)
    async with sessions() as session:
        session.add(Member(id=7, timezone="America/Los_Angeles"))  # still 2 March there
        await session.commit()
    early = POSTED + timedelta(minutes=1)
    for post_id in (one_by_one, batched):
        await daily.answer(sessions, post_id=post_id, member_id=6, choices=[2], now=early)

    expected = await sequentially(sessions, script(one_by_one))
    got = await many(sessions, script(batched))

    assert [outcome(r) for r in got] == [outcome(r) for r in expected]
    assert [r.outcome if isinstance(r, daily.Receipt) else r for r in got][:6] == [
        "stored",
        got[1],
        "stored",
        "stored",
        "already",
        "already",
    ]
    assert isinstance(got[1], BadInput) and isinstance(got[6], BadInput)
    assert await stored(sessions, batched) == await stored(sessions, one_by_one)
    want, have = await activities(sessions, one_by_one), await activities(sessions, batched)
    assert {m: (k, at, day) for m, (_, k, at, day) in have.items()} == {
        m: (k, at, day) for m, (_, k, at, day) in want.items()
    }
    assert have[1][3].isoformat() == "2026-03-03", "the guild's day (Kiritimati)"
    assert have[7][3].isoformat() == "2026-03-02", "the member's own day (Los Angeles)"


async def test_multi_and_open_questions_batch_like_sequential_answers(
    sessions: Sessions,
) -> None:
    at = POSTED + timedelta(minutes=2)
    for topic, answers in [
        ("multi", [[1, 0], [0], [0, 0], [3], [1, 0]]),
        ("open", ["We measured it.", "  ", "", "Again."]),
    ]:
        one_by_one = await open_post(sessions, 1 << 40, topic)
        batched = await open_post(sessions, 2 << 40, topic)

        def requests(post_id: int, answers: list[Any] = answers) -> list[AnswerRequest]:
            if isinstance(answers[0], str):
                return [AnswerRequest(post_id, 10 + i, at, text=t) for i, t in enumerate(answers)]
            return [AnswerRequest(post_id, 10 + i, at, c) for i, c in enumerate(answers)]

        expected = await sequentially(sessions, requests(one_by_one))
        got = await many(sessions, requests(batched))
        assert [outcome(r) for r in got] == [outcome(r) for r in expected], topic
        assert await stored(sessions, batched) == await stored(sessions, one_by_one), topic
        # The next day's post closes these; the next topic posts afresh.
        await daily.reveal(sessions, one_by_one, at)
        await daily.reveal(sessions, batched, at)
        async with sessions() as session:
            for post_id in (one_by_one, batched):
                row = await session.get(daily.DailyPost, post_id)
                assert row is not None
                await session.delete(row)
            await session.commit()


async def test_duplicate_members_in_a_batch_keep_the_first(sessions: Sessions) -> None:
    post_id = await open_post(sessions, 1 << 40)
    at = POSTED + timedelta(minutes=3)
    got = await many(
        sessions,
        [
            AnswerRequest(post_id, 1, at, [1]),
            AnswerRequest(post_id, 1, at, [0]),
            AnswerRequest(post_id, 2, at, [2]),
            AnswerRequest(post_id, 1, at, [2]),
        ],
    )
    assert [outcome(r)[:3] for r in got] == [
        ("stored", [1], None),
        ("already", [1], None),
        ("stored", [2], None),
        ("already", [1], None),
    ]
    assert (await stored(sessions, post_id))[1][:3] == ([1], None, False)
    assert set(await activities(sessions, post_id)) == {1, 2}


async def test_a_closed_post_refuses_and_counts_nothing(sessions: Sessions) -> None:
    post_id = await open_post(sessions, 1 << 40)
    await daily.answer(sessions, post_id=post_id, member_id=1, choices=[0], now=POSTED)
    assert await daily.reveal(sessions, post_id, POSTED + timedelta(hours=1)) is not None
    late = POSTED + timedelta(hours=2)
    got = await many(
        sessions,
        [
            AnswerRequest(post_id, 2, late, [1]),
            AnswerRequest(post_id, 1, late, [1]),  # answered before the reveal: "already"
            AnswerRequest(post_id, 3, late, [7]),  # closed comes before bad input
            AnswerRequest(post_id + 999, 4, late, [0]),  # no such post
        ],
    )
    assert outcome(got[0])[:3] == ("closed", None, None)
    assert outcome(got[1])[:2] == ("already", [0])
    assert outcome(got[2])[:3] == ("closed", None, None)
    assert isinstance(got[3], NotFound)
    assert set(await stored(sessions, post_id)) == {1}
    assert set(await activities(sessions, post_id)) == {1}


async def test_bad_choices_fail_only_their_own_request(sessions: Sessions) -> None:
    post_id = await open_post(sessions, 1 << 40)
    at = POSTED + timedelta(minutes=4)
    got = await many(
        sessions,
        [
            AnswerRequest(post_id, 1, at, [5]),
            AnswerRequest(post_id, 2, at, [0]),
            AnswerRequest(post_id, 3, at, [1, 1]),
            AnswerRequest(post_id, 4, at, [2]),
        ],
    )
    assert [type(r).__name__ for r in got] == ["BadInput", "Receipt", "BadInput", "Receipt"]
    assert str(got[0]) == "That is not one of this question's choices."
    assert set(await stored(sessions, post_id)) == {2, 4}


async def test_a_post_revealed_under_a_batch_answers_closed(sessions: Sessions) -> None:
    """The batch read the post as open (a cache from an earlier batch), then it was revealed:
    the INSERT sees it, the batch goes round again and nothing of it is stored."""
    post_id = await open_post(sessions, 1 << 40)
    cache = OpenPosts()
    first = await many(sessions, [AnswerRequest(post_id, 1, POSTED, [0])], open_posts=cache)
    assert outcome(first[0])[0] == "stored" and cache.get(post_id) is not None
    assert await daily.reveal(sessions, post_id, POSTED + timedelta(hours=1)) is not None

    got = await many(
        sessions,
        [AnswerRequest(post_id, 2, POSTED, [1]), AnswerRequest(post_id, 1, POSTED, [2])],
        open_posts=cache,
    )
    assert [outcome(r)[:2] for r in got] == [("closed", None), ("already", [0])]
    assert cache.get(post_id) is None
    assert set(await stored(sessions, post_id)) == {1}
    assert set(await activities(sessions, post_id)) == {1}


async def test_an_answer_stored_by_someone_else_meanwhile_wins(sessions: Sessions) -> None:
    """The batch does not read earlier answers before inserting: a conflict tells it."""
    post_id = await open_post(sessions, 1 << 40)
    cache = OpenPosts()
    await many(sessions, [AnswerRequest(post_id, 9, POSTED, [0])], open_posts=cache)
    await daily.answer(sessions, post_id=post_id, member_id=1, choices=[2], now=POSTED)
    got = await many(
        sessions,
        [AnswerRequest(post_id, 1, POSTED, [0]), AnswerRequest(post_id, 1, POSTED, [1])],
        open_posts=cache,
    )
    assert [outcome(r)[:2] for r in got] == [("already", [2]), ("already", [2])]
    assert (await stored(sessions, post_id))[1][0] == [2]


async def test_the_batcher_commits_concurrent_clicks_together(sessions: Sessions) -> None:
    post_id = await open_post(sessions, 1 << 40)
    batcher = AnswerBatcher(sessions, max_delay=0.05)
    at = POSTED + timedelta(minutes=6)
    clicks = [
        batcher.answer(post_id=post_id, member_id=m, choices=[m % 3], now=at) for m in range(40)
    ]
    clicks.append(batcher.answer(post_id=post_id, member_id=0, choices=[1], now=at))
    receipts = await asyncio.gather(*clicks)
    assert batcher.batches == 1
    assert [r.outcome for r in receipts].count("stored") == 40
    assert receipts[-1].outcome == "already" and receipts[-1].choices == [0]
    assert len(await stored(sessions, post_id)) == 40
    assert len(await activities(sessions, post_id)) == 40
    with pytest.raises(BadInput):
        await batcher.answer(post_id=post_id, member_id=99, choices=[8], now=at)


async def test_a_failed_batch_is_answered_one_by_one(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_id = await open_post(sessions, 1 << 40)

    async def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(answer_batcher, "answer_many", broken)
    batcher = AnswerBatcher(sessions)
    at = POSTED + timedelta(minutes=7)
    receipts = await asyncio.gather(
        batcher.answer(post_id=post_id, member_id=1, choices=[0], now=at),
        batcher.answer(post_id=post_id, member_id=1, choices=[1], now=at),
        batcher.answer(post_id=post_id, member_id=2, choices=[5], now=at),
        return_exceptions=True,
    )
    assert [outcome(r)[:2] for r in receipts] == [
        ("stored", [0]),
        ("already", [0]),
        ("BadInput", "That is not one of this question's choices."),
    ]
    assert batcher.batches == 0
    assert set(await stored(sessions, post_id)) == {1}


async def test_shared_keeps_one_batcher_per_bot() -> None:
    class Services:
        def __init__(self) -> None:
            self.sessions: Any = object()

    first, second = Services(), Services()
    assert answer_batcher.shared(first) is answer_batcher.shared(first)
    assert answer_batcher.shared(first) is not answer_batcher.shared(second)


async def test_a_batch_waits_its_turn_when_another_connection_holds_the_write_lock(
    sessions: Sessions, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inline writer never stalls the loop behind another writer: it hands the batch to
    aiosqlite's thread, which waits for the lock; the answer is stored once all the same."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    post_id = await open_post(sessions, 1 << 40)
    hops = []
    original = answer_batcher._SqliteWrites.write

    async def counted(self: Any, *args: Any) -> Any:
        hops.append(1)
        return await original(self, *args)

    monkeypatch.setattr(answer_batcher._SqliteWrites, "write", counted)
    holder = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    batcher = AnswerBatcher(sessions)
    click = asyncio.ensure_future(
        batcher.answer(post_id=post_id, member_id=3, choices=[0], now=POSTED)
    )
    await asyncio.sleep(0.3)
    assert not click.done(), "no receipt while the answer cannot be committed"
    holder.execute("COMMIT")
    holder.close()
    receipt = await click
    assert receipt.outcome == "stored" and hops == [1]
    assert set(await stored(sessions, post_id)) == {3}
    await batcher.close()
