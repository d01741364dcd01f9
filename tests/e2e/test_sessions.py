"""A mock-interview session from the match to its end, through the real client and the
emulator with an injected clock: the time accepted or moved, reminders once across a restart,
"did it happen?", feedback that reaches only the person it is about, no-shows (disputed and
counted), the pause they cause and its end, and /match history."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from bot.app import CohortBot
from bot.clock import FakeClock
from bot.db.models import Activity, Match, MatchReminder, NoShow
from bot.emulator import Emulator, EmulatorError
from bot.emulator.state import Channel, Message, User
from bot.runner import BotRunner
from tests.e2e.conftest import World
from tests.e2e.test_matching import (
    EVENINGS,
    cog,
    reply_text,
    request,
    set_availability,
    setup_matching,
)

FIRST_SLOT = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # the earliest common hour at 12:00
SCORES = {"problem_solving": "3", "communication": "4", "technical_depth": "2"}


async def matched(emulator: Emulator, world: World, candidate: User, interviewer: User) -> Channel:
    """`candidate` and `interviewer` matched at once; returns their thread."""
    channel = await setup_matching(emulator, world)
    for user in (candidate, interviewer):
        await set_availability(emulator, world, user, EVENINGS)
    await request(emulator, world, candidate, "candidate")
    assert "Matched at once" in await request(emulator, world, interviewer, "interviewer")
    (thread,) = emulator.threads(channel)
    return thread


async def last(emulator: Emulator, thread: Channel, text: str) -> Message:
    """The newest message in the thread containing `text` (waiting for it: the bot posts
    there after it has answered the click)."""
    await emulator.wait_for_message(thread, where=lambda m: text in m.content)
    return [m for m in emulator.channel_messages(thread) if text in m.content][-1]


def offered(menu: Message) -> list[datetime]:
    """The start times a "Pick another time" menu offers."""
    (select_menu,) = [c for c in menu.interactive() if c["type"] == 3]
    return [datetime.fromtimestamp(int(o["value"]), UTC) for o in select_menu["options"]]


async def click(emulator: Emulator, user: User, message: Message, label: str) -> Message:
    return await (await emulator.click(user, message, label=label)).reply()


async def confirm(emulator: Emulator, thread: Channel, *users: User) -> None:
    for user in users:
        message = [
            m for m in emulator.channel_messages(thread) if "Accept this time" in m.button_labels
        ][-1]
        await click(emulator, user, message, "Accept this time")
    await last(emulator, thread, "**Confirmed**")


async def session_ends(
    bot: CohortBot, clock: FakeClock, emulator: Emulator, thread: Channel
) -> Message:
    """Move past the confirmed slot's end; the sweep asks whether it happened."""
    async with bot.services.sessions() as session:
        end = (
            await session.scalars(select(Match.slot_end).where(Match.thread_id == thread.id))
        ).one()
    clock.set(max(clock.now(), end + timedelta(minutes=1)))
    await cog(bot).tick()
    return await last(emulator, thread, "how did it go?")


async def give_feedback(
    emulator: Emulator, author: User, happened_reply: Message, scores: dict[str, str], comment: str
) -> Message:
    record = await emulator.click(author, happened_reply, label=happened_reply.button_labels[0])
    await record.modal_shown()
    done = await emulator.submit_modal(author, record, {**scores, "comment": comment})
    return await done.reply()


