"""/milestones set|clear: a role for reaching a streak milestone (organisers only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import BadInput
from bot.domain.streaks import MILESTONES
from bot.services import milestones
from bot.ui.guards import require_organiser

if TYPE_CHECKING:
    from bot.app import CohortBot

DAYS = [app_commands.Choice(name=f"{d} days", value=d) for d in MILESTONES]


@app_commands.default_permissions(manage_guild=True)
class Milestones(
    commands.GroupCog, group_name="milestones", group_description="Roles for streak milestones"
):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services

    @app_commands.command(name="set", description="Grant a role at a streak milestone")
    @app_commands.describe(days="The milestone", role="The role to grant (and take back)")
    @app_commands.choices(days=DAYS)
    @app_commands.guild_only()
    async def set_(
        self, interaction: discord.Interaction[CohortBot], days: int, role: discord.Role
    ) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        me = interaction.guild.me
        if not me.guild_permissions.manage_roles:
            raise BadInput("I need the Manage Roles permission to grant milestone roles.")
        if role.managed or role.is_default() or role.position >= me.top_role.position:
            raise BadInput(
                f"I can't grant {role.mention}: it must be a plain role below my own highest "
                "role. Move my role above it in Server Settings › Roles, or pick another."
            )
        await milestones.set_role(self.services.sessions, interaction.guild.id, days, role.id)
        await interaction.response.send_message(
            f"Members reaching a {days}-day streak get {role.mention}; it goes when the streak "
            "ends.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="clear", description="Stop granting a role at a milestone")
    @app_commands.choices(days=DAYS)
    @app_commands.guild_only()
    async def clear(self, interaction: discord.Interaction[CohortBot], days: int) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        removed = await milestones.clear(self.services.sessions, interaction.guild.id, days)
        text = (
            f"No role is granted at {days} days any more (roles already given stay until "
            "those streaks end)."
            if removed
            else f"No role was set for {days} days."
        )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Milestones(bot))
