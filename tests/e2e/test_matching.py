"""Mock-interview matching through the real client and the emulator, acting as members:
availability by modal, requests, immediate and batch matches, private threads with exactly
the matched members, the interviewer's packet by DM or by button, expiry, bad input."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import CohortBot
from bot.clock import FakeClock
from bot.db.models import MatchConfig, MatchMember
from bot.emulator import Emulator
from bot.emulator import permissions as P
from bot.emulator.state import Channel, User
from tests.e2e.conftest import World

EVENINGS = "Mon-Sun 18:00-21:00"


def cog(bot: CohortBot):  # type: ignore[no-untyped-def]
    found = bot.get_cog("Matching")
    assert found is not None
    return found


async def setup_matching(emulator: Emulator, world: World, cadence: str = "daily") -> Channel:
    channel = emulator.create_channel(world.guild, "mock-interviews")
    options = {"channel": channel, "cadence": cadence}
    reply = await (
        await emulator.invoke(world.organiser, world.general, "match setup", options)
    ).reply()
    assert "Mock interviews set" in reply.content, reply.content
    return channel


async def set_availability(emulator: Emulator, world: World, user: User, text: str) -> str:
    record = await emulator.invoke(user, world.general, "availability set")
    modal = await record.modal_shown()
    field = modal["components"][0]["components"][0]["custom_id"]
    done = await emulator.submit_modal(user, record, {field: text})
    return (await done.reply()).content


async def request(
    emulator: Emulator, world: World, user: User, role: str, track: str = "coding"
) -> str:
    options = {"track": track, "role": role, "level": "mid"}
    return (
        await (await emulator.invoke(user, world.general, "match request", options)).reply()
    ).content


async def reply_text(
    emulator: Emulator, user: User, world: World, command: str, options: dict | None = None
) -> str:
    record = await emulator.invoke(user, world.general, command, options or {})
    return (await record.reply()).content


async def test_setup_is_for_organisers_and_names_missing_permissions(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    channel = emulator.create_channel(world.guild, "mock-interviews")
    options = {"channel": channel}
    refused = await (
        await emulator.invoke(world.alice, world.general, "match setup", options)
    ).reply()
    assert refused.ephemeral and "Only organisers" in refused.content
    emulator.deny_bot(channel, P.CREATE_PRIVATE_THREADS)
    await asyncio.sleep(0.05)
    missing = await (
        await emulator.invoke(world.organiser, world.general, "match setup", options)
    ).reply()
    assert missing.ephemeral and "Create Private Threads" in missing.content
    async with bot.services.sessions() as session:
        assert (await session.scalars(select(MatchConfig))).all() == [], "nothing saved"
    other = emulator.create_channel(world.guild, "pairs")
    await asyncio.sleep(0.05)
    ok = await (
        await emulator.invoke(
            world.organiser, world.general, "match setup", {"channel": other, "cadence": "weekly"}
        )
    ).reply()
    assert "on Mondays at 18:00" in ok.content


async def test_availability_is_read_precisely_and_shown_on_the_profile(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    bad = await set_availability(
        emulator, world, world.alice, "Mon-Fri 18:00-21:00, Sat 25:00-26:00"
    )
    assert "sat 25:00-26:00" in bad.lower() and "not a time of day" in bad
    assert "Nothing was saved" in bad
    profile = await (await emulator.invoke(world.alice, world.general, "profile show")).reply()
    fields = {f["name"]: f["value"] for f in profile.embeds[0]["fields"]}
    assert fields["Availability (mock interviews)"].startswith("not set")
    ok = await set_availability(emulator, world, world.alice, "Mon-Fri 6pm-9pm, Sat 10:00-13:00")
    assert "Mon 18:00-21:00" in ok and "Sat 10:00-13:00" in ok and "UTC" in ok
    profile = await (await emulator.invoke(world.alice, world.general, "profile show")).reply()
    fields = {f["name"]: f["value"] for f in profile.embeds[0]["fields"]}
    assert "Fri 18:00-21:00" in fields["Availability (mock interviews)"]
    again = await emulator.invoke(world.alice, world.general, "availability set")
    modal = await again.modal_shown()
    assert "Sat 10:00-13:00" in modal["components"][0]["components"][0]["value"], "prefilled"


async def test_a_request_needs_setup_and_availability_and_replaces_the_old_one(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    assert "not set up here yet" in await request(emulator, world, world.alice, "candidate")
    await setup_matching(emulator, world)
    no_time = await request(emulator, world, world.alice, "candidate")
    assert "/availability set" in no_time
    assert (
        "no open request"
        in (
            await (await emulator.invoke(world.alice, world.general, "match status")).reply()
        ).content
    )
    await set_availability(emulator, world, world.alice, EVENINGS)
    first = await request(emulator, world, world.alice, "candidate")
    assert "in the pool for **coding**" in first
    second = await request(emulator, world, world.alice, "candidate", track="statistics")
    assert "replaces your coding request" in second
    status = (
        await (await emulator.invoke(world.alice, world.general, "match status")).reply()
    ).content
    assert "**statistics**" in status and "expires" in status
    cancelled = await (await emulator.invoke(world.alice, world.general, "match cancel")).reply()
    assert "left the pool" in cancelled.content
    nothing = await (await emulator.invoke(world.alice, world.general, "match cancel")).reply()
    assert nothing.ephemeral and "nothing to cancel" in nothing.content


async def test_a_waiting_partner_means_a_private_thread_at_once_with_a_packet_by_dm(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    channel = await setup_matching(emulator, world)
    for user in (world.alice, world.bob, world.carol):
        await set_availability(emulator, world, user, EVENINGS)
    await request(emulator, world, world.carol, "candidate", track="statistics")  # another track
    waiting = await request(emulator, world, world.alice, "candidate")
    assert "in the pool" in waiting
    matched = await request(emulator, world, world.bob, "interviewer")
    assert "Matched at once" in matched
    (thread,) = emulator.threads(channel)
    assert thread.type == 12, "a private thread"
    assert thread.thread_members == {emulator.bot_user.id, world.alice.id, world.bob.id}
    (proposal,) = emulator.channel_messages(thread)
    slot = int(datetime(2026, 3, 2, 18, 0, tzinfo=UTC).timestamp())
    assert f"<t:{slot}:F>" in proposal.content
    assert f"<@{world.alice.id}> is the candidate; <@{world.bob.id}> interviews" in proposal.content
    assert proposal.button_labels == ["Accept this time", "Pick another time", "Show my packet"]
    (dm,) = emulator.dms(world.bob)
    assert "interviewer packet" in dm.content and len(dm.embeds) in (2, 3)
    assert all(e["fields"] for e in dm.embeds) and any(
        f["name"] == "Reference answer" for f in dm.embeds[0]["fields"]
    )
    assert emulator.dms(world.alice) == [], "the candidate gets no packet"
    candidate = await (await emulator.click(world.alice, proposal, label="Show my packet")).reply()
    assert candidate.ephemeral and "no packet for you" in candidate.content
    # The server owner can see every thread, but this one is not theirs.
    outsider = await (await emulator.click(world.owner, proposal, label="Show my packet")).reply()
    assert outsider.ephemeral and "Only the members of this mock interview" in outsider.content
    again = await request(emulator, world, world.alice, "candidate")
    assert "already in an open match" in again and f"<#{thread.id}>" in again
    status = (
        await (await emulator.invoke(world.bob, world.general, "match status")).reply()
    ).content
    assert f"matched for **coding** in <#{thread.id}>" in status
    assert (
        "statistics"
        in (
            await (await emulator.invoke(world.carol, world.general, "match status")).reply()
        ).content
    )


async def test_closed_dms_mean_the_packet_button_shows_it_to_that_interviewer_only(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    channel = await setup_matching(emulator, world)
    world.bob.dms_open = False
    for user in (world.alice, world.bob):
        await set_availability(emulator, world, user, EVENINGS)
    await request(emulator, world, world.alice, "candidate")
    await request(emulator, world, world.bob, "interviewer")
    emulator.take_errors()  # the refused DM
    (thread,) = emulator.threads(channel)
    (proposal,) = emulator.channel_messages(thread)
    shown = await (await emulator.click(world.bob, proposal, label="Show my packet")).reply()
    assert shown.ephemeral and shown.ephemeral_to == world.bob.id
    assert "interviewer packet" in shown.content and shown.embeds
    assert not any(m.embeds for m in emulator.ephemerals(world.alice))


async def test_run_is_for_organisers_and_an_odd_member_joins_as_a_panel(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    channel = await setup_matching(emulator, world, cadence="manual")
    # Alice and Bob are free at different times, so neither request matches at once.
    await set_availability(emulator, world, world.alice, "Mon-Sun 18:00-21:00")
    await set_availability(emulator, world, world.bob, "Mon-Sun 08:00-10:00")
    await request(emulator, world, world.alice, "candidate")
    await request(emulator, world, world.bob, "interviewer")
    assert emulator.threads(channel) == []
    await set_availability(emulator, world, world.bob, "Mon-Sun 17:00-22:00")
    await set_availability(emulator, world, world.carol, "Mon-Sun 18:00-20:00")
    await request(emulator, world, world.carol, "either")  # matched at once with one of them
    refused = await (await emulator.invoke(world.alice, world.general, "match run")).reply()
    assert refused.ephemeral and "Only organisers" in refused.content
    ran = await (await emulator.invoke(world.organiser, world.general, "match run")).reply()
    assert "still waiting" in ran.content
    threads = emulator.threads(channel)
    members = [t.thread_members - {emulator.bot_user.id} for t in threads]
    assert members == [{world.alice.id, world.bob.id, world.carol.id}], members
    (proposal,) = emulator.channel_messages(threads[0])
    assert "(a panel)" in proposal.content
    assert len(emulator.dms(world.bob)) == 1 and len(emulator.dms(world.carol)) == 1


async def test_a_daily_batch_runs_once_at_six_and_old_requests_expire_with_a_notice(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    channel = await setup_matching(emulator, world, cadence="daily")
    await set_availability(emulator, world, world.alice, "Mon-Sun 18:00-21:00")
    await set_availability(emulator, world, world.bob, "Mon-Sun 08:00-10:00")
    await set_availability(emulator, world, world.carol, "Mon-Sun 08:00-10:00")
    await request(emulator, world, world.alice, "candidate")
    await request(emulator, world, world.bob, "interviewer")
    await set_availability(emulator, world, world.bob, "Mon-Sun 19:00-22:00")
    await cog(bot).tick()  # 12:00: not yet
    assert emulator.threads(channel) == []
    clock.advance(timedelta(hours=6))  # 18:00 UTC, the server's time
    await cog(bot).tick()
    await cog(bot).tick()
    (thread,) = emulator.threads(channel)
    assert thread.thread_members == {emulator.bot_user.id, world.alice.id, world.bob.id}
    async with bot.services.sessions() as session:
        seats = (await session.scalars(select(MatchMember))).all()
    assert sorted(s.member_id for s in seats) == sorted([world.alice.id, world.bob.id])

    await request(emulator, world, world.carol, "candidate")  # nobody fits her: she waits
    clock.advance(timedelta(days=14))
    await cog(bot).tick()
    (notice,) = emulator.dms(world.carol)
    assert "expired" in notice.content and "/match request" in notice.content
    status = (
        await (await emulator.invoke(world.carol, world.general, "match status")).reply()
    ).content
    assert "no open request" in status


async def test_no_free_time_means_no_request(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    """Discord itself refuses a track, role or level outside the choices; the bot refuses a
    request from someone who said they are never free, and keeps nothing."""
    await setup_matching(emulator, world)
    saved = await set_availability(emulator, world, world.alice, "none")
    assert "no free time" in saved
    refused = await request(emulator, world, world.alice, "candidate")
    assert "/availability set" in refused
    assert "no open request" in await reply_text(emulator, world.alice, world, "match status")
