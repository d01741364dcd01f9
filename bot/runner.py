"""Starting and stopping the bot: migrations first, then the client, then a clean shutdown.

The CLI, the demo and the end-to-end tests all start the bot through `BotRunner`, so what the
tests exercise is what a self-hoster runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.app import CohortBot, build_services
from bot.clock import Clock
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.services import group_commit
from bot.services.bank import SyncResult, load_bank
from bot.settings import Settings

log = logging.getLogger("cohort")


class BotRunner:
    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, **bot_options: Any
    ) -> None:
        if not settings.token:
            raise ValueError("DISCORD_TOKEN is not set")
        self.settings = settings
        self.clock = clock
        self.bot_options = bot_options
        self.bot: CohortBot | None = None
        self.bank: SyncResult | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait_ready: bool = True, timeout: float = 30.0) -> CohortBot:
        engine = create_engine(self.settings.database_url)
        log.info("applying database migrations")
        await upgrade(engine)
        services = build_services(self.settings, engine, self.clock)
        self.bank = await load_bank(
            services.sessions, self.settings.questions_dir, services.clock.now()
        )
        self.bot = bot = CohortBot(self.settings, services, **self.bot_options)
        self._task = asyncio.create_task(bot.start(self.settings.token or ""), name="cohort-bot")
        if wait_ready:
            ready = asyncio.create_task(bot.prepared.wait())
            done, _ = await asyncio.wait(
                {ready, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if self._task in done:
                ready.cancel()
                self._task.result()  # raises the start-up error
                raise RuntimeError("the bot stopped before it was ready")
            if ready not in done:
                ready.cancel()
                raise TimeoutError(f"the bot was not ready after {timeout}s")
        return bot

    async def wait(self) -> None:
        """Run until the client stops (Ctrl-C or a fatal error)."""
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        bot, task = self.bot, self._task
        if bot is not None:
            await bot.close()
            await group_commit.close_all(bot.services)
            await bot.services.engine.dispose()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.bot = None
        self._task = None
