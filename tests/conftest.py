"""Database fixtures shared by every test that needs a real database.

With `TEST_DATABASE_URL` set (PostgreSQL; `.ci/postgres.sh` prints one), each test gets its own
throwaway database, created on that server and dropped afterwards, so tests never see each
other's tables. Without it, each test gets a fresh SQLite file in its `tmp_path`.
Tests that use these fixtures carry the `database` marker and a `[sqlite]`/`[postgresql]` id.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip() or None
BACKEND = make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"


def pytest_report_header() -> str:
    if TEST_DATABASE_URL:
        shown = make_url(TEST_DATABASE_URL).render_as_string(hide_password=True)
        return f"database: {BACKEND}, a throwaway database per test on {shown}"
    return "database: sqlite, a file per test (set TEST_DATABASE_URL to use PostgreSQL)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


@pytest.fixture(params=[BACKEND], ids=[BACKEND])
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """The URL of an empty database that belongs to this test alone."""
    if TEST_DATABASE_URL is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'cohort.db'}"
        return

    server = make_url(TEST_DATABASE_URL)
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(
        server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        await _drop(admin, name)
    finally:
        await admin.dispose()


async def _drop(admin: AsyncEngine, name: str) -> None:
    """Drop a test database, ending its sessions. An autovacuum worker that has just started on
    it can refuse to be ended for a moment; try again briefly rather than fail the test."""
    for attempt in range(5):
        try:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == 4:
                raise
            await asyncio.sleep(0.2)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, migrated to the newest revision."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)
