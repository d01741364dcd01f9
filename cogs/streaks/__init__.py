"""/streak and /profile: streaks on each member's local day, with a heatmap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.streaks._cog import Boards, Profile, Streaks

if TYPE_CHECKING:
    from bot.app import CohortBot


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Streaks(bot))
    await bot.add_cog(Profile(bot))
    await bot.add_cog(Boards(bot))
