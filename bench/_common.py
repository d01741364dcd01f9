"""What both benchmarks share: the emulator, the real bot on a temp SQLite file, a table.

The bot, the emulator and aiohttp on both sides all run in this one process, so CPU time is
measured for the whole process; each bench measures a baseline in the same run that makes the
same Discord calls without the bot's database work, and reports the ratio against it.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app import CohortBot
from bot.clock import FakeClock
from bot.emulator import Emulator
from bot.runner import BotRunner
from bot.settings import Settings


@dataclass
class Harness:
    emulator: Emulator
    runner: BotRunner
    bot: CohortBot
    clock: FakeClock
    database: Path


@asynccontextmanager
async def running_bot(
    emulator: Emulator, clock: FakeClock, *, ready_timeout: float = 60.0
) -> AsyncIterator[Harness]:
    """Start the real bot (migrations, bank, gateway) against `emulator` on a fresh SQLite
    file, with a clock only the bench moves (so no wall-clock timer fires meanwhile)."""
    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        database = Path(folder) / "bench.db"
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            discord_token=emulator.token,
            database_url=f"sqlite+aiosqlite:///{database}",
            discord_api_base=emulator.base_url,
            log_level="WARNING",
        )
        runner = BotRunner(settings, clock=clock, guild_ready_timeout=0.5)
        try:
            bot = await runner.start(timeout=ready_timeout)
            yield Harness(emulator, runner, bot, clock, database)
        finally:
            await runner.stop()


def quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The benches count Discord errors themselves (emulator.errors); a burst that misses the
    # 3-second deadline would otherwise print a traceback per click.
    for name in ("discord", "aiohttp", "apscheduler"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (it reads as plain text too, and pastes into bench/README.md)."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def machine_note() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}"
