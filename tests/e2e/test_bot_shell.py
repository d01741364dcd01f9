"""The bot shell end to end: connecting, command sync, /help, and the one error handler."""

from __future__ import annotations

import logging

import discord
import pytest
from discord import app_commands
from sqlalchemy import func, select

from bot.app import GENERIC_FAILURE, CohortBot
from bot.clock import FakeClock
from bot.db.models import Guild as GuildRow
from bot.db.models import Question
from bot.domain.errors import BadInput
from bot.emulator import Emulator, EmulatorError
from bot.runner import BotRunner
from tests.e2e.conftest import World, bot_settings, eventually


async def test_bot_connects_registers_commands_and_records_its_guilds(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    assert bot.is_ready() and bot.get_guild(world.guild.id) is not None
    assert "help" in emulator.command_names()
    assert emulator.command_syncs == [None]
    async with bot.services.sessions() as session:
        ids = (await session.scalars(select(GuildRow.id))).all()
    assert ids == [world.guild.id]


async def test_start_up_loads_the_bank_and_a_restart_changes_nothing(
    emulator: Emulator, world: World, database_url: str, clock: FakeClock
) -> None:
    results = []
    for _ in range(2):
        runner = BotRunner(
            bot_settings(emulator, database_url), clock=clock, guild_ready_timeout=0.05
        )
        try:
            bot = await runner.start()
            async with bot.services.sessions() as session:
                live = await session.scalar(
                    select(func.count()).select_from(Question).where(Question.retired_at.is_(None))
                )
        finally:
            await runner.stop()
        assert runner.bank is not None
        results.append((runner.bank, live))
    (first, live_first), (second, live_second) = results
    assert first.added >= 200 and live_first == first.added
    assert not second.changed and second.unchanged == first.added
    assert live_second == live_first


async def test_commands_are_synced_only_when_they_change(
    emulator: Emulator, world: World, database_url: str, clock: FakeClock
) -> None:
    for _ in range(2):
        runner = BotRunner(
            bot_settings(emulator, database_url), clock=clock, guild_ready_timeout=0.05
        )
        try:
            await runner.start()
        finally:
            await runner.stop()
    assert emulator.command_syncs == [None], "the second start found the same definitions"


async def test_dev_guild_gets_the_commands_directly(
    emulator: Emulator, world: World, database_url: str, clock: FakeClock
) -> None:
    settings = bot_settings(emulator, database_url, dev_guild_id=world.guild.id)
    runner = BotRunner(settings, clock=clock, guild_ready_timeout=0.05)
    try:
        await runner.start()
    finally:
        await runner.stop()
    assert emulator.command_syncs == [world.guild.id]
    assert "help" in emulator.command_names(world.guild)


async def test_help_is_private_and_hides_organiser_commands_from_members(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    @app_commands.command(name="organise", description="Organisers only")
    @app_commands.default_permissions(manage_guild=True)
    async def organise(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    bot.tree.add_command(organise)
    await bot.tree.sync()
    member_view = await (await emulator.invoke(world.alice, world.general, "help")).reply()
    assert member_view.ephemeral and "/help" in member_view.text
    assert "/organise" not in member_view.text
    organiser_view = await (await emulator.invoke(world.organiser, world.general, "help")).reply()
    assert "/organise" in organiser_view.text
    with pytest.raises(EmulatorError, match="hidden"):
        await emulator.invoke(world.alice, world.general, "organise")


async def test_errors_become_specific_private_replies(
    bot: CohortBot, emulator: Emulator, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    @app_commands.command(name="badtime", description="Raises a domain error")
    async def badtime(interaction: discord.Interaction) -> None:
        raise BadInput("“25:00” is not a time: use HH:MM, 24-hour, like 09:30.")

    @app_commands.command(name="crash", description="Raises a bug")
    async def crash(interaction: discord.Interaction) -> None:
        raise RuntimeError("boom")

    @app_commands.command(name="latecrash", description="Defers, then raises a bug")
    async def latecrash(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raise RuntimeError("late boom")

    for command in (badtime, crash, latecrash):
        bot.tree.add_command(command)
    await bot.tree.sync()

    reply = await (await emulator.invoke(world.alice, world.general, "badtime")).reply()
    assert reply.ephemeral and reply.content.startswith("“25:00” is not a time")

    with caplog.at_level(logging.ERROR, logger="cohort"):
        reply = await (await emulator.invoke(world.alice, world.general, "crash")).reply()
        assert reply.ephemeral and reply.content == GENERIC_FAILURE
        late = await (await emulator.invoke(world.alice, world.general, "latecrash")).reply()
        assert late.ephemeral and late.content == GENERIC_FAILURE
    logged = [r for r in caplog.records if r.name == "cohort" and r.exc_info]
    assert [str(r.exc_info[1].original) for r in logged] == ["boom", "late boom"]  # type: ignore[index, union-attr]
    assert "boom" not in reply.content, "internal details stay in the log"


async def test_a_guild_joined_later_gets_its_settings_row(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    second = emulator.create_guild("Second Group")
    await emulator.wait_until(lambda: bot.get_guild(second.id), what="the new guild")

    async def has_row() -> bool:
        async with bot.services.sessions() as session:
            return await session.get(GuildRow, second.id) is not None

    assert await eventually(has_row), "no settings row for the guild joined later"
