"""/daily: the question of the day, posted at each guild's local time, revealed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.daily._cog import Daily
from cogs.daily._views import AnswerButton, AnswerSelect, OpenAnswerButton

if TYPE_CHECKING:
    from bot.app import CohortBot


async def setup(bot: CohortBot) -> None:
    bot.add_dynamic_items(AnswerButton, AnswerSelect, OpenAnswerButton)
    await bot.add_cog(Daily(bot))


async def teardown(bot: CohortBot) -> None:
    bot.remove_dynamic_items(AnswerButton, AnswerSelect, OpenAnswerButton)
