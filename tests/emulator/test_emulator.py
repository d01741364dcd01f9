"""The emulator against the real discord.py client: payloads parse, and Discord's rules hold."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import discord
import pytest

from bot.emulator import EmulatorError
from bot.emulator import permissions as P
from bot.emulator.snowflakes import snowflake_time
from tests.emulator.conftest import Scene


async def test_bot_connects_and_registers_commands(scene: Scene) -> None:
    emu = scene.emu
    assert scene.bot.user is not None and scene.bot.user.id == emu.bot_user.id
    assert scene.bot.get_guild(scene.guild.id) is not None
    assert "echo" in emu.command_names() and "zone" in emu.command_names()
    assert emu.command_syncs == [None]
    identify = emu.server.identify_payloads[-1]
    assert identify["intents"] & (1 << 1) == 0, "no privileged intent requested"


async def test_slash_command_reply_is_public_and_ephemeral_on_request(scene: Scene) -> None:
    emu = scene.emu
    public = await (
        await emu.invoke(scene.alice, scene.general, "echo", {"text": "hi all"})
    ).reply()
    assert public.content == "hi all" and not public.ephemeral
    assert public in emu.channel_messages(scene.general)
    private = await (
        await emu.invoke(scene.alice, scene.general, "echo", {"text": "psst", "private": True})
    ).reply()
    assert private.ephemeral and private.ephemeral_to == scene.alice.id
    assert private not in emu.visible_to(scene.bob, scene.general)
    assert private in emu.visible_to(scene.alice, scene.general)


async def test_options_are_checked_like_the_discord_client(scene: Scene) -> None:
    emu = scene.emu
    with pytest.raises(EmulatorError, match="missing required"):
        await emu.invoke(scene.alice, scene.general, "echo", {})
    with pytest.raises(EmulatorError, match="unknown options"):
        await emu.invoke(scene.alice, scene.general, "echo", {"text": "x", "colour": "red"})
    with pytest.raises(EmulatorError, match="at most 5"):
        await emu.invoke(scene.alice, scene.general, "count", {"n": 6})
    with pytest.raises(EmulatorError, match="whole number"):
        await emu.invoke(scene.alice, scene.general, "count", {"n": "3"})
    reply = await (await emu.invoke(scene.alice, scene.general, "count", {"n": 3})).reply()
    assert reply.content == "1 2 3"


async def test_mentions_ping_only_when_allowed(scene: Scene) -> None:
    emu = scene.emu
    text = f"hey {scene.bob.mention} @everyone"
    quiet = await (await emu.invoke(scene.alice, scene.general, "echo", {"text": text})).reply()
    assert quiet.pings.users == set() and not quiet.pings.everyone
    loud = await (await emu.invoke(scene.alice, scene.general, "loud", {"text": text})).reply()
    assert loud.pings.users == {scene.bob.id} and loud.pings.everyone


async def test_late_ack_gets_unknown_interaction(scene: Scene) -> None:
    emu = scene.emu
    record = await emu.invoke(scene.alice, scene.general, "slow")
    emu.lag(3.5)  # the bot took longer than Discord's 3 seconds
    scene.bot.gates.release.set()
    await emu.wait_until(lambda: scene.bot.gates.errors, what="the bot's error")
    error = scene.bot.gates.errors[0]
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert record.response_type is None
    assert [e.code for e in emu.take_errors()] == [10062]


async def test_second_response_is_refused(scene: Scene) -> None:
    emu = scene.emu
    await (await emu.invoke(scene.alice, scene.general, "twice")).reply()
    await emu.wait_until(lambda: len(scene.bot.gates.errors) == 2, what="both refusals")
    guard, server = scene.bot.gates.errors
    assert isinstance(guard, discord.InteractionResponded)
    assert isinstance(server, discord.HTTPException) and server.code == 40060
    assert [e.code for e in emu.take_errors()] == [40060]


async def test_deferred_reply_fills_the_thinking_message(scene: Scene) -> None:
    emu = scene.emu
    record = await emu.invoke(scene.alice, scene.general, "later", {"private": True})
    await record.ack()
    assert record.deferred and record.original is not None and record.original.loading
    scene.bot.gates.release.set()
    reply = await record.reply()
    assert reply is record.original and reply.content == "done" and not reply.loading
    assert reply.ephemeral


async def test_token_expires_after_fifteen_minutes(scene: Scene) -> None:
    emu = scene.emu
    record = await emu.invoke(scene.alice, scene.general, "later")
    await record.ack()
    scene.clock.advance(timedelta(minutes=15, seconds=1))
    scene.bot.gates.release.set()
    await emu.wait_until(lambda: scene.bot.gates.errors, what="the bot's error")
    assert scene.bot.gates.errors[0].code == 50027  # type: ignore[attr-defined]
    assert [e.code for e in emu.take_errors()] == [50027]


async def test_missing_permissions_are_refused_with_50013(scene: Scene) -> None:
    emu = scene.emu
    daily = emu.create_channel(scene.guild, "daily")
    await emu.wait_until(lambda: scene.bot.get_channel(daily.id), what="channel in cache")
    emu.deny_bot(daily, P.SEND_MESSAGES)
    reply = await (
        await emu.invoke(scene.organiser, scene.general, "post", {"channel": daily})
    ).reply()
    assert reply.content == "failed 403 50013"
    assert emu.channel_messages(daily) == []
    emu.take_errors()
    emu.set_permissions(daily, emu.bot_user, deny=P.VIEW_CHANNEL)
    reply = await (
        await emu.invoke(scene.organiser, scene.general, "post", {"channel": daily})
    ).reply()
    assert reply.content == "failed 403 50001"
    assert [e.code for e in emu.take_errors()] == [50001]


async def test_files_need_attach_permission_and_are_stored(scene: Scene) -> None:
    emu = scene.emu
    args = {"channel": scene.general, "with_file": True}
    reply = await (await emu.invoke(scene.organiser, scene.general, "post", args)).reply()
    assert reply.content == "posted"
    posted = emu.channel_messages(scene.general)[-1]
    assert posted.attachments[0].filename == "chart.png" and posted.attachments[0].data.startswith(
        b"\x89PNG"
    )
    emu.deny_bot(scene.general, P.ATTACH_FILES)
    reply = await (await emu.invoke(scene.organiser, scene.general, "post", args)).reply()
    assert reply.content == "failed 403 50013"
    assert [e.code for e in emu.take_errors()] == [50013]


async def test_embeds_vanish_without_embed_links(scene: Scene) -> None:
    emu = scene.emu
    emu.deny_bot(scene.general, P.EMBED_LINKS)
    args = {"channel": scene.general, "content": "", "embed_text": "rich"}
    reply = await (await emu.invoke(scene.organiser, scene.general, "post", args)).reply()
    assert reply.content == "failed 400 50006", "an embed-only message becomes empty"
    assert [e.code for e in emu.take_errors()] == [50006]


@pytest.mark.parametrize(
    ("what", "path"), [("content", "content"), ("embed", "embeds"), ("label", "components")]
)
async def test_oversized_payloads_get_invalid_form_body(scene: Scene, what: str, path: str) -> None:
    emu = scene.emu
    await emu.invoke(scene.alice, scene.general, "huge", {"what": what})
    await emu.wait_until(lambda: scene.bot.gates.errors, what="the bot's error")
    error = scene.bot.gates.errors[0]
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    assert path in error.text
    assert [e.code for e in emu.take_errors()] == [50035]


async def test_closed_dms_get_50007(scene: Scene) -> None:
    emu = scene.emu
    reply = await (
        await emu.invoke(scene.alice, scene.general, "dm", {"member": scene.bob})
    ).reply()
    assert reply.content == "sent" and emu.dms(scene.bob)[0].content == "a private note"
    scene.bob.dms_open = False
    reply = await (
        await emu.invoke(scene.alice, scene.general, "dm", {"member": scene.bob})
    ).reply()
    assert reply.content == "closed 50007" and len(emu.dms(scene.bob)) == 1
    assert [e.code for e in emu.take_errors()] == [50007]


async def test_buttons_selects_and_persistent_views(scene: Scene) -> None:
    emu = scene.emu
    message = await (await emu.invoke(scene.alice, scene.general, "buttons")).reply()
    assert message.button_labels == ["Press", "Edit", "Form"]
    pressed = await (await emu.click(scene.bob, message, label="Press")).reply()
    assert pressed.content == "pressed by bob" and pressed.ephemeral_to == scene.bob.id
    picked = await (await emu.select(scene.bob, message, ["a", "c"])).reply()
    assert picked.content == "picked a,c"
    with pytest.raises(EmulatorError, match="takes 1 to 2"):
        await emu.select(scene.bob, message, ["a", "b", "c"])
    with pytest.raises(EmulatorError, match="not options"):
        await emu.select(scene.bob, message, ["z"])
    edited = await (await emu.click(scene.alice, message, label="Edit")).reply()
    assert edited is message and message.content == "edited" and message.edits == 1
    with pytest.raises(EmulatorError, match="disabled"):
        await emu.click(scene.alice, message, label="Edit")
    with pytest.raises(EmulatorError, match="someone else's ephemeral"):
        await emu.click(scene.alice, pressed, label="Press")


async def test_modal_round_trip_and_client_side_checks(scene: Scene) -> None:
    emu = scene.emu
    record = await emu.invoke(scene.alice, scene.general, "ask")
    modal = await record.modal_shown()
    assert modal["title"] == "Tell me something"
    with pytest.raises(EmulatorError, match="required"):
        await emu.submit_modal(scene.alice, record, {})
    with pytest.raises(EmulatorError, match="0 to 50"):
        await emu.submit_modal(scene.alice, record, {modal_input_id(modal): "x" * 51})
    with pytest.raises(EmulatorError, match="only the member"):
        await emu.submit_modal(scene.bob, record, {modal_input_id(modal): "hi"})
    reply = await (
        await emu.submit_modal(scene.alice, record, {modal_input_id(modal): "hi"})
    ).reply()
    assert reply.content == "you said hi" and reply.ephemeral


def modal_input_id(modal: dict) -> str:
    row = modal["components"][0]
    inner = row.get("component") or row["components"][0]
    return inner["custom_id"]


async def test_autocomplete_returns_the_bots_choices(scene: Scene) -> None:
    choices = await scene.emu.autocomplete(
        scene.alice, scene.general, "zone", "timezone", {"timezone": "euro"}
    )
    assert [c["value"] for c in choices] == ["Europe/Berlin", "Europe/London"]


async def test_private_thread_holds_exactly_the_added_members(scene: Scene) -> None:
    emu = scene.emu
    await (await emu.invoke(scene.alice, scene.general, "pair", {"member": scene.bob})).reply()
    (thread,) = emu.threads(scene.general)
    assert thread.type == 12 and thread.thread_members == {emu.bot_user.id, scene.bob.id}
    assert emu.can_see(scene.bob, thread) and not emu.can_see(scene.alice, thread)
    welcome = emu.channel_messages(thread)[0]
    assert welcome.content == f"welcome {scene.bob.mention}" and welcome.pings.users == set()


async def test_roles_need_manage_roles_and_hierarchy(scene: Scene) -> None:
    emu = scene.emu
    streaker = emu.create_role(scene.guild, "7-day streak", 0, position=1)
    await emu.wait_until(
        lambda: scene.bot.get_guild(scene.guild.id).get_role(streaker.id), what="role"
    )
    reply = await (
        await emu.invoke(
            scene.organiser, scene.general, "grant", {"member": scene.alice, "role": streaker}
        )
    ).reply()
    assert reply.content == "forbidden 50013", "the bot's role is below the new one"
    emu.take_errors()
    bot_role = next(r for r in scene.guild.roles.values() if r.managed)
    bot_role.position = 10
    reply = await (
        await emu.invoke(
            scene.organiser, scene.general, "grant", {"member": scene.alice, "role": streaker}
        )
    ).reply()
    assert (
        reply.content == "granted" and streaker.id in scene.guild.members[scene.alice.id].role_ids
    )


async def test_default_permissions_hide_and_checks_refuse(scene: Scene) -> None:
    emu = scene.emu
    with pytest.raises(EmulatorError, match="hidden"):
        await emu.invoke(scene.alice, scene.general, "admin")
    ok = await (await emu.invoke(scene.organiser, scene.general, "admin")).reply()
    assert ok.content == "admin ok"
    forced = await (await emu.invoke(scene.alice, scene.general, "admin", force=True)).reply()
    assert forced.content == "refused", "the server-side check holds even when the command shows"


async def test_snowflakes_follow_the_injected_clock(scene: Scene) -> None:
    emu = scene.emu
    first = await (await emu.invoke(scene.alice, scene.general, "echo", {"text": "a"})).reply()
    scene.clock.advance(7.25)
    second = await (await emu.invoke(scene.alice, scene.general, "echo", {"text": "b"})).reply()
    gap = snowflake_time(second.id) - snowflake_time(first.id)
    assert gap == timedelta(seconds=7.25)
    assert snowflake_time(first.id) == scene.clock.now() - timedelta(seconds=7.25)


async def test_unknown_routes_and_bad_tokens(scene: Scene) -> None:
    emu = scene.emu
    session = scene.bot.http._HTTPClient__session  # type: ignore[attr-defined]
    async with session.get(
        f"{emu.base_url}/api/v10/nothing/here", headers={"Authorization": f"Bot {emu.token}"}
    ) as resp:
        assert resp.status == 404 and resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["code"] == 0
    async with session.get(
        f"{emu.base_url}/api/v10/users/@me", headers={"Authorization": "Bot wrong"}
    ) as resp:
        assert resp.status == 401
    assert [e.status for e in emu.take_errors()] == [404, 401]


async def test_rate_limits_are_retried_by_the_client(scene: Scene) -> None:
    emu = scene.emu
    emu.rate_limit_next("POST", f"/channels/{scene.general.id}/messages", retry_after=0.01)
    reply = await (
        await emu.invoke(scene.organiser, scene.general, "post", {"channel": scene.general})
    ).reply()
    assert reply.content == "posted"
    posts = [
        r for r in emu.requests if r == ("POST", f"/api/v10/channels/{scene.general.id}/messages")
    ]
    assert len(posts) == 2


async def test_reconnect_resumes_and_keeps_working(scene: Scene) -> None:
    emu = scene.emu
    await emu.drop_connections(4000)
    await emu.wait_until(
        lambda: emu.server.has_session_for(scene.guild.id), what="the bot to reconnect"
    )
    reply = await (await emu.invoke(scene.alice, scene.general, "echo", {"text": "back"})).reply()
    assert reply.content == "back"


async def test_privileged_intents_are_refused_unless_enabled() -> None:
    from bot.connection import use_api_base
    from bot.emulator import Emulator
    from tests.emulator.conftest import ProbeBot

    emu = Emulator()
    await emu.start()
    bot = ProbeBot(emu.base_url)
    bot._connection._intents = discord.Intents(guilds=True, members=True)
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(bot.start(emu.token), 10)
    finally:
        await bot.close()
        await emu.stop()
        use_api_base(None)


async def test_public_thread_from_a_message_and_history(scene: Scene) -> None:
    emu = scene.emu
    reply = await (await emu.invoke(scene.organiser, scene.general, "discuss")).reply()
    assert reply.content == "history: question of the day", "ephemeral replies are not history"
    (thread,) = emu.threads(scene.general)
    post = emu.channel_messages(scene.general)[0]
    assert (
        thread.type == 11 and thread.id == post.id and post.data["thread"]["name"] == "Discussion"
    )
    assert emu.can_see(scene.alice, thread), "anyone who sees the channel sees a public thread"
    assert [m.content for m in emu.channel_messages(thread)] == ["discuss here"]
    assert [e.code for e in scene.bot.gates.errors] == [160004]
    assert [e.code for e in emu.take_errors()] == [160004]


async def test_several_guilds_are_kept_apart(scene: Scene) -> None:
    emu = scene.emu
    other = emu.create_guild("Other Server")
    await emu.wait_until(lambda: scene.bot.get_guild(other.id), what="the second guild")
    stranger = emu.add_member(other, "stranger")
    other_general = emu.channel_named(other, "general")
    reply = await (await emu.invoke(stranger, other_general, "echo", {"text": "elsewhere"})).reply()
    assert reply.data["guild_id"] == str(other.id)
    assert reply not in emu.channel_messages(scene.general)
    with pytest.raises(EmulatorError, match="not a member"):
        await emu.invoke(stranger, scene.general, "echo", {"text": "intruding"})


async def test_scheduled_events_follow_discords_rules(scene: Scene) -> None:
    emu, guild = scene.emu, scene.bot.get_guild(scene.guild.id)
    assert guild is not None
    start = scene.clock.now() + timedelta(days=1)
    made = await guild.create_scheduled_event(
        name="Mock interview",
        start_time=start,
        end_time=start + timedelta(hours=1),
        entity_type=discord.EntityType.external,
        privacy_level=discord.PrivacyLevel.guild_only,
        location="the thread",
    )
    assert emu.scheduled_events[made.id]["name"] == "Mock interview"
    fetched = await guild.fetch_scheduled_event(made.id)
    await fetched.edit(start_time=start + timedelta(hours=2), end_time=start + timedelta(hours=3))
    assert emu.scheduled_events[made.id]["scheduled_start_time"].startswith(
        (start + timedelta(hours=2)).isoformat()[:19]
    )
    with pytest.raises(discord.HTTPException) as past:
        await guild.create_scheduled_event(
            name="Too late",
            start_time=scene.clock.now() - timedelta(minutes=1),
            end_time=start,
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="the thread",
        )
    assert past.value.code == 50035
    with pytest.raises(discord.HTTPException) as no_end:
        await fetched.edit(end_time=start - timedelta(days=2))
    assert no_end.value.code == 50035
    await fetched.delete()
    assert emu.scheduled_events == {}
    with pytest.raises(discord.NotFound):
        await guild.fetch_scheduled_event(made.id)
    emu.take_errors()