async def test_the_time_is_accepted_or_moved_by_members_only(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    thread = await matched(emulator, world, world.alice, world.bob)
    (proposal,) = emulator.channel_messages(thread)
    outsider = await click(emulator, world.owner, proposal, "Accept this time")
    assert outsider.ephemeral and "Only the members of this mock interview" in outsider.content
    outsider = await click(emulator, world.owner, proposal, "Pick another time")
    assert "Only the members" in outsider.content

    # Alice picks another hour from the times they share, shown in her own zone.
    await reply_text(emulator, world.alice, world, "profile timezone", {"timezone": "Asia/Kolkata"})
    choices = await click(emulator, world.alice, proposal, "Pick another time")
    assert choices.ephemeral and "Asia/Kolkata" in choices.content
    (select_menu,) = [c for c in choices.interactive() if c["type"] == 3]
    labels = {o["label"]: o["value"] for o in select_menu["options"]}
    assert 1 < len(labels) <= 25
    later = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)  # 00:30 on Thursday in Kolkata
    assert labels["Thu 05 Mar, 00:30–01:30"] == str(int(later.timestamp()))
    assert str(int(FIRST_SLOT.timestamp())) not in labels.values(), "not the current one"
    bobs_menu = await click(emulator, world.bob, proposal, "Pick another time")
    assert "shown in UTC" in bobs_menu.content
    picked = await emulator.select(world.alice, choices, [str(int(later.timestamp()))])
    assert "Proposed" in (await picked.reply()).content
    moved = await last(emulator, thread, "proposes a new time")
    assert (
        f"<@{world.alice.id}> proposes a new time: <t:{int(later.timestamp())}:F>" in moved.content
    )
    assert moved.button_labels == ["Accept this time", "Pick another time"]

    # The first time's buttons go, so nobody accepts a stale time; the packet's stays.
    await emulator.wait_until(
        lambda: emulator.messages[proposal.id].button_labels == ["Show my packet"],
        what="the old time's buttons removed",
    )
    ok = await click(emulator, world.bob, moved, "Accept this time")
    assert "Confirmed for" in ok.content
    confirmed = await last(emulator, thread, "**Confirmed**")
    assert (
        "**Confirmed**" in confirmed.content
        and f"<t:{int(later.timestamp())}:F>" in confirmed.content
    )
    again = await click(emulator, world.alice, moved, "Accept this time")
    assert "confirmed already" in again.content
    # A server event for the calendar: the track, not the members; the thread as its place.
    (event,) = await emulator.wait_until(lambda: list(emulator.scheduled_events.values()))
    assert event["name"] == "Mock interview · coding" and "alice" not in str(event)
    assert event["scheduled_start_time"].startswith("2026-03-04T19:00:00")
    assert event["entity_metadata"]["location"].endswith(f"/{thread.id}")
    assert sum("**Confirmed**" in m.content for m in emulator.channel_messages(thread)) == 1
    status = await reply_text(emulator, world.bob, world, "match status")
    assert f"confirmed for <t:{int(later.timestamp())}:F>" in status

    # Bob's older menu offers the hour that is now the confirmed one: refused, unchanged.
    stale_pick = await emulator.select(world.bob, bobs_menu, [str(int(later.timestamp()))])
    assert "no longer free" in (await stale_pick.reply()).content
    assert "**Confirmed**" in emulator.channel_messages(thread)[-1].content

    # Bob moves the confirmed time: the event goes until everyone accepts the new one.
    other = next(t for t in offered(bobs_menu) if t != later)
    await (await emulator.select(world.bob, bobs_menu, [str(int(other.timestamp()))])).reply()
    newest = await last(emulator, thread, f"<@{world.bob.id}> proposes a new time")
    await emulator.wait_until(
        lambda: emulator.messages[moved.id].button_labels == [], what="buttons removed"
    )
    await emulator.wait_until(lambda: not emulator.scheduled_events, what="the event removed")
    assert "proposed for" in await reply_text(emulator, world.alice, world, "match status")
    await click(emulator, world.alice, newest, "Accept this time")
    (event,) = await emulator.wait_until(lambda: list(emulator.scheduled_events.values()))
    assert event["scheduled_start_time"].startswith(other.isoformat()[:19])


