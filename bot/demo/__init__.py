"""`python -m bot demo`: the real bot against the built-in emulator, with simulated members.

Nothing here is staged: the emulator is a Discord-compatible server, the bot is the same
`CohortBot` a self-hoster runs, and the members act through the same API the end-to-end
tests use. The transcript prints what they would see in Discord.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from bot.demo.transcript import Transcript
from bot.emulator import Emulator
from bot.emulator.worlds import study_group
from bot.runner import BotRunner
from bot.settings import Settings

MEMBERS = ("ada", "grace", "alan", "barbara", "edsger")


def prepare_output(output: str) -> Path:
    """The folder for the demo's images, created before the event loop starts."""
    images = Path(output).resolve()
    images.mkdir(parents=True, exist_ok=True)
    return images


async def run_demo(*, images: Path) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = Transcript()
    out.heading("Cohort demo: the real bot against the built-in Discord emulator")
    emu = Emulator()
    await emu.start()
    out.step(f"emulator listening at {emu.base_url} (nothing leaves this machine)")

    group = study_group(emu, "Cohort Study Group", members=MEMBERS)
    general = group.general
    out.step(
        f"server “{group.guild.name}” with #general, an owner, an organiser and "
        f"{len(group.members)} members: " + ", ".join(MEMBERS)
    )

    with tempfile.TemporaryDirectory(prefix="cohort-demo-") as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            discord_token=emu.token,
            discord_api_base=emu.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp}/demo.db",
            log_level="WARNING",
        )
        runner = BotRunner(settings, guild_ready_timeout=0.2)
        try:
            out.step("starting the bot: applying migrations to a fresh SQLite database…")
            bot = await runner.start()
            if runner.bank is not None:
                out.step(f"loaded the question bank: {runner.bank.live} questions ({runner.bank})")
            out.step(
                f"bot connected as {bot.user} and received READY with {len(bot.guilds)} server"
            )
            await emu.wait_until(lambda: emu.command_syncs, what="command registration")
            names = emu.command_names()
            out.step(f"registered {len(names)} slash commands: " + " ".join(f"/{n}" for n in names))

            out.heading("A member asks for help")
            ada = group["ada"]
            out.member("ada", "/help")
            reply = await (await emu.invoke(ada, general, "help")).reply()
            out.message(reply)
        finally:
            await runner.stop()
            await emu.stop()
    problems = emu.internal_errors + [str(e) for e in emu.errors]
    out.heading("Done")
    if problems:
        out.step("the emulator reported problems: " + "; ".join(problems))
        return 1
    out.step(f"no Discord errors; images (if any) are in {images}")
    return 0
