"""/daily and the daily post end to end: members and organisers act through the emulator."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import CohortBot
from bot.clock import FakeClock
from bot.db.models import DailyAnswer, DailyPost
from bot.emulator import Emulator, EmulatorError
from bot.emulator import permissions as P
from bot.runner import BotRunner
from bot.services import daily
from tests.e2e.conftest import World, bot_settings

BANK = """\
- id: t-single-one
  track: coding
  topic: complexity
  difficulty: easy
  format: single
  prompt: Why does a dict lookup stay fast as the dict grows?
  choices: [Hashing finds the slot, The dict is sorted, Lookups are cached, Python is compiled]
  answer: A
  explanation: Hashing goes straight to the slot; a sorted dict would still need a search.
- id: t-multi-one
  track: statistics
  topic: a/b testing
  difficulty: medium
  format: multi
  prompt: Which of these inflate false positives in an A/B test?
  choices:
    [Peeking daily and stopping at p<0.05, Testing twenty metrics, A larger sample, A fixed horizon]
  answers: [A, B]
  explanation: Repeated looks and many metrics each add chances to be fooled; more data does not.
- id: t-open-one
  track: behavioral
  topic: conflict
  difficulty: medium
  format: open
  prompt: Tell me about a disagreement with a teammate.
  reference_answer: Stakes, evidence, outcome.
  hints: [Ask for the stakes., Ask for the evidence.]
  rubric:
    - {criterion: Structure, score_1: Rambling., score_4: Clear STAR.}
    - {criterion: Evidence, score_1: Opinion only., score_4: Data.}
    - {criterion: Outcome, score_1: None., score_4: Measured result.}
  explanation: Interviewers listen for evidence over opinion.
