"""Loading the bank into the database: idempotent, updates in place, retires, never deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.schema import QuestionSpec
from bot.db.models import Question
from bot.services.bank import load_bank, sync_bank
from bot.settings import DEFAULT_QUESTIONS_DIR
from tests.banks.test_validator import GOOD, OPEN

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def spec(
    id_: str, prompt: str = "Why does a dict lookup stay fast?", **extra: object
) -> QuestionSpec:
    fields: dict[str, object] = {
        "id": id_,
        "track": "coding",
        "topic": "complexity",
        "difficulty": "easy",
        "format": "single",
        "prompt": prompt,
        "choices": ["Hashing", "Sorting", "Caching"],
        "answer": "A",
        "explanation": "Hashing finds the slot directly; sorting would need a search.",
    }
    fields.update(extra)
    return QuestionSpec.model_validate(fields)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Question]:
    async with sessions() as session:
        return {q.external_id: q for q in await session.scalars(select(Question))}


async def test_loading_twice_changes_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    specs = [spec("code-a"), spec("code-b", answer="C")]
    first = await sync_bank(session_factory, specs, T0)
    assert (first.added, first.unchanged) == (2, 0)
    before = {
        k: (q.id, q.content_hash, q.updated_at) for k, q in (await rows(session_factory)).items()
    }

    second = await sync_bank(session_factory, specs, T0 + timedelta(days=1))
    assert not second.changed
    assert second.unchanged == 2
    after = {
        k: (q.id, q.content_hash, q.updated_at) for k, q in (await rows(session_factory)).items()
    }
    assert after == before
    stored = (await rows(session_factory))["code-b"]
    assert stored.answers == [2]
    assert stored.choices == ["Hashing", "Sorting", "Caching"]


async def test_a_changed_question_is_updated_in_place(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await sync_bank(session_factory, [spec("code-a")], T0)
    original = (await rows(session_factory))["code-a"]

    later = T0 + timedelta(days=3)
    result = await sync_bank(session_factory, [spec("code-a", "Why is a dict lookup O(1)?")], later)
    assert (result.updated, result.added) == (1, 0)
    changed = (await rows(session_factory))["code-a"]
    assert changed.id == original.id  # answers keep pointing at the same row
    assert changed.prompt == "Why is a dict lookup O(1)?"
    assert changed.content_hash != original.content_hash
    assert changed.updated_at == later


async def test_a_removed_question_is_retired_not_deleted_and_comes_back(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await sync_bank(session_factory, [spec("code-a"), spec("code-b")], T0)
    later = T0 + timedelta(days=1)
    result = await sync_bank(session_factory, [spec("code-a")], later)
    assert result.retired == 1
    stored = await rows(session_factory)
    assert set(stored) == {"code-a", "code-b"}
    assert stored["code-b"].retired_at == later
    assert stored["code-a"].retired_at is None

    again = await sync_bank(session_factory, [spec("code-a")], later + timedelta(days=1))
    assert not again.changed  # already retired: not retired twice

    back = await sync_bank(
        session_factory, [spec("code-a"), spec("code-b")], later + timedelta(days=2)
    )
    assert back.restored == 1
    assert (await rows(session_factory))["code-b"].retired_at is None


async def test_files_with_problems_never_retire_questions(
    session_factory: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    (tmp_path / "coding.yaml").write_text(GOOD + OPEN, encoding="utf-8")
    first = await load_bank(session_factory, tmp_path, T0)
    assert first.added == 2

    # A typo in one question: the other still loads, and the broken one is not retired.
    (tmp_path / "coding.yaml").write_text(
        GOOD.replace("difficulty: easy", "difficulty: eazy")
        + OPEN.replace("conflict", "disagreement"),
        encoding="utf-8",
    )
    second = await load_bank(session_factory, tmp_path, T0 + timedelta(days=1))
    assert (second.updated, second.retired) == (1, 0)
    stored = await rows(session_factory)
    assert stored["code-good-one"].retired_at is None
    assert stored["beh-open-one"].topic == "disagreement"

    # Fixed, and the open question removed on purpose: now it is retired.
    (tmp_path / "coding.yaml").write_text(GOOD, encoding="utf-8")
    third = await load_bank(session_factory, tmp_path, T0 + timedelta(days=2))
    assert (third.unchanged, third.retired) == (1, 1)


async def test_the_shipped_bank_loads_once_and_a_restart_changes_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = await load_bank(session_factory, DEFAULT_QUESTIONS_DIR, T0)
    assert first.added >= 200
    second = await load_bank(session_factory, DEFAULT_QUESTIONS_DIR, T0 + timedelta(hours=1))
    assert not second.changed
    assert second.unchanged == first.added
    async with session_factory() as session:
        count = await session.scalar(select(func.count()).select_from(Question))
        open_rubrics = await session.scalars(
            select(Question.rubric).where(Question.format == "open")
        )
        assert count == first.added
        assert all(3 <= len(r) <= 4 for r in open_rubrics)
