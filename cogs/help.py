"""/help: what Cohort does and every command this server has, grouped by feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.ui.help import help_embed

if TYPE_CHECKING:
    from bot.app import CohortBot


class Help(commands.Cog):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What Cohort does and the commands you can use")
    async def help(self, interaction: discord.Interaction[CohortBot]) -> None:
        can_manage = bool(
            isinstance(interaction.user, discord.Member) and interaction.permissions.manage_guild
        )
        commands_ = [
            (c.qualified_name, c.description, getattr(c, "default_permissions", None))
            for c in self.bot.tree.walk_commands()
            if isinstance(c, app_commands.Command)
        ]
        embed = help_embed(commands_, version=self.bot.version, organiser=can_manage)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Help(bot))
