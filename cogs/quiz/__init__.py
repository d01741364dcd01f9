"""/quiz: live rounds with buttons, timers, speed scoring and a podium."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.quiz._cog import Quiz
from cogs.quiz._views import QuizButton

if TYPE_CHECKING:
    from bot.app import CohortBot


async def setup(bot: CohortBot) -> None:
    bot.add_dynamic_items(QuizButton)
    await bot.add_cog(Quiz(bot))


async def teardown(bot: CohortBot) -> None:
    bot.remove_dynamic_items(QuizButton)