async def test_both_reminders_are_sent_once_across_a_restart(
    runner: BotRunner, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    bot = await runner.start()
    thread = await matched(emulator, world, world.alice, world.bob)
    (proposal,) = emulator.channel_messages(thread)
    choices = await click(emulator, world.alice, proposal, "Pick another time")
    slot = min(t for t in offered(choices) if t >= datetime(2026, 3, 4, tzinfo=UTC))
    await (await emulator.select(world.alice, choices, [str(int(slot.timestamp()))])).reply()
    await last(emulator, thread, "proposes a new time")
    await confirm(emulator, thread, world.bob)

    def reminders(kind: str) -> list[Message]:
        return [m for m in emulator.channel_messages(thread) if f"starts {kind}" in m.content]

    clock.set(slot - timedelta(hours=24, minutes=1))
    await cog(bot).tick()
    assert reminders("tomorrow") == []
    clock.set(slot - timedelta(hours=24))
    await cog(bot).tick()
    await cog(bot).tick()
    (day,) = reminders("tomorrow")
    assert f"<@{world.alice.id}>" in day.content and f"<t:{int(slot.timestamp())}:F>" in day.content
    assert sum("starts tomorrow" in m.content for m in emulator.dms(world.bob)) == 1

    await runner.stop()
    bot = await runner.start()
    await cog(bot).tick()
    assert len(reminders("tomorrow")) == 1, "claimed in the database: not again after a restart"
    clock.set(slot - timedelta(minutes=15))
    await cog(bot).tick()
    await runner.stop()
    bot = await runner.start()
    await cog(bot).tick()
    (soon,) = reminders("in 15 minutes")
    assert "Show my packet" in soon.content
    assert sum("in 15 minutes" in m.content for m in emulator.dms(world.alice)) == 1
    async with bot.services.sessions() as session:
        kinds = sorted((await session.scalars(select(MatchReminder.kind))).all())
    assert kinds == ["day", "soon"]


async def test_a_time_confirmed_late_skips_the_day_reminder(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    thread = await matched(emulator, world, world.alice, world.bob)
    await confirm(emulator, thread, world.alice, world.bob)  # 12:00, six hours before
    await cog(bot).tick()
    assert not any("starts tomorrow" in m.content for m in emulator.channel_messages(thread))
    clock.set(FIRST_SLOT - timedelta(minutes=10))
    await cog(bot).tick()
    assert sum("in 15 minutes" in m.content for m in emulator.channel_messages(thread)) == 1


async def test_feedback_reaches_only_the_person_it_is_about(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    world.alice.dms_open = False  # Alice, the candidate, takes no DMs: she gets a button
    thread = await matched(emulator, world, world.alice, world.bob)
    await confirm(emulator, thread, world.alice, world.bob)
    early = await emulator.invoke(world.alice, world.general, "match status")
    assert "confirmed for" in (await early.reply()).content
    prompt = await session_ends(bot, clock, emulator, thread)
    assert prompt.button_labels == ["It happened", "It didn't happen"]
    emulator.take_errors()  # reminders refused by Alice's closed DMs
    outsider = await click(emulator, world.owner, prompt, "It happened")
    assert "Only the members" in outsider.content

    bobs = await click(emulator, world.bob, prompt, "It happened")
    assert bobs.ephemeral and "counts for your streak" in bobs.content
    assert bobs.button_labels == ["Feedback for alice"]
    form = await emulator.click(world.bob, bobs, label="Feedback for alice")
    modal = await form.modal_shown()
    assert [row["label"] for row in modal["components"]] == [
        "Problem solving", "Communication", "Technical depth", "Comment (optional)",
    ]  # fmt: skip
    with pytest.raises(EmulatorError, match="not options"):  # a select offers 1-4 only
        await emulator.submit_modal(world.bob, form, {**SCORES, "communication": "5"})
    with pytest.raises(EmulatorError, match="needs at least 1"):
        await emulator.submit_modal(world.bob, form, {"problem_solving": "3"})
    sent = await give_feedback(
        emulator, world.bob, bobs, SCORES, "Clear structure; test edge cases earlier."
    )
    assert f"went to <@{world.alice.id}> privately" in sent.content
    note = await last(emulator, thread, "you have new feedback")
    emulator.take_errors()  # Alice's DMs are closed
    assert note.button_labels == ["Show my feedback"] and "Clear structure" not in note.content
    denied = await click(emulator, world.owner, note, "Show my feedback")
    assert "Only the members" in denied.content and not denied.embeds
    nothing = await click(emulator, world.bob, note, "Show my feedback")
    assert "no feedback for you" in nothing.content and not nothing.embeds
    shown = await click(emulator, world.alice, note, "Show my feedback")
    assert shown.ephemeral_to == world.alice.id
    (embed,) = shown.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Problem solving"].endswith("3/4 · solid")
    assert fields["Communication"].endswith("4/4 · strong")
    assert "Clear structure" in fields["Comment"]

    twice = await give_feedback(emulator, world.bob, bobs, SCORES, "again")
    assert "already sent" in twice.content

    alices = await click(emulator, world.alice, prompt, "It happened")
    assert alices.button_labels == ["Feedback for bob"]
    await give_feedback(
        emulator, world.alice, alices, {**SCORES, "technical_depth": "4"}, "Kind hints."
    )
    dm = await emulator.wait_for_message(user=world.bob, where=lambda m: "sent you" in m.content)
    assert f"<@{world.alice.id}> sent you feedback" in dm.content
    assert "Kind hints." in dm.embeds[0]["fields"][-1]["value"]
    assert not any("Kind hints" in m.text for m in emulator.ephemerals(world.alice))
    assert not any("Clear structure" in m.text for m in emulator.dms(world.bob))
    async with bot.services.sessions() as session:
        credited = sorted(
            (
                await session.scalars(
                    select(Activity.member_id).where(Activity.kind == "interview")
                )
            ).all()
        )
    assert credited == sorted([world.alice.id, world.bob.id]), "one activity each"


async def test_saying_it_happened_is_only_for_after_the_session(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    thread = await matched(emulator, world, world.alice, world.bob)
    await confirm(emulator, thread, world.alice, world.bob)
    prompt = await session_ends(bot, clock, emulator, thread)
    # A second sweep posts nothing more.
    await cog(bot).tick()
    assert sum("how did it go?" in m.content for m in emulator.channel_messages(thread)) == 1
    clock.advance(timedelta(hours=49))
    await cog(bot).tick()
    closed = await click(emulator, world.alice, prompt, "It happened")
    assert "closed 48 hours after" in closed.content


async def test_a_disputed_no_show_does_not_count(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    thread = await matched(emulator, world, world.alice, world.bob)
    await confirm(emulator, thread, world.alice, world.bob)
    prompt = await session_ends(bot, clock, emulator, thread)
    asked = await click(emulator, world.alice, prompt, "It didn't happen")
    (menu,) = [c for c in asked.interactive() if c["type"] == 3]
    assert [o["value"] for o in menu["options"]] == [str(world.bob.id), "nobody"]
    both = await emulator.select(world.alice, asked, [str(world.bob.id), "nobody"])
    assert "not both" in (await both.reply()).content
    reported = await emulator.select(world.alice, asked, [str(world.bob.id)])
    assert f"No-show reported: <@{world.bob.id}>" in (await reported.reply()).content
    notice = await emulator.wait_for_message(
        user=world.bob, where=lambda m: "reported that you didn't show" in m.content
    )
    assert "press **It happened**" in notice.content and f"<#{thread.id}>" in notice.content
    disputed = await click(emulator, world.bob, prompt, "It happened")
    assert "no longer counts" in disputed.content
    flip = await click(emulator, world.alice, prompt, "It happened")
    assert "already said it didn't happen" in flip.content
    async with bot.services.sessions() as session:
        (report,) = (await session.scalars(select(NoShow))).all()
    assert report.member_id == world.bob.id and report.disputed_at is not None


async def one_no_show(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock, first: bool
) -> None:
    """Alice and Bob are matched, confirm, and Bob does not show."""
    if first:
        thread = await matched(emulator, world, world.alice, world.bob)
    else:
        await request(emulator, world, world.alice, "candidate")
        assert "Matched at once" in await request(emulator, world, world.bob, "interviewer")
        thread = emulator.threads()[-1]
    await confirm(emulator, thread, world.alice, world.bob)
    prompt = await session_ends(bot, clock, emulator, thread)
    asked = await click(emulator, world.alice, prompt, "It didn't happen")
    await (await emulator.select(world.alice, asked, [str(world.bob.id)])).reply()


async def test_two_no_shows_in_30_days_pause_matching_for_14_days(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await one_no_show(bot, emulator, world, clock, first=True)
    assert "paused" not in await reply_text(emulator, world.bob, world, "match status")
    history = await (await emulator.invoke(world.bob, world.general, "match history")).reply()
    assert "1 reported no-show in the last 30 days" in history.embeds[0]["description"]
    clock.advance(timedelta(days=3))
    await one_no_show(bot, emulator, world, clock, first=False)
    pause = await emulator.wait_for_message(
        user=world.bob, where=lambda m: "paused from matching until" in m.content
    )
    paused_at = clock.now()
    until = int((paused_at + timedelta(days=14)).timestamp())
    assert f"<t:{until}:F>" in pause.content
    refused = await request(emulator, world, world.bob, "interviewer")
    assert f"paused from matching until <t:{until}:F>" in refused
    assert "paused from matching" in await reply_text(emulator, world.bob, world, "match status")
    history = await (await emulator.invoke(world.bob, world.general, "match history")).reply()
    assert f"Paused from matching until <t:{until}:F>" in history.embeds[0]["description"]
    assert history.embeds[0]["fields"][0]["value"].count("reported no-show") == 2
    await request(emulator, world, world.alice, "candidate")
    assert "no open request" not in await reply_text(emulator, world.alice, world, "match status")

    clock.set(paused_at + timedelta(days=14) - timedelta(minutes=1))
    assert "paused from matching" in await request(emulator, world, world.bob, "interviewer")
    clock.set(paused_at + timedelta(days=14))  # Alice's request expired at this moment too
    assert "in the pool for **coding**" in await request(emulator, world, world.bob, "interviewer")
    async with bot.services.sessions() as session:
        counted = (await session.scalars(select(NoShow).where(NoShow.disputed_at.is_(None)))).all()
    assert len(counted) == 2


async def test_history_shows_sessions_and_feedback_trends_privately(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    empty = await (await emulator.invoke(world.carol, world.general, "match history")).reply()
    assert empty.ephemeral and "No finished sessions yet" in empty.embeds[0]["description"]
    assert not empty.attachments

    thread = await matched(emulator, world, world.alice, world.bob)
    for scores in (
        {"problem_solving": "2", "communication": "3", "technical_depth": "1"},
        {"problem_solving": "4", "communication": "3", "technical_depth": "2"},
    ):
        if emulator.threads()[-1] is not thread:
            thread = emulator.threads()[-1]
        await confirm(emulator, thread, world.alice, world.bob)
        prompt = await session_ends(bot, clock, emulator, thread)
        bobs = await click(emulator, world.bob, prompt, "It happened")
        await give_feedback(emulator, world.bob, bobs, scores, "")
        clock.advance(timedelta(days=1))
        await request(emulator, world, world.alice, "candidate")
        await request(emulator, world, world.bob, "interviewer")
    reply = await (await emulator.invoke(world.alice, world.general, "match history")).reply()
    assert reply.ephemeral_to == world.alice.id
    (embed,) = reply.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    sessions = fields["Sessions, newest first"].splitlines()
    assert len(sessions) == 2 and all("with <@" in line and "happened" in line for line in sessions)
    assert fields["Problem solving"] == "average 3.0/4 · ▲ +2.0 since the first"
    assert fields["Communication"] == "average 3.0/4 · ▶ +0.0 since the first"
    assert fields["Technical depth"].startswith("average 1.5/4 · ▲ +1.0")
    (picture,) = reply.attachments
    assert embed["image"]["url"] == f"attachment://{picture.filename}"
    assert Image.open(io.BytesIO(picture.data)).size[0] >= 300
    bobs = await (await emulator.invoke(world.bob, world.general, "match history")).reply()
    assert "Problem solving" not in {f["name"] for f in bobs.embeds[0]["fields"]}, "Bob got none"


async def test_a_match_with_no_time_agreed_lapses_after_a_week(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    thread = await matched(emulator, world, world.alice, world.bob)
    (proposal,) = emulator.channel_messages(thread)
    await click(emulator, world.alice, proposal, "Accept this time")  # Bob never does
    clock.advance(timedelta(days=7) - timedelta(minutes=1))
    await cog(bot).tick()
    assert not any("lapsed" in m.content for m in emulator.channel_messages(thread))
    assert "proposed for" in await reply_text(emulator, world.bob, world, "match status")
    clock.advance(timedelta(minutes=1))
    await cog(bot).tick()
    await cog(bot).tick()
    assert sum("has lapsed" in m.content for m in emulator.channel_messages(thread)) == 1
    assert "no open request" in await reply_text(emulator, world.bob, world, "match status")
    late = await click(emulator, world.bob, proposal, "Accept this time")
    assert "closed" in late.content
    assert "in the pool" in await request(emulator, world, world.bob, "interviewer")


async def test_cancel_calls_off_a_match_before_it_starts(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    thread = await matched(emulator, world, world.alice, world.bob)
    await confirm(emulator, thread, world.alice, world.bob)
    await emulator.wait_until(lambda: emulator.scheduled_events, what="the event")
    clock.set(FIRST_SLOT - timedelta(hours=1))
    done = await reply_text(emulator, world.bob, world, "match cancel")
    assert "You called off mock interview #1" in done
    note = await last(emulator, thread, "called off this mock interview")
    assert note.content.startswith(f"<@{world.bob.id}> called off")
    await emulator.wait_until(lambda: not emulator.scheduled_events, what="the event removed")
    (proposal,) = [
        m for m in emulator.channel_messages(thread) if "Show my packet" in m.button_labels
    ]
    await emulator.wait_until(
        lambda: emulator.messages[proposal.id].button_labels == ["Show my packet"],
        what="the time's buttons removed",
    )
    assert "no open request" in await reply_text(emulator, world.alice, world, "match status")
    assert "nothing to cancel" in await reply_text(emulator, world.bob, world, "match cancel")
    history = await (await emulator.invoke(world.alice, world.general, "match history")).reply()
    assert "called off" in history.embeds[0]["fields"][0]["value"]
    clock.set(FIRST_SLOT + timedelta(hours=2))
    await cog(bot).tick()
    assert not any("how did it go?" in m.content for m in emulator.channel_messages(thread))
