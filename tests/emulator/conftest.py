"""A tiny discord.py bot, independent of Cohort, that exercises the emulator's rules.

Each command does one thing a real bot does (reply, defer, post, DM, open a modal, make a
thread), so the tests check that the real client and the emulator agree on every payload.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.clock import FakeClock
from bot.connection import adopt_gateway, use_api_base
from bot.emulator import Channel, Emulator, Guild, User
from bot.emulator.worlds import study_group


@dataclass
class Gates:
    """Events a test releases to let a held command go on, and what commands observed."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    errors: list[BaseException] = field(default_factory=list)
    seen: dict[str, Any] = field(default_factory=dict)


class Echo(discord.ui.Modal, title="Tell me something"):
    text = discord.ui.TextInput(label="Something", max_length=50)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"you said {self.text.value}", ephemeral=True)


class Buttons(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Press", custom_id="test:press")
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message(
            f"pressed by {interaction.user.name}", ephemeral=True
        )

    @discord.ui.button(label="Edit", custom_id="test:edit")
    async def edit(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        button.disabled = True
        await interaction.response.edit_message(content="edited", view=self)

    @discord.ui.button(label="Form", custom_id="test:form")
    async def form(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(Echo())

    @discord.ui.select(
        custom_id="test:pick",
        min_values=1,
        max_values=2,
        options=[discord.SelectOption(label=x, value=x) for x in ("a", "b", "c")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {','.join(select.values)}", ephemeral=True)


class Probe(commands.Cog):
    def __init__(self, bot: ProbeBot) -> None:
        self.bot = bot
        self.gates = bot.gates

    @app_commands.command(description="Reply with the text")
    async def echo(
        self, interaction: discord.Interaction, text: str, private: bool = False
    ) -> None:
        await interaction.response.send_message(text, ephemeral=private)

    @app_commands.command(description="Reply with mentions allowed")
    async def loud(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(
            text, allowed_mentions=discord.AllowedMentions(users=True, roles=True, everyone=True)
        )

    @app_commands.command(description="Wait for the test, then reply")
    async def slow(self, interaction: discord.Interaction) -> None:
        await self.gates.release.wait()
        try:
            await interaction.response.send_message("finally")
        except discord.HTTPException as exc:
            self.gates.errors.append(exc)

    @app_commands.command(description="Reply twice")
    async def twice(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        try:
            await interaction.response.send_message("two")
        except discord.InteractionResponded as exc:  # discord.py's own guard
            self.gates.errors.append(exc)
        try:  # bypass discord.py's guard to reach the server's rule
            from discord.webhook.async_ import async_context, interaction_response_params

            await async_context.get().create_interaction_response(
                interaction.id,
                interaction.token,
                session=interaction._session,
                params=interaction_response_params(4, {"content": "two"}),
            )
        except discord.HTTPException as exc:
            self.gates.errors.append(exc)

    @app_commands.command(description="Defer, wait for the test, then follow up")
    async def later(self, interaction: discord.Interaction, private: bool = False) -> None:
        await interaction.response.defer(ephemeral=private, thinking=True)
        await self.gates.release.wait()
        try:
            await interaction.followup.send("done", ephemeral=private)
        except discord.HTTPException as exc:
            self.gates.errors.append(exc)

    @app_commands.command(description="Post in a channel")
    async def post(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        content: str = "hello",
        embed_text: str | None = None,
        with_file: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=True)
        kwargs: dict[str, Any] = {}
        if embed_text is not None:
            kwargs["embed"] = discord.Embed(description=embed_text)
        if with_file:
            kwargs["file"] = discord.File(__import__("io").BytesIO(b"\x89PNG fake"), "chart.png")
        try:
            await channel.send(content, **kwargs)
            await interaction.followup.send("posted")
        except discord.HTTPException as exc:
            self.gates.errors.append(exc)
            await interaction.followup.send(f"failed {exc.status} {exc.code}")

    @app_commands.command(description="DM a member")
    async def dm(self, interaction: discord.Interaction, member: discord.Member) -> None:
        try:
            await member.send("a private note")
            await interaction.response.send_message("sent", ephemeral=True)
        except discord.Forbidden as exc:
            self.gates.errors.append(exc)
            await interaction.response.send_message(f"closed {exc.code}", ephemeral=True)

    @app_commands.command(description="Show buttons")
    async def buttons(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=Buttons())

    @app_commands.command(description="Open a modal")
    async def ask(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Echo())

    @app_commands.command(description="Make a private thread with a member")
    async def pair(self, interaction: discord.Interaction, member: discord.Member) -> None:
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        thread = await channel.create_thread(
            name="pair", type=discord.ChannelType.private_thread, invitable=False
        )
        await thread.add_user(member)
        await thread.send(f"welcome {member.mention}")
        await interaction.response.send_message(f"thread {thread.id}", ephemeral=True)

    @app_commands.command(description="Post, then open a discussion thread on the post")
    async def discuss(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        post = await channel.send("question of the day")
        thread = await post.create_thread(name="Discussion")
        await thread.send("discuss here")
        try:
            await post.create_thread(name="Again")
        except discord.HTTPException as exc:
            self.gates.errors.append(exc)
        history = [m.content async for m in channel.history(limit=10)]
        await interaction.followup.send(f"history: {' / '.join(history)}")

    @app_commands.command(description="Give a role")
    async def grant(
        self, interaction: discord.Interaction, member: discord.Member, role: discord.Role
    ) -> None:
        try:
            await member.add_roles(role)
            await interaction.response.send_message("granted", ephemeral=True)
        except discord.Forbidden as exc:
            self.gates.errors.append(exc)
            await interaction.response.send_message(f"forbidden {exc.code}", ephemeral=True)

    @app_commands.command(description="Organisers only")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def admin(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("admin ok", ephemeral=True)

    @admin.error
    async def admin_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await interaction.response.send_message("refused", ephemeral=True)

    @app_commands.command(description="Send something too big")
    async def huge(self, interaction: discord.Interaction, what: str) -> None:
        try:
            if what == "content":
                await interaction.response.send_message("x" * 2001)
            elif what == "embed":
                await interaction.response.send_message(embed=discord.Embed(description="y" * 4097))
            elif what == "label":
                view = discord.ui.View()
                view.add_item(discord.ui.Button(label="z" * 81, custom_id="z"))
                await interaction.response.send_message("label", view=view)
        except discord.HTTPException as exc:
            self.gates.errors.append(exc)

    @app_commands.command(description="Pick a timezone")
    async def zone(self, interaction: discord.Interaction, timezone: str) -> None:
        await interaction.response.send_message(f"zone {timezone}")

    @zone.autocomplete("timezone")
    async def zone_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        zones = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata"]
        return [app_commands.Choice(name=z, value=z) for z in zones if current.lower() in z.lower()]

    @app_commands.command(description="Count to a number")
    async def count(
        self, interaction: discord.Interaction, n: app_commands.Range[int, 1, 5]
    ) -> None:
        await interaction.response.send_message(" ".join(str(i) for i in range(1, n + 1)))


class ProbeBot(commands.Bot):
    def __init__(self, api_base: str) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        self.api_base = api_base
        self.gates = Gates()

    async def login(self, token: str) -> None:
        use_api_base(self.api_base)
        await super().login(token)
        await adopt_gateway(self.http)

    async def setup_hook(self) -> None:
        await self.add_cog(Probe(self))
        self.add_view(Buttons())
        await self.tree.sync()


@dataclass
class Scene:
    emu: Emulator
    bot: ProbeBot
    clock: FakeClock
    guild: Guild
    general: Channel
    owner: User
    organiser: User
    alice: User
    bob: User


@pytest.fixture
async def scene() -> AsyncIterator[Scene]:
    clock = FakeClock()
    emu = Emulator(clock=clock)
    await emu.start()
    group = study_group(emu, "Probe Server", members=("alice", "bob"))
    bot = ProbeBot(emu.base_url)
    task = asyncio.create_task(bot.start(emu.token))
    ready = asyncio.create_task(bot.wait_until_ready())
    await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    assert bot.is_ready(), task.exception() if task.done() else "not ready"
    await emu.wait_until(lambda: emu.global_commands, what="command sync")
    try:
        yield Scene(
            emu,
            bot,
            clock,
            group.guild,
            group.general,
            group.owner,
            group.organiser,
            group["alice"],
            group["bob"],
        )
    finally:
        bot.gates.release.set()
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await emu.stop()
        use_api_base(None)
    assert not emu.internal_errors, emu.internal_errors
