"""/streak [member] and /profile timezone|show. Thin: the rules are in bot.domain.streaks,
the state in bot.services.streaks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import BadInput
from bot.domain.schedule import parse_timezone, timezone_choices
from bot.services import streaks
from bot.ui.streaks import streak_message

if TYPE_CHECKING:
    from bot.app import CohortBot


class Streaks(commands.Cog):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services

    @app_commands.command(name="streak", description="A streak and its last 26 weeks")
    @app_commands.describe(member="Whose streak (default: yours)")
    @app_commands.guild_only()
    async def streak(
        self, interaction: discord.Interaction[CohortBot], member: discord.User | None = None
    ) -> None:
        assert interaction.guild is not None
        who = member or interaction.user
        if who.bot:
            raise BadInput("Bots don't keep streaks; pick a member.")
        await interaction.response.defer(thinking=True)
        await streaks.catch_up(self.services.sessions)
        card = await streaks.card(
            self.services.sessions, who.id, interaction.guild.id, self.services.clock.now()
        )
        embed, file = streak_message(card, who.display_name)
        await interaction.followup.send(
            embed=embed, file=file, allowed_mentions=discord.AllowedMentions.none()
        )


class Profile(commands.GroupCog, group_name="profile", group_description="Your settings"):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services

    @app_commands.command(name="timezone", description="Your timezone, for your streak days")
    @app_commands.describe(timezone="An IANA timezone, e.g. Europe/Berlin")
    @app_commands.guild_only()
    async def timezone(self, interaction: discord.Interaction[CohortBot], timezone: str) -> None:
        assert interaction.guild is not None
        zone = parse_timezone(timezone)
        before, after = await streaks.set_timezone(
            self.services.sessions,
            interaction.user.id,
            interaction.guild.id,
            zone.key,
            self.services.clock.now(),
        )
        text = f"Your timezone is now {zone.key}: today is {after:%A %d %B} for you."
        if (after - before).days > 1:
            text += " The days the change skipped will not count as missed."
        await interaction.response.send_message(text, ephemeral=True)

    @timezone.autocomplete("timezone")
    async def _timezones(
        self, interaction: discord.Interaction[CohortBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_choices(current)]

    @app_commands.command(name="show", description="Your timezone and streak here")
    @app_commands.guild_only()
    async def show(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.guild is not None
        await streaks.catch_up(self.services.sessions)
        card = await streaks.card(
            self.services.sessions,
            interaction.user.id,
            interaction.guild.id,
            self.services.clock.now(),
        )
        zone = await streaks.zone_name(
            self.services.sessions, interaction.user.id, interaction.guild.id
        )
        v = card.view
        embed = discord.Embed(title="Your profile", colour=discord.Colour.blurple())
        embed.add_field(name="Timezone", value=zone, inline=False)
        embed.add_field(name="Streak", value=f"{v.current} (longest {v.longest})")
        embed.add_field(name="Freezes", value=f"{v.freezes} of 2")
        await interaction.response.send_message(embed=embed, ephemeral=True)
