"""/streak and /profile through the emulator: members see streaks on their own local days."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import CohortBot
from bot.clock import FakeClock
from bot.db.models import DailyPost, Question
from bot.emulator import Emulator, EmulatorError
from bot.runner import BotRunner
from bot.services import daily
from bot.services.activity import record_activity
from tests.e2e.conftest import World


async def played(bot: CohortBot, member_id: int, guild_id: int, at) -> None:  # type: ignore[no-untyped-def]
    async with bot.services.sessions() as session:
        await record_activity(
            session,
            member_id=member_id,
            guild_id=guild_id,
            kind="quiz_round",
            ref=f"quiz:{at.isoformat()}",
            at=at,
        )
        await session.commit()


async def test_streak_shows_days_freezes_and_a_heatmap_for_anyone(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    start = clock.now()
    for n in [*range(7), 8]:  # seven days, a miss bridged by the freeze, then one more
        await played(bot, world.alice.id, world.guild.id, start + timedelta(days=n))
    clock.advance(timedelta(days=8, hours=1))
    reply = await (
        await emulator.invoke(world.bob, world.general, "streak", {"member": world.alice})
    ).reply()
    assert not reply.ephemeral, "streaks are public in the group"
    embed = reply.embeds[0]
    assert embed["title"].endswith(": 8 days")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {"Current": "**8**", "Longest": "**8**", "Freezes held": "**0** of 2"}
    assert reply.attachments and reply.attachments[0].filename == "streak.png"
    assert reply.attachments[0].data[:8] == b"\x89PNG\r\n\x1a\n"

    clock.advance(timedelta(days=2))  # two whole days without activity, no freeze left
    again = await (await emulator.invoke(world.alice, world.general, "streak")).reply()
    assert again.embeds[0]["title"].endswith(": 0 days")
    assert "streak ended" in again.embeds[0]["description"]


async def test_a_bot_has_no_streak(bot: CohortBot, emulator: Emulator, world: World) -> None:
    reply = await (
        await emulator.invoke(world.alice, world.general, "streak", {"member": emulator.bot_user})
    ).reply()
    assert reply.ephemeral and "Bots don't keep streaks" in reply.content


async def test_profile_timezone_is_validated_and_shown(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    bad = await (
        await emulator.invoke(
            world.alice, world.general, "profile timezone", {"timezone": "Mars/Base"}
        )
    ).reply()
    assert bad.ephemeral and "Mars/Base" in bad.content
    shown = await (await emulator.invoke(world.alice, world.general, "profile show")).reply()
    assert "this server's" in shown.embeds[0]["fields"][0]["value"]
    ok = await (
        await emulator.invoke(
            world.alice, world.general, "profile timezone", {"timezone": "asia/kolkata"}
        )
    ).reply()
    assert ok.ephemeral and "Asia/Kolkata" in ok.content
    shown = await (await emulator.invoke(world.alice, world.general, "profile show")).reply()
    assert shown.ephemeral and shown.embeds[0]["fields"][0]["value"] == "Asia/Kolkata"
    choices = await emulator.autocomplete(
        world.alice, world.general, "profile timezone", "timezone", {"timezone": "kolk"}
    )
    assert [c["value"] for c in choices] == ["Asia/Kolkata"]


async def test_a_milestone_is_announced_once_and_a_used_freeze_is_told_by_dm(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    setup = {"channel": world.general, "time": "09:00", "timezone": "UTC"}
    await (await emulator.invoke(world.organiser, world.general, "daily setup", setup)).reply()
    start = clock.now()
    for n in range(7):
        await played(bot, world.alice.id, world.guild.id, start + timedelta(days=n))
    cog = bot.get_cog("Streaks")
    assert cog is not None
    await cog.tick()  # type: ignore[attr-defined]
    await cog.tick()  # type: ignore[attr-defined]
    announced = [m for m in emulator.channel_messages(world.general) if "7-day streak" in m.content]
    assert len(announced) == 1 and f"<@{world.alice.id}>" in announced[0].content
    assert announced[0].pings.users == set(), "a celebration, not a ping"

    await played(bot, world.alice.id, world.guild.id, start + timedelta(days=8))
    await cog.tick()  # type: ignore[attr-defined]
    dm = await emulator.wait_for_message(user=world.alice)
    assert "freeze covered" in dm.content and "8 days" in dm.content


@pytest.mark.parametrize("leave", [False, True], ids=["all-here", "one-left"])
async def test_leaderboard_ranks_points_and_shows_the_callers_rank(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock, leave: bool
) -> None:
    setup = {"channel": world.general, "time": "09:00", "timezone": "UTC", "topics": "coding"}
    await (await emulator.invoke(world.organiser, world.general, "daily setup", setup)).reply()
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    post = next(
        m
        for m in emulator.channel_messages(world.general)
        if m.embeds and m.embeds[0].get("title") == "Question of the day"
    )
    post_id = await daily.current_open(bot.services.sessions, world.guild.id)
    assert post_id is not None
    async with bot.services.sessions() as session:
        key = (
            await session.execute(
                select(Question.answers, Question.format)
                .join(DailyPost, DailyPost.question_id == Question.id)
                .where(DailyPost.id == post_id)
            )
        ).one()
    if key.format != "single":
        pytest.skip("the drawn question is not single-choice")
    labels = post.button_labels
    right, wrong = labels[key.answers[0]], labels[(key.answers[0] + 1) % len(labels)]
    for member, label in [(world.alice, right), (world.carol, right), (world.bob, wrong)]:
        await (await emulator.click(member, post, label=label)).reply()

    if leave:
        emulator.remove_member(world.guild, world.carol)
        await asyncio.sleep(0.05)
        reply = await (await emulator.invoke(world.bob, world.general, "leaderboard")).reply()
        lines = reply.embeds[0]["description"].splitlines()
        assert lines == [f"🥇 <@{world.alice.id}> — **100** points"], "carol left: not listed"
        assert [e.code for e in emulator.take_errors()] == [10007], "how the bot found out"
        return
    reply = await (await emulator.invoke(world.bob, world.general, "leaderboard")).reply()
    embed = reply.embeds[0]
    assert embed["title"].startswith("Leaderboard: points, this week")
    lines = embed["description"].splitlines()
    assert len(lines) == 2 and all("**100** points" in line for line in lines)
    assert {f"<@{world.alice.id}>" in lines[0] or f"<@{world.alice.id}>" in lines[1]} == {True}
    assert embed["fields"][0]["value"] == "Not on this board yet.", "bob scored nothing"
    mine = await (
        await emulator.invoke(world.alice, world.general, "leaderboard", {"period": "all"})
    ).reply()
    assert mine.embeds[0]["fields"][0]["value"].startswith("#1 — **100** points")
    streak = await (
        await emulator.invoke(world.alice, world.general, "leaderboard", {"board": "streak"})
    ).reply()
    assert "**1** days" in streak.embeds[0]["description"]
    profile = await (await emulator.invoke(world.bob, world.general, "profile show")).reply()
    fields = {f["name"]: f["value"] for f in profile.embeds[0]["fields"]}
    assert fields["Points"] == "0 (quiz 0)"
    assert fields["Accuracy by track"] == "coding: 0/1 (0%)" and fields["Reminders"] == "off"


async def test_a_milestone_role_is_granted_and_taken_back_when_the_streak_ends(
    runner: BotRunner, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    # The server's organisers moved Cohort's role above the one it is to grant.
    own = next(r for r in world.guild.roles.values() if r.managed)
    own.position = 5
    role = emulator.create_role(world.guild, "Week warrior", position=3, dispatch=False)
    too_high = emulator.create_role(world.guild, "Admins", position=6, dispatch=False)
    bot = await runner.start()
    with pytest.raises(EmulatorError):  # hidden from members as a whole
        await emulator.invoke(world.alice, world.general, "milestones set")
    forced = await (
        await emulator.invoke(
            world.alice, world.general, "milestones set", {"days": 7, "role": role}, force=True
        )
    ).reply()
    assert forced.ephemeral and "Only organisers" in forced.content
    refused = await (
        await emulator.invoke(
            world.organiser, world.general, "milestones set", {"days": 7, "role": too_high}
        )
    ).reply()
    assert refused.ephemeral and "below my own highest role" in refused.content
    done = await (
        await emulator.invoke(
            world.organiser, world.general, "milestones set", {"days": 7, "role": role}
        )
    ).reply()
    assert done.ephemeral and "7-day streak" in done.content

    start = clock.now()
    for n in range(7):
        await played(bot, world.alice.id, world.guild.id, start + timedelta(days=n))
    cog = bot.get_cog("Streaks")
    assert cog is not None
    await cog.tick()  # type: ignore[attr-defined]
    assert role.id in world.guild.members[world.alice.id].role_ids

    clock.advance(timedelta(days=8))  # one missed day, covered by the freeze: kept
    await cog.tick()  # type: ignore[attr-defined]
    assert role.id in world.guild.members[world.alice.id].role_ids
    clock.advance(timedelta(days=1))  # two missed days, one freeze: the streak ended
    await cog.tick()  # type: ignore[attr-defined]
    assert role.id not in world.guild.members[world.alice.id].role_ids
    cleared = await (
        await emulator.invoke(world.organiser, world.general, "milestones clear", {"days": 7})
    ).reply()
    assert "No role is granted at 7 days" in cleared.content


async def test_a_reminder_comes_once_before_local_midnight_when_the_streak_is_at_risk(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await (
        await emulator.invoke(
            world.alice, world.general, "profile timezone", {"timezone": "Asia/Kolkata"}
        )
    ).reply()
    bad = await (
        await emulator.invoke(
            world.alice, world.general, "profile reminders on", {"hours_before": 20}
        )
    ).reply()
    assert bad.ephemeral and "between 1 and 12" in bad.content
    on = await (
        await emulator.invoke(
            world.alice, world.general, "profile reminders on", {"hours_before": 2}
        )
    ).reply()
    assert on.ephemeral and "2 hours before your midnight" in on.content
    start = clock.now()  # 12:00 UTC = 17:30 in Kolkata
    for n in range(3):
        await played(bot, world.alice.id, world.guild.id, start + timedelta(days=n))
    cog = bot.get_cog("Streaks")
    assert cog is not None
    clock.advance(timedelta(days=3))  # the next day, 17:30 there: nothing yet, too early
    await cog.tick()  # type: ignore[attr-defined]
    assert emulator.dms(world.alice) == []
    clock.advance(timedelta(hours=4, minutes=31))  # 22:01 in Kolkata: within 2 hours
    await cog.tick()  # type: ignore[attr-defined]
    await cog.tick()  # type: ignore[attr-defined]
    (dm,) = emulator.dms(world.alice)
    assert "at risk" in dm.content and "3 days" in dm.content
    off = await (await emulator.invoke(world.alice, world.general, "profile reminders off")).reply()
    assert off.content == "Reminders off."


async def freeze_used_with_dms_closed(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> list[int]:
    """Alice, DMs closed, misses day 8 of a streak and a freeze covers it: the streak tick
    tries to tell her. Returns the codes of the Discord errors that caused (the refused DM)."""
    world.alice.dms_open = False
    start = clock.now()
    for n in [*range(7), 8]:
        await played(bot, world.alice.id, world.guild.id, start + timedelta(days=n))
    cog = bot.get_cog("Streaks")
    assert cog is not None
    await cog.tick()  # type: ignore[attr-defined]
    return [e.code for e in emulator.take_errors()]


async def test_a_freeze_notice_waits_for_the_next_reply_when_dms_are_closed(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    refused = await freeze_used_with_dms_closed(bot, emulator, world, clock)
    assert emulator.dms(world.alice) == []
    assert refused == [50007], "Discord refused the DM"
    clock.advance(timedelta(days=8))
    await (await emulator.invoke(world.alice, world.general, "help")).reply()
    await emulator.wait_until(
        lambda: any("freeze covered" in m.content for m in emulator.ephemerals(world.alice)),
        what="the kept notice, with whatever reply comes next",
    )
    await (await emulator.invoke(world.alice, world.general, "profile show")).reply()
    later = [m for m in emulator.ephemerals(world.alice) if "freeze covered" in m.content]
    assert len(later) == 1, "told once"


async def test_a_kept_notice_also_comes_with_an_error_reply(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await freeze_used_with_dms_closed(bot, emulator, world, clock)
    options = {"member": emulator.bot_user}
    reply = await (await emulator.invoke(world.alice, world.general, "streak", options)).reply()
    assert "Bots don't keep streaks" in reply.content
    await emulator.wait_until(
        lambda: any("freeze covered" in m.content for m in emulator.ephemerals(world.alice)),
        what="the kept notice after the error",
    )


async def test_a_dst_week_in_the_servers_timezone_keeps_the_streak_whole(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    """New York springs forward on Sunday 8 March 2026; late-evening answers every day that
    week are seven local days, whatever UTC says."""
    await (
        await emulator.invoke(
            world.organiser, world.general, "config timezone", {"timezone": "America/New_York"}
        )
    ).reply()
    new_york = ZoneInfo("America/New_York")
    for n in range(7):
        evening = datetime(2026, 3, 5 + n, 23, 30, tzinfo=new_york).astimezone(UTC)
        await played(bot, world.alice.id, world.guild.id, evening)
    clock.advance(datetime(2026, 3, 12, 16, 0, tzinfo=UTC) - clock.now())
    reply = await (await emulator.invoke(world.alice, world.general, "streak")).reply()
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields == {"Current": "**7**", "Longest": "**7**", "Freezes held": "**1** of 2"}
    assert "12 Mar 2026" in reply.embeds[0]["footer"]["text"]


async def test_a_kept_freeze_notice_comes_with_the_next_answer_receipt(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await freeze_used_with_dms_closed(bot, emulator, world, clock)
    setup = {"channel": world.general, "time": "09:00", "timezone": "UTC", "topics": "coding"}
    await (await emulator.invoke(world.organiser, world.general, "daily setup", setup)).reply()
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    post = next(
        m
        for m in emulator.channel_messages(world.general)
        if m.embeds and m.embeds[0].get("title") == "Question of the day"
    )
    if post.button_labels == ["Answer"]:
        pytest.skip("the drawn question is an open one")
    first = post.interactive()[0]
    record = (
        await emulator.click(world.alice, post, custom_id=first["custom_id"])
        if first.get("type") == 2
        else await emulator.select(world.alice, post, ["0"])
    )
    assert "Locked in" in (await record.reply()).content
    await emulator.wait_until(
        lambda: any("freeze covered" in m.content for m in emulator.ephemerals(world.alice)),
        what="the kept notice after the receipt",
    )
