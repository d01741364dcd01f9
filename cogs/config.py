"""/config: a guild's settings, organiser-only as a whole (hidden from members) and checked here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import BadInput
from bot.domain.schedule import parse_timezone, timezone_choices
from bot.services import daily, streaks
from bot.ui.daily import settings_embed
from bot.ui.guards import missing_permissions, require_organiser

if TYPE_CHECKING:
    from bot.app import CohortBot

LOG_CHANNEL_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
}


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Config(commands.GroupCog, group_name="config", group_description="Server settings"):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services

    @app_commands.command(name="show", description="Every Cohort setting of this server")
    async def show(self, interaction: discord.Interaction[CohortBot]) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        timezone, log_channel = await daily.guild_config(
            self.services.sessions, interaction.guild.id
        )
        settings = await daily.get_settings(self.services.sessions, interaction.guild.id)
        embed = settings_embed(
            timezone=timezone,
            log_channel=f"<#{log_channel}>" if log_channel else None,
            daily=settings,
            daily_channel=f"<#{settings.channel_id}>" if settings else None,
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="timezone", description="This server's timezone")
    @app_commands.describe(timezone="IANA timezone, e.g. Europe/Berlin")
    async def timezone(self, interaction: discord.Interaction[CohortBot], timezone: str) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        zone = parse_timezone(timezone)
        old, _ = await daily.guild_config(self.services.sessions, interaction.guild.id)
        now = self.services.clock.now()
        await daily.set_timezone(self.services.sessions, interaction.guild.id, zone.key, now)
        await streaks.guild_timezone_changed(
            self.services.sessions, interaction.guild.id, old, zone.key, now
        )
        cog = self.bot.get_cog("Daily")
        settings = await daily.get_settings(self.services.sessions, interaction.guild.id)
        if settings is not None and cog is not None:
            cog.arm(settings)  # type: ignore[attr-defined]
        extra = (
            f" The daily question now posts at {settings.post_time:%H:%M} {zone.key}."
            if settings
            else ""
        )
        await interaction.response.send_message(
            f"This server's timezone is now {zone.key}.{extra}", ephemeral=True
        )

    @timezone.autocomplete("timezone")
    async def _timezones(
        self, interaction: discord.Interaction[CohortBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_choices(current)]

    @app_commands.command(name="log-channel", description="Where Cohort reports problems")
    @app_commands.describe(channel="A channel organisers read")
    async def log_channel(
        self, interaction: discord.Interaction[CohortBot], channel: discord.TextChannel
    ) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        missing = missing_permissions(channel, interaction.guild.me, LOG_CHANNEL_PERMISSIONS)
        if missing:
            raise BadInput(
                f"I can't write in {channel.mention}: I am missing {', '.join(missing)} there."
            )
        await daily.set_log_channel(
            self.services.sessions, interaction.guild.id, channel.id, self.services.clock.now()
        )
        await interaction.response.send_message(
            f"Problems will be reported in {channel.mention}.", ephemeral=True
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Config(bot))
