"""Keeping the `questions` table in step with the bank files, idempotently.

Run at every start-up: a new question is added, a changed one updated in place (same row, so
answers keep pointing at it), one that left the files retired, and a retired one that came back
restored. Nothing is ever deleted, because answers, quiz rounds and packets refer to questions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.files import BankReport, bank_files, load_files
from bot.bank.schema import QuestionSpec
from bot.db.models import Question

log = logging.getLogger("cohort.bank")
BANK = "bank"
# Parsed files by (path, mtime, size): every start-up in one process (tests, the demo) would
# otherwise parse the same unchanged YAML again.
_parsed: dict[tuple[tuple[str, int, int], ...], BankReport] = {}


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    updated: int = 0
    retired: int = 0
    restored: int = 0
    unchanged: int = 0

    @property
    def live(self) -> int:
        """Questions that can be asked after the sync: everything in the files."""
        return self.added + self.updated + self.restored + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.restored)

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.retired} retired, "
            f"{self.restored} restored, {self.unchanged} unchanged"
        )


async def sync_bank(
    sessions: async_sessionmaker[AsyncSession],
    specs: Sequence[QuestionSpec],
    now: datetime,
    *,
    retire_missing: bool = True,
) -> SyncResult:
    """Make the bank rows match `specs`. With `retire_missing=False` (files had problems), a
    question absent from `specs` is left alone rather than retired because of a typo."""
    for attempt in range(2):  # another shard process may insert the same question meanwhile
        try:
            return await _sync_once(sessions, specs, now, retire_missing)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _sync_once(
    sessions: async_sessionmaker[AsyncSession],
    specs: Sequence[QuestionSpec],
    now: datetime,
    retire_missing: bool,
) -> SyncResult:
    added = updated = retired = restored = unchanged = 0
    new_rows: list[dict[str, object]] = []
    async with sessions() as session:
        rows = {
            q.external_id: q
            for q in await session.scalars(select(Question).where(Question.origin == BANK))
        }
        for spec in specs:
            digest = spec.content_hash()
            row = rows.pop(spec.id, None)
            if row is None:
                new_rows.append(
                    {"external_id": spec.id, "origin": BANK, "created_at": now}
                    | _fields(spec, digest, now)
                )
                continue
            if row.content_hash != digest:
                for name, value in _fields(spec, digest, now).items():
                    setattr(row, name, value)
                updated += 1
            elif row.retired_at is not None:
                row.retired_at = None
                row.updated_at = now
                restored += 1
            else:
                unchanged += 1
        if retire_missing:
            for row in rows.values():
                if row.retired_at is None:
                    row.retired_at = now
                    row.updated_at = now
                    retired += 1
        if new_rows:  # one executemany: a fresh database gets the whole bank at once
            await session.execute(insert(Question), new_rows)
            added = len(new_rows)
        await session.commit()
    return SyncResult(added, updated, retired, restored, unchanged)


async def load_bank(
    sessions: async_sessionmaker[AsyncSession], directory: Path, now: datetime
) -> SyncResult:
    """Start-up: read every bank file in `directory` and sync the table. Problems are logged and
    the valid questions still load, so one typo never takes the bot down or retires questions."""
    files = bank_files(directory)
    if not files:
        log.warning("no question files in %s; the bank is empty", directory)
        return await sync_bank(sessions, [], now, retire_missing=False)
    report = await asyncio.to_thread(read_bank, files)
    for problem in report.problems:
        log.warning("question bank: %s", problem)
    if report.problems:
        log.warning(
            "question bank: %d problem(s); valid questions loaded, none retired. "
            "Check with: python -m bot questions validate %s/*.yaml",
            len(report.problems),
            directory,
        )
    result = await sync_bank(sessions, report.specs, now, retire_missing=report.ok)
    log.info(
        "question bank: %d questions from %d files (%s)", len(report.questions), len(files), result
    )
    return result


def read_bank(files: Sequence[Path]) -> BankReport:
    key = tuple((str(f), (st := f.stat()).st_mtime_ns, st.st_size) for f in files)
    if key not in _parsed:
        _parsed.clear()
        _parsed[key] = load_files(files)
    return _parsed[key]


def _fields(spec: QuestionSpec, digest: str, now: datetime) -> dict[str, object]:
    return {
        "track": spec.track,
        "topic": spec.topic,
        "difficulty": spec.difficulty,
        "format": spec.format,
        "prompt": spec.prompt,
        "choices": list(spec.choices) if spec.choices is not None else None,
        "answers": spec.key_indexes,
        "explanation": spec.explanation,
        "reference_answer": spec.reference_answer,
        "hints": list(spec.hints),
        "rubric": [c.model_dump() for c in spec.rubric] if spec.rubric is not None else None,
        "tags": list(spec.tags),
        "source": spec.source,
        "content_hash": digest,
        "retired_at": None,
        "updated_at": now,
    }
