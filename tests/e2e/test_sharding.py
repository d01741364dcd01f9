"""Several shard processes on one database: each serves exactly the guilds of its shards."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import Guild as GuildRow
from bot.emulator import Emulator, Guild
from bot.runner import BotRunner
from tests.e2e.conftest import World, bot_settings


def guilds_on_both_shards(emulator: Emulator, clock: FakeClock) -> dict[int, Guild]:
    """Make guilds until shard 0 and shard 1 (of 2) each hold one; ids carry the clock's ms."""
    by_shard: dict[int, Guild] = {}
    while len(by_shard) < 2:
        clock.advance(0.001)
        guild = emulator.create_guild(f"Group {len(emulator.guilds)}")
        by_shard.setdefault((guild.id >> 22) % 2, guild)
    return by_shard


async def test_two_shard_processes_split_the_guilds(
    emulator: Emulator, world: World, database_url: str, clock: FakeClock
) -> None:
    by_shard = guilds_on_both_shards(emulator, clock)
    runners = [
        BotRunner(
            bot_settings(emulator, database_url, shard_count=2, shard_ids=[shard]),
            clock=clock,
            guild_ready_timeout=0.05,
        )
        for shard in (0, 1)
    ]
    try:
        bots = [await runner.start() for runner in runners]
        for shard, bot in enumerate(bots):
            ids = {g.id for g in bot.guilds}
            assert by_shard[shard].id in ids and by_shard[1 - shard].id not in ids
            assert all((gid >> 22) % 2 == shard for gid in ids)
            assert all(bot.owns_guild(gid) for gid in ids)
        for shard, guild in by_shard.items():
            member = emulator.add_member(guild, f"member-{shard}")
            channel = emulator.channel_named(guild, "general")
            reply = await (await emulator.invoke(member, channel, "help")).reply()
            assert reply.ephemeral and "/help" in reply.text
        async with bots[0].services.sessions() as session:
            rows = set((await session.scalars(select(GuildRow.id))).all())
        assert rows == set(emulator.guilds), "between them, every guild got its settings row"
    finally:
        for runner in runners:
            await runner.stop()
