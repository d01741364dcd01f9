"""Small facts the bot keeps about itself (e.g. the hash of the last command sync).

Kept in the database rather than a file so several shard processes agree on them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import AppState


async def get(sessions: async_sessionmaker[AsyncSession], key: str) -> str | None:
    async with sessions() as session:
        row = await session.get(AppState, key)
        return row.value if row else None


async def put(
    sessions: async_sessionmaker[AsyncSession], key: str, value: str, now: datetime
) -> None:
    for _attempt in range(2):  # a second process may insert the same key at the same moment
        async with sessions() as session:
            row = await session.get(AppState, key)
            if row is None:
                session.add(AppState(key=key, value=value, updated_at=now))
            else:
                row.value, row.updated_at = value, now
            try:
                await session.commit()
                return
            except IntegrityError:
                await session.rollback()


async def value_in(session: AsyncSession, key: str) -> str | None:
    """`get` inside the caller's transaction."""
    row = await session.get(AppState, key)
    return row.value if row else None


async def set_in(session: AsyncSession, key: str, value: str) -> None:
    """`put` inside the caller's transaction (a cursor committed with the work it covers)."""
    row = await session.get(AppState, key)
    if row is None:
        session.add(AppState(key=key, value=value))
    else:
        row.value = value
