"""`python -m bot emulator`: the emulator alone, for running `python -m bot` against it."""

from __future__ import annotations

import asyncio

from bot.emulator.core import Emulator
from bot.emulator.worlds import study_group

MEMBER_NAMES = [
    "ada",
    "grace",
    "alan",
    "barbara",
    "edsger",
    "frances",
    "john",
    "radia",
    "ken",
    "liskov",
]


def seed(emu: Emulator, members: int) -> None:
    """A study-group server: an owner, an organiser, a few members, #general and #daily."""
    names = (MEMBER_NAMES * (members // len(MEMBER_NAMES) + 1))[:members]
    group = study_group(emu, "Cohort Study Group", members=names)
    emu.create_channel(group.guild, "daily", dispatch=False)


async def run_emulator(*, port: int = 8765, members: int = 5, once: bool = False) -> None:
    emu = Emulator()
    seed(emu, members)
    await emu.start(port=port)
    print("Cohort's Discord emulator is listening on 127.0.0.1.", flush=True)
    print("Run the bot against it in another shell with:", flush=True)
    print(f"  DISCORD_API_BASE={emu.base_url} DISCORD_TOKEN={emu.token} python -m bot", flush=True)
    print(f"DISCORD_API_BASE={emu.base_url}", flush=True)
    print(f"DISCORD_TOKEN={emu.token}", flush=True)
    seen_ready = seen_syncs = 0

    def news(ready: int, syncs: int) -> bool:
        return emu.server.ready_count > ready or len(emu.command_syncs) > syncs

    try:
        while True:
            await emu.wait_until(
                lambda r=seen_ready, s=seen_syncs: news(r, s), timeout=3600, what="the bot"
            )
            if emu.server.ready_count > seen_ready:
                seen_ready = emu.server.ready_count
                guilds = ", ".join(g.name for g in emu.guilds.values())
                print(f"bot connected (READY sent; guilds: {guilds})", flush=True)
            if len(emu.command_syncs) > seen_syncs:
                seen_syncs = len(emu.command_syncs)
                scope = emu.command_syncs[-1]
                names = " ".join(
                    f"/{n}" for n in emu.command_names(emu.guilds.get(scope) if scope else None)
                )
                where = f"guild {scope}" if scope else "global"
                print(f"commands registered ({where}): {names}", flush=True)
            if once and seen_ready and seen_syncs:
                return
    except asyncio.CancelledError:
        pass
    finally:
        await emu.stop()
