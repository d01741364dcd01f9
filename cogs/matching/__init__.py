"""/availability and /match: peer mock interviews matched by track, role, level and time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.matching._cog import Availability, Matching
from cogs.matching._session import DYNAMIC_ITEMS
from cogs.matching._views import PacketButton

if TYPE_CHECKING:
    from bot.app import CohortBot


async def setup(bot: CohortBot) -> None:
    bot.add_dynamic_items(PacketButton, *DYNAMIC_ITEMS)
    await bot.add_cog(Matching(bot))
    await bot.add_cog(Availability(bot))


async def teardown(bot: CohortBot) -> None:
    bot.remove_dynamic_items(PacketButton, *DYNAMIC_ITEMS)
