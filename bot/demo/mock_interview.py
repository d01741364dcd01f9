"""The demo's mock interview: three members give their free time and ask for partners; two
are matched at once into a private thread, the interviewer gets a question packet."""

from __future__ import annotations

from typing import Any

from bot.demo.transcript import Transcript
from bot.emulator import Emulator

FREE = {
    "ada": "Mon-Fri 18:00-21:00, Sun 15:00-17:00",
    "alan": "Mon-Thu 7pm-10pm",
    "edsger": "Sat-Sun 9:00-12:00",
}


async def mock_interview(out: Transcript, emu: Emulator, group: Any) -> None:
    general = group.general
    out.heading("Peer mock interviews")
    channel = emu.create_channel(group.guild, "mock-interviews")
    out.member("organiser", "/match setup channel:#mock-interviews cadence:daily")
    setup = {"channel": channel, "cadence": "daily"}
    out.message(await (await emu.invoke(group.organiser, general, "match setup", setup)).reply())
    for name, text in FREE.items():
        out.member(name, f"/availability set → “{text}”")
        record = await emu.invoke(group[name], general, "availability set")
        modal = await record.modal_shown()
        field = modal["components"][0]["components"][0]["custom_id"]
        out.message(await (await emu.submit_modal(group[name], record, {field: text})).reply())
    for name, role in (("ada", "candidate"), ("edsger", "interviewer"), ("alan", "interviewer")):
        out.member(name, f"/match request track:coding role:{role} level:mid")
        options = {"track": "coding", "role": role, "level": "mid"}
        out.message(
            await (await emu.invoke(group[name], general, "match request", options)).reply()
        )
    for thread in emu.threads(channel):
        members = sorted(name for name in FREE if group[name].id in thread.thread_members)
        out.step(f"private thread “{thread.name}” with exactly: {', '.join(members)}")
        for message in emu.channel_messages(thread):
            out.message(message, who=f"Cohort posted in “{thread.name}”")
    for dm in emu.dms(group["alan"]):
        out.message(dm, who="Cohort sent alan (the interviewer) a DM")
    out.member("edsger", "/match status")
    out.message(await (await emu.invoke(group["edsger"], general, "match status")).reply())
