"""End-to-end fixtures: the emulator, a small study-group server, and the real bot.

The bot runs in-process on the test's event loop, against a real database (SQLite file, or
PostgreSQL when TEST_DATABASE_URL is set), with a clock the test moves by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.app import CohortBot
from bot.clock import FakeClock
from bot.emulator import Channel, Emulator, Guild, User
from bot.emulator.worlds import study_group
from bot.runner import BotRunner
from bot.settings import Settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emulator(clock: FakeClock) -> AsyncIterator[Emulator]:
    emu = Emulator(clock=clock)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
    assert not emu.internal_errors, f"the emulator failed: {emu.internal_errors}"
    assert not emu.errors, (
        "the bot got Discord errors it did not expect (call emulator.take_errors() in tests "
        f"that expect them): {[str(e) for e in emu.errors]}"
    )


@dataclass
class World:
    """A study-group server: an owner, an organiser with Manage Server, three members."""

    guild: Guild
    general: Channel
    owner: User
    organiser: User
    alice: User
    bob: User
    carol: User


@pytest.fixture
def world(emulator: Emulator) -> World:
    group = study_group(emulator)
    return World(group.guild, group.general, group.owner, group.organiser, *group.members.values())


def bot_settings(emulator: Emulator, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "discord_token": emulator.token,
        "database_url": database_url,
        "discord_api_base": emulator.base_url,
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def runner(
    emulator: Emulator, world: World, database_url: str, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    runner = BotRunner(bot_settings(emulator, database_url), clock=clock, guild_ready_timeout=0.05)
    try:
        yield runner
    finally:
        await runner.stop()


@pytest.fixture
async def bot(runner: BotRunner) -> CohortBot:
    return await runner.start()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> bool:
    """Re-check an async condition (a database row the bot writes) until it holds or time is up.

    For effects the bot produces asynchronously, not for moving time: time is the clock's job.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.01)
    return await check()