"""


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "bank.yaml").write_text(BANK, encoding="utf-8")
    return folder


@pytest.fixture
async def runner(  # overrides the shared fixture: this feature runs on a small known bank
    emulator: Emulator, world: World, database_url: str, clock: FakeClock, bank: Path
):
    runner = BotRunner(
        bot_settings(emulator, database_url, questions_dir=bank),
        clock=clock,
        guild_ready_timeout=0.05,
    )
    try:
        yield runner
    finally:
        await runner.stop()


def cog(bot: CohortBot):
    found = bot.get_cog("Daily")
    assert found is not None
    return found


async def setup_daily(
    emulator: Emulator,
    world: World,
    *,
    time: str = "13:00",
    topics: str | None = "complexity",
    **extra,
) -> str:
    options = {"channel": world.general, "time": time, "timezone": "Europe/London", **extra}
    if topics:
        options["topics"] = topics
    reply = await (
        await emulator.invoke(world.organiser, world.general, "daily setup", options)
    ).reply()
    assert reply.ephemeral
    return reply.content


def posts(emulator: Emulator, world: World):
    return [
        m
        for m in emulator.channel_messages(world.general)
        if m.embeds and m.embeds[0].get("title") == "Question of the day"
    ]


async def test_setup_then_one_post_at_local_time_and_never_twice(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    text = await setup_daily(emulator, world)
    assert "Daily question set" in text and "13:00 Europe/London" in text
    await cog(bot).sweep()
    assert posts(emulator, world) == [], "12:00 now: not yet"

    clock.advance(timedelta(hours=1))  # 13:00 in London (GMT in March)
    await cog(bot).sweep()
    await cog(bot).sweep()
    (post,) = posts(emulator, world)
    assert post.button_labels == [
        "A. Hashing finds the slot",
        "B. The dict is sorted",
        "C. Lookups are cached",
        "D. Python is compiled",
    ]
    reply = await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    assert "already posted" in reply.content
    assert len(posts(emulator, world)) == 1


async def test_answers_are_private_locked_and_counted_once(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await setup_daily(emulator, world)
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    (post,) = posts(emulator, world)

    first = await (await emulator.click(world.alice, post, label="B. The dict is sorted")).reply()
    assert first.ephemeral and first.content.startswith("Locked in: **B.** The dict is sorted")
    assert "<t:" in first.content
    second = await (
        await emulator.click(world.alice, post, label="A. Hashing finds the slot")
    ).reply()
    assert "already answered **B.**" in second.content

    # A double click: both arrive together, one answer counts.
    clicks = await asyncio.gather(
        emulator.click(world.bob, post, label="A. Hashing finds the slot"),
        emulator.click(world.bob, post, label="A. Hashing finds the slot"),
    )
    texts = sorted([(await c.reply()).content for c in clicks])
    assert texts[0].startswith("Locked in") and texts[1].startswith("You already answered")
    async with bot.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DailyAnswer)) == 2


async def test_reveal_after_reveal_hours_closes_and_opens_the_thread(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await setup_daily(emulator, world, reveal_hours=2)
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    (post,) = posts(emulator, world)
    await (await emulator.click(world.alice, post, label="A. Hashing finds the slot")).reply()
    await (await emulator.click(world.bob, post, label="C. Lookups are cached")).reply()
    assert emulator.threads(world.general) == [], "no thread before the reveal: it would leak"

    clock.advance(timedelta(hours=2))
    await cog(bot).sweep()
    await cog(bot).sweep()
    (thread,) = emulator.threads(world.general)
    (reveal,) = [m for m in emulator.channel_messages(thread) if m.embeds]
    embed = reveal.embeds[0]
    assert "**Answer:** **A.** Hashing finds the slot" in embed["description"]
    assert embed["fields"][0]["value"] == "2 answered · 50% correct"
    assert reveal.attachments and reveal.attachments[0].filename == "answers.png"
    assert reveal.attachments[0].data.startswith(b"\x89PNG")
    closed = emulator.messages[post.id]
    assert closed.embeds[0]["fields"][0]["name"] == "Closed"
    with pytest.raises(EmulatorError, match="disabled"):
        await emulator.click(world.carol, closed, label="A. Hashing finds the slot")


async def test_a_click_racing_the_reveal_is_refused_and_counts_nothing(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await setup_daily(emulator, world)
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    (post,) = posts(emulator, world)
    # The reveal is committed but the message not yet edited: a stale client can still click.
    post_id = await daily.current_open(bot.services.sessions, world.guild.id)
    assert post_id is not None
    assert await daily.reveal(bot.services.sessions, post_id, clock.now()) is not None
    late = await (
        await emulator.click(world.carol, post, label="A. Hashing finds the slot")
    ).reply()
    assert late.ephemeral and "closed" in late.content
    async with bot.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DailyAnswer)) == 0


async def test_multi_answers_with_a_select_and_open_answers_with_a_modal(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await setup_daily(emulator, world, topics="a/b testing")
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    (post,) = posts(emulator, world)
    receipt = await (await emulator.select(world.alice, post, ["0", "1"])).reply()
    assert (
        "Locked in: **A.** Peeking" in receipt.content
        and "**B.** Testing twenty" in receipt.content
    )

    await setup_daily(emulator, world, topics="conflict")
    clock.advance(timedelta(days=1, hours=1))
    await cog(bot).sweep()
    open_post = posts(emulator, world)[-1]
    assert open_post.button_labels == ["Answer"]
    record = await emulator.click(world.bob, open_post, label="Answer")
    modal = await record.modal_shown()
    field = modal["components"][0]["components"][0]["custom_id"]
    done = await emulator.submit_modal(world.bob, record, {field: "We ran a benchmark."})
    assert "Locked in: “We ran a benchmark.”" in (await done.reply()).content
    again = await (await emulator.click(world.bob, open_post, label="Answer")).reply()
    assert "already answered" in again.content
    # The previous day's multi question was revealed when the new one was posted.
    assert emulator.messages[post.id].embeds[0]["fields"][0]["name"] == "Closed"


async def test_members_cannot_run_organiser_subcommands_and_bad_input_changes_nothing(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    for command, options in [
        ("daily setup", {"channel": world.general, "time": "13:00", "timezone": "UTC"}),
        ("daily now", {}),
        ("daily reveal", {}),
        ("daily pause", {}),
        ("daily resume", {}),
    ]:
        reply = await (await emulator.invoke(world.alice, world.general, command, options)).reply()
        assert reply.ephemeral and "Only organisers" in reply.content, command
    assert await daily.get_settings(bot.services.sessions, world.guild.id) is None

    bad = [
        ({"time": "7.30"}, "is not a time"),
        ({"time": "24:00"}, "is not a time"),
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus"),
        ({"topics": "astrology"}, "I don't know the topic “astrology”"),
    ]
    for change, message in bad:
        options = {"channel": world.general, "time": "13:00", "timezone": "UTC", **change}
        reply = await (
            await emulator.invoke(world.organiser, world.general, "daily setup", options)
        ).reply()
        assert reply.ephemeral and message in reply.content, change
    assert await daily.get_settings(bot.services.sessions, world.guild.id) is None


async def test_a_channel_the_bot_cannot_post_in_is_named_at_setup(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    emulator.deny_bot(world.general, P.ATTACH_FILES | P.CREATE_PUBLIC_THREADS)
    await asyncio.sleep(0.05)
    reply = await (
        await emulator.invoke(
            world.organiser,
            world.general,
            "daily setup",
            {"channel": world.general, "time": "13:00", "timezone": "UTC"},
        )
    ).reply()
    assert "missing Attach Files, Create Public Threads" in reply.content
    assert await daily.get_settings(bot.services.sessions, world.guild.id) is None


async def test_a_failed_post_is_reported_retried_and_the_schedule_survives(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    logs = emulator.create_channel(world.guild, "mod-log")
    await asyncio.sleep(0.05)
    await (
        await emulator.invoke(
            world.organiser, world.general, "config log-channel", {"channel": logs}
        )
    ).reply()
    await setup_daily(emulator, world)
    emulator.deny_bot(world.general, P.SEND_MESSAGES)
    clock.advance(timedelta(hours=1))
    await cog(bot).sweep()
    assert [e.code for e in emulator.take_errors()] == [50013]
    notice = await emulator.wait_for_message(logs)
    assert "could not be posted" in notice.content and "/daily now" in notice.content
    assert posts(emulator, world) == []

    emulator.set_permissions(world.general, emulator.bot_user, deny=0)
    await asyncio.sleep(0.05)
    reply = await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    assert "Posted today's question" in reply.content
    assert len(posts(emulator, world)) == 1
    clock.advance(timedelta(days=1))
    await cog(bot).sweep()
    assert len(posts(emulator, world)) == 2, "the next day posts as scheduled"


async def test_catch_up_after_downtime_the_same_local_day_only(
    runner: BotRunner, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    bot = await runner.start()
    await setup_daily(emulator, world)
    await runner.stop()

    clock.advance(timedelta(hours=3))  # 15:00 London: today's 13:00 was missed while down
    bot = await runner.start()
    await cog(bot).sweep()  # on_ready also sweeps; either way it posts once
    assert len(posts(emulator, world)) == 1
    await runner.stop()

    clock.advance(timedelta(days=2, hours=10))  # down for two whole days: no backlog
    bot = await runner.start()
    await cog(bot).sweep()
    assert len(posts(emulator, world)) == 1
    clock.advance(timedelta(hours=14))  # next 13:00
    await cog(bot).sweep()
    assert len(posts(emulator, world)) == 2


async def test_a_restart_between_claim_and_send_posts_once(
    runner: BotRunner, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    bot = await runner.start()
    await setup_daily(emulator, world)
    clock.advance(timedelta(hours=1))
    # A process claims today's post and dies before sending it.
    plan = await daily.claim(bot.services.sessions, world.guild.id, clock.now())
    assert isinstance(plan, daily.PostPlan)
    await runner.stop()

    clock.advance(timedelta(minutes=5))
    bot = await runner.start()
    await cog(bot).sweep()
    await cog(bot).sweep()
    assert len(posts(emulator, world)) == 1
    async with bot.services.sessions() as session:
        row = await session.get(DailyPost, plan.post_id)
        assert row is not None and row.status == "posted" and row.attempts == 2


async def test_pause_resume_and_status(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    reply = await (await emulator.invoke(world.alice, world.general, "daily status")).reply()
    assert "not set up" in reply.content
    await setup_daily(emulator, world, topics=None)
    status = await (await emulator.invoke(world.alice, world.general, "daily status")).reply()
    fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
    assert fields["Questions left before repeats"] == "3 of 3"
    assert fields["Time"] == "13:00 Europe/London"

    await (await emulator.invoke(world.organiser, world.general, "daily pause")).reply()
    clock.advance(timedelta(hours=1))
    await cog(bot).sweep()
    assert posts(emulator, world) == []
    resumed = await (await emulator.invoke(world.organiser, world.general, "daily resume")).reply()
    assert "Resumed: next post <t:" in resumed.content
    await cog(bot).sweep()
    assert posts(emulator, world) == [], "resuming does not post a day that passed while paused"
    clock.advance(timedelta(days=1))
    await cog(bot).sweep()
    assert len(posts(emulator, world)) == 1
    status = await (await emulator.invoke(world.alice, world.general, "daily status")).reply()
    fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
    assert fields["Questions left before repeats"] == "2 of 3"


async def test_no_question_repeats_until_the_bank_is_used_up(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    await setup_daily(emulator, world, topics=None, reveal_hours=1)
    clock.advance(timedelta(hours=1))
    seen = []
    for _ in range(6):
        await cog(bot).sweep()
        seen.append(posts(emulator, world)[-1].embeds[0]["footer"]["text"])
        clock.advance(timedelta(days=1))
    assert len(set(seen[:3])) == 3
    assert seen[3:] == seen[:3], "the second cycle asks least recently asked first"


async def test_config_is_for_organisers_and_hidden_from_members(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    with pytest.raises(EmulatorError):
        await emulator.invoke(world.alice, world.general, "config show")
    forced = await (
        await emulator.invoke(world.alice, world.general, "config show", force=True)
    ).reply()
    assert "Only organisers" in forced.content

    bad = await (
        await emulator.invoke(
            world.organiser, world.general, "config timezone", {"timezone": "Nowhere"}
        )
    ).reply()
    assert "Nowhere" in bad.content
    choices = await emulator.autocomplete(
        world.organiser, world.general, "config timezone", "timezone", {"timezone": "new_y"}
    )
    assert "America/New_York" in [c["value"] for c in choices]
    await setup_daily(emulator, world)
    ok = await (
        await emulator.invoke(
            world.organiser, world.general, "config timezone", {"timezone": "America/New_York"}
        )
    ).reply()
    assert "America/New_York" in ok.content and "13:00" in ok.content
    shown = await (await emulator.invoke(world.organiser, world.general, "config show")).reply()
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Timezone"] == "America/New_York"
    assert "13:00" in fields["Daily question"]
    # 13:00 in New York is 18:00 UTC on 2 March: not at 13:00 UTC.
    clock.advance(timedelta(hours=1))
    await cog(bot).sweep()
    assert posts(emulator, world) == []
    clock.advance(timedelta(hours=5))
    await cog(bot).sweep()
    assert len(posts(emulator, world)) == 1


async def test_a_reveal_interrupted_by_a_restart_is_finished_once(
    runner: BotRunner, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    bot = await runner.start()
    await setup_daily(emulator, world)
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    (post,) = posts(emulator, world)
    await (await emulator.click(world.alice, post, label="A. Hashing finds the slot")).reply()
    post_id = await daily.current_open(bot.services.sessions, world.guild.id)
    assert post_id is not None
    # The reveal is claimed, then the process stops before anything is sent.
    assert await daily.reveal(bot.services.sessions, post_id, clock.now()) is not None
    await runner.stop()

    clock.advance(timedelta(minutes=5))
    bot = await runner.start()
    await cog(bot).sweep()
    (thread,) = emulator.threads(world.general)
    assert len([m for m in emulator.channel_messages(thread) if m.embeds]) == 1

    # Sent, but the thread was never recorded: the next sweep finds it and sends nothing.
    async with bot.services.sessions() as session:
        row = await session.get(DailyPost, post_id)
        assert row is not None and row.thread_id == thread.id
        row.thread_id = None
        await session.commit()
    await cog(bot).sweep()
    emulator.take_errors()  # the 160004 "thread already exists" the bot recovered from
    assert len([m for m in emulator.channel_messages(thread) if m.embeds]) == 1
    async with bot.services.sessions() as session:
        row = await session.get(DailyPost, post_id)
        assert row is not None and row.thread_id == thread.id


async def test_buttons_keep_working_after_a_restart_and_the_ping_role_is_pinged(
    runner: BotRunner, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    bot = await runner.start()
    role = emulator.create_role(world.guild, "Daily")
    await asyncio.sleep(0.05)
    await setup_daily(emulator, world, ping_role=role)
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    (post,) = posts(emulator, world)
    assert post.pings.roles == {role.id} and not post.pings.users and not post.pings.everyone
    await runner.stop()

    bot = await runner.start()
    receipt = await (
        await emulator.click(world.alice, post, label="A. Hashing finds the slot")
    ).reply()
    assert receipt.content.startswith("Locked in")
    assert cog(bot) is not None


async def test_organiser_reveals_early_once(
    bot: CohortBot, emulator: Emulator, world: World
) -> None:
    await setup_daily(emulator, world)
    nothing = await (await emulator.invoke(world.organiser, world.general, "daily reveal")).reply()
    assert "no open daily question" in nothing.content
    await (await emulator.invoke(world.organiser, world.general, "daily now")).reply()
    (post,) = posts(emulator, world)
    await (await emulator.click(world.bob, post, label="C. Lookups are cached")).reply()
    done = await (await emulator.invoke(world.organiser, world.general, "daily reveal")).reply()
    assert "Revealed" in done.content and "1 answered" in done.content
    again = await (await emulator.invoke(world.organiser, world.general, "daily reveal")).reply()
    assert "no open daily question" in again.content
    assert len(emulator.threads(world.general)) == 1


async def test_a_deleted_channel_fails_the_post_and_tells_the_log_channel(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    daily_channel = emulator.create_channel(world.guild, "daily")
    logs = emulator.create_channel(world.guild, "mod-log")
    await asyncio.sleep(0.05)
    await (
        await emulator.invoke(
            world.organiser, world.general, "config log-channel", {"channel": logs}
        )
    ).reply()
    options = {"channel": daily_channel, "time": "13:00", "timezone": "Europe/London"}
    await (await emulator.invoke(world.organiser, world.general, "daily setup", options)).reply()
    emulator.delete_channel(daily_channel)
    await asyncio.sleep(0.05)
    clock.advance(timedelta(hours=1))
    await cog(bot).sweep()
    notice = await emulator.wait_for_message(logs)
    assert "could not be posted" in notice.content and "no longer exists" in notice.content
    async with bot.services.sessions() as session:
        (row,) = (await session.scalars(select(DailyPost))).all()
        assert row.status == "failed"


async def test_guilds_due_at_the_same_minute_post_together_and_one_failure_stays_its_own(
    bot: CohortBot, emulator: Emulator, world: World, clock: FakeClock
) -> None:
    """One sweep claims every due guild in a batch: each posts once, in its own zone's day,
    a guild whose channel refuses the bot fails alone, and answers work at once."""
    guilds = [emulator.create_guild(f"Group {i}", owner=world.owner) for i in range(4)]
    await emulator.wait_until(
        lambda: all(bot.get_guild(g.id) for g in guilds), what="the bot in the new guilds"
    )
    zones = ["Europe/London", "UTC", "Africa/Lagos", "Europe/Lisbon"]  # 13:00 London = 14:00 Lagos
    for guild, zone in zip(guilds, zones, strict=True):
        general = emulator.channel_named(guild, "general")
        when = "14:00" if zone == "Africa/Lagos" else "13:00"
        options = {"channel": general, "time": when, "timezone": zone, "topics": "complexity"}
        reply = await (await emulator.invoke(world.owner, general, "daily setup", options)).reply()
        assert "Daily question set" in reply.content, reply.content
    refusing = emulator.channel_named(guilds[1], "general")
    emulator.deny_bot(refusing, P.SEND_MESSAGES)
    await asyncio.sleep(0.05)

    clock.advance(timedelta(hours=1))
    await cog(bot).sweep()
    await cog(bot).sweep()
    assert [e.code for e in emulator.take_errors()] == [50013]
    posted = {
        guild.id: [
            m
            for m in emulator.channel_messages(emulator.channel_named(guild, "general"))
            if m.embeds and m.embeds[0].get("title") == "Question of the day"
        ]
        for guild in guilds
    }
    assert [len(posted[g.id]) for g in guilds] == [1, 0, 1, 1]
    async with bot.services.sessions() as session:
        rows = {p.guild_id: p.status for p in await session.scalars(select(DailyPost))}
    assert rows == {
        guilds[0].id: "posted",
        guilds[1].id: "failed",
        guilds[2].id: "posted",
        guilds[3].id: "posted",
    }
    (post,) = posted[guilds[2].id]
    click = await emulator.click(world.owner, post, label=post.button_labels[0])
    assert "Locked in" in (await click.reply()).content
