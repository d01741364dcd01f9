"""`python -m bot demo`: the real bot against the built-in emulator, with simulated members.

Nothing here is staged: the emulator is a Discord-compatible server, the bot is the same
`CohortBot` a self-hoster runs, and the members act through the same API the end-to-end
tests use. The transcript prints what they would see in Discord.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.demo.mock_interview import mock_interview
from bot.demo.quiz_round import quiz_round, streak_card
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
    # The demo runs on its own clock so a day passes in a second: 08:55 in London, 2 March.
    clock = FakeClock(start=datetime(2026, 3, 2, 8, 55, tzinfo=UTC))
    emu = Emulator(clock=clock)
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
        runner = BotRunner(settings, clock=clock, guild_ready_timeout=0.2)
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

            await _daily(out, emu, bot, group, clock, images)
            await quiz_round(out, emu, bot, group, clock, images)
            await streak_card(out, emu, group, images)
            await mock_interview(out, emu, bot, group, clock, images)
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


async def _daily(
    out: Transcript, emu: Emulator, bot, group, clock: FakeClock, images: Path
) -> None:  # type: ignore[no-untyped-def]
    """The daily question: set up, posted at 09:00 local time, answered, revealed."""
    general, organiser = group.general, group.organiser
    out.heading("The daily question")
    out.member(
        "organiser",
        "/daily setup channel:#general time:09:00 timezone:Europe/London topics:code reading",
    )
    options = {
        "channel": general,
        "time": "09:00",
        "timezone": "Europe/London",
        "topics": "code reading",
    }
    out.message(await (await emu.invoke(organiser, general, "daily setup", options)).reply())

    clock.advance(timedelta(minutes=5))
    out.step(f"the clock reaches 09:00 in London ({clock.now():%Y-%m-%d %H:%M} UTC)")
    daily_cog = bot.get_cog("Daily")
    await daily_cog.sweep()
    post = next(m for m in reversed(emu.channel_messages(general)) if m.embeds)
    out.message(post, who="Cohort posted in #general")

    labels = [c.get("label") for c in post.interactive()]
    answers = {"ada": 0, "grace": 0, "alan": 1, "barbara": 0}
    for name, index in answers.items():
        if post.interactive()[0].get("type") == 2 and labels[0] != "Answer":
            out.member(name, f"clicks [{labels[index]}]")
            record = await emu.click(group[name], post, label=labels[index])
        elif labels == ["Answer"]:
            out.member(name, "clicks [Answer] and writes an answer")
            record = await emu.click(group[name], post, label="Answer")
            modal = await record.modal_shown()
            field = modal["components"][0]["components"][0]["custom_id"]
            record = await emu.submit_modal(group[name], record, {field: "My structured answer."})
        else:
            out.member(name, "selects the first two options")
            record = await emu.select(group[name], post, ["0", "1"])
        out.message(await record.reply())
    out.member("ada", "clicks again")
    again = await emu.click(group["ada"], post, label=labels[0]) if labels != ["Answer"] else None
    if again is not None:
        out.message(await again.reply())

    clock.advance(timedelta(hours=24))
    out.step("24 hours later the reveal comes, and the discussion thread opens")
    await daily_cog.sweep()
    thread = emu.threads(general)[-1]
    reveal = next(m for m in emu.channel_messages(thread) if m.embeds)
    out.message(reveal, who=f"Cohort posted in the thread “{thread.name}”")
    for attachment in reveal.attachments:
        path = images / f"daily-{attachment.filename}"
        path.write_bytes(attachment.data)
        out.step(f"saved the answer chart to {path}")
