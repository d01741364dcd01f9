"""The demo's mock interview from match to feedback: three members give their free time and
ask for partners; two are matched at once into a private thread and the interviewer gets a
question packet; they move the time and confirm it, are reminded, say it happened, rate each
other, and the candidate looks at her history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import Match
from bot.demo.transcript import Transcript
from bot.emulator import Emulator
from bot.emulator.state import Message

FREE = {
    "ada": "Mon-Fri 18:00-21:00, Sun 15:00-17:00",
    "alan": "Mon-Thu 7pm-10pm",
    "edsger": "Sat-Sun 9:00-12:00",
}


async def mock_interview(
    out: Transcript, emu: Emulator, bot: Any, group: Any, clock: FakeClock, images: Path
) -> None:
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

    (thread,) = emu.threads(channel)
    await _session(out, emu, bot, group, clock, images, thread)


async def _session(  # type: ignore[no-untyped-def]
    out: Transcript, emu: Emulator, bot: Any, group: Any, clock: FakeClock, images: Path, thread
) -> None:
    ada, alan, general = group["ada"], group["alan"], group.general
    where = f"Cohort posted in “{thread.name}”"
    out.heading("The session: a time, reminders, feedback")

    async def posted(text: str) -> Message:
        return await emu.wait_for_message(thread, where=lambda m: text in m.content)

    proposal = emu.channel_messages(thread)[0]
    out.member("alan", "presses “Pick another time”")
    menu = await (await emu.click(alan, proposal, label="Pick another time")).reply()
    out.message(menu, who="Cohort, to alan only")
    (select_menu,) = [c for c in menu.interactive() if c["type"] == 3]
    choice = select_menu["options"][2]
    out.member("alan", f"picks “{choice['label']}”")
    await (await emu.select(alan, menu, [choice["value"]])).reply()
    moved = await posted("proposes a new time")
    out.message(moved, who=where)
    out.member("ada", "presses “Accept this time”")
    await (await emu.click(ada, moved, label="Accept this time")).reply()
    out.message(await posted("**Confirmed**"), who=where)

    matching = bot.get_cog("Matching")
    async with bot.services.sessions() as session:
        start, end = (await session.execute(select(Match.slot_start, Match.slot_end))).one()
    for before, text in (
        (timedelta(hours=24), "starts tomorrow"),
        (timedelta(minutes=15), "in 15"),
    ):
        clock.set(start - before)
        out.step(f"the clock reaches {clock.now():%a %H:%M} UTC; the minute sweep runs")
        await matching.tick()
        out.message(await posted(text), who=where)
    clock.set(end + timedelta(minutes=1))
    out.step(f"the session ends ({end:%H:%M} UTC); the minute sweep runs")
    await matching.tick()
    prompt = await posted("how did it go?")
    out.message(prompt, who=where)

    for author, subject, scores, comment in (
        (
            alan,
            "ada",
            ("3", "4", "2"),
            "Clear plan and talked it through; test edge cases earlier.",
        ),
        (ada, "alan", ("4", "3", "3"), "Good hints, given only when I was stuck."),
    ):
        out.member(author.name, "presses “It happened”")
        thanks = await (await emu.click(author, prompt, label="It happened")).reply()
        out.message(thanks, who=f"Cohort, to {author.name} only")
        record = await emu.click(author, thanks, label=thanks.button_labels[0])
        await record.modal_shown()
        values = dict(
            zip(("problem_solving", "communication", "technical_depth"), scores, strict=True)
        )
        out.member(
            author.name,
            f"rates {subject}: problem solving {scores[0]}, communication {scores[1]}, "
            f"technical depth {scores[2]}; “{comment}”",
        )
        done = await emu.submit_modal(author, record, {**values, "comment": comment})
        out.message(await done.reply(), who=f"Cohort, to {author.name} only")
        dm = await emu.wait_for_message(
            user=group[subject], where=lambda m: "sent you" in m.content
        )
        out.message(dm, who=f"Cohort sent {subject} a DM")

    out.member("ada", "/match history")
    history = await (await emu.invoke(ada, general, "match history")).reply()
    out.message(history, who="Cohort, to ada only")
    for attachment in history.attachments:
        path = images / f"match-{attachment.filename}"
        path.write_bytes(attachment.data)
        out.step(f"saved the feedback trends to {path}")
