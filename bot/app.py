"""The bot process: the discord.py client, its cogs, its error handler and command sync."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import __version__
from bot.clock import Clock, SystemClock
from bot.connection import adopt_gateway, use_api_base
from bot.domain.errors import CohortError
from bot.services import app_state, guilds
from bot.settings import Settings
from bot.ui import notices

log = logging.getLogger("cohort")

# Every feature is one extension; the list is the table of contents of `cogs/`.
EXTENSIONS: tuple[str, ...] = (
    "cogs.help",
    "cogs.config",
    "cogs.daily",
    "cogs.quiz",
    "cogs.streaks",
    "cogs.milestones",
    "cogs.matching",
)

GENERIC_FAILURE = "Something went wrong on our side. It has been logged; please try again."


@dataclass
class Services:
    """What cogs need from the rest of the program, handed over in one piece."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    # Real timers follow the real clock; with an injected clock the caller drives time (tests
    # call the features' `sweep()` after advancing it), so no wall-clock timer fires meanwhile.
    live_timers: bool = True


def intents() -> discord.Intents:
    """Only the guilds intent: slash commands and components need no privileged intent."""
    return discord.Intents(guilds=True)


class CohortTree(app_commands.CommandTree["CohortBot"]):
    """Holds the one error handler for every slash command."""

    async def on_error(
        self, interaction: discord.Interaction[CohortBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


def permission_names(names: list[str]) -> str:
    """discord.py's permission names as Discord shows them ("manage_guild" -> "Manage Server")."""
    return ", ".join(n.replace("_", " ").replace("guild", "server").title() for n in names)


def describe_error(error: BaseException) -> tuple[str, bool]:
    """The reply for an error and whether it is our fault (to be logged with a traceback)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, CohortError):
        return error.message, False
    if isinstance(error, app_commands.MissingPermissions):
        needed = permission_names(error.missing_permissions)
        return f"You need the {needed} permission to do that.", False
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = permission_names(error.missing_permissions)
        return f"I am missing the {needed} permission here. Ask an organiser to grant it.", False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} seconds.", False
    if isinstance(error, app_commands.TransformerError):
        return f"I could not understand {error.value!r}.", False
    if isinstance(error, app_commands.CheckFailure):
        return "You are not allowed to use this command here.", False
    return GENERIC_FAILURE, True


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Answer the member privately and log what deserves logging."""
    message, ours = describe_error(error)
    if ours:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("command /%s failed", command, exc_info=error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the member about an error", exc_info=True)
        return
    await deliver_notices(interaction)


async def deliver_notices(interaction: discord.Interaction[Any]) -> None:
    """A member's kept notices (a freeze used while their DMs were closed) come with the next
    reply they get, whichever command it answers."""
    try:
        await notices.deliver(interaction)
    except discord.HTTPException:
        log.warning("could not deliver kept notices", exc_info=True)


class CohortBot(commands.AutoShardedBot):
    def __init__(self, settings: Settings, services: Services, **options: Any) -> None:
        # Cohort never joins voice; without this discord.py warns about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            tree_cls=CohortTree,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
            allowed_mentions=discord.AllowedMentions.none(),
            activity=discord.Activity(type=discord.ActivityType.watching, name="/help"),
            **options,
        )
        self.settings = settings
        self.services = services
        self.version = __version__
        self.synced: str = "not yet"
        # Set once on_ready has recorded the guilds: "ready" for callers means ready to serve.
        self.prepared = asyncio.Event()

    async def login(self, token: str) -> None:
        use_api_base(self.settings.discord_api_base)
        await super().login(token)
        if self.settings.discord_api_base:
            url = await adopt_gateway(self.http)
            log.info(
                "using the Discord-compatible server at %s (gateway %s)",
                self.settings.discord_api_base,
                url,
            )

    async def close(self) -> None:
        # AutoShardedClient.close() assumes connect() ran (it made the event queue); a bot whose
        # login failed, or one built only to load its cogs, must still close cleanly.
        if not hasattr(self, "_AutoShardedClient__queue"):
            self._AutoShardedClient__queue = asyncio.PriorityQueue()  # type: ignore[var-annotated]
        await super().close()

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()

    def text_channel(self, guild_id: int, channel_id: int) -> discord.TextChannel | None:
        """A text channel of a guild from the cache. `get_channel` searches every guild in
        turn, which costs a millisecond per call at 2,000 guilds; this is one lookup."""
        guild = self.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        return channel if isinstance(channel, discord.TextChannel) else None

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process serves `guild_id` (several processes split the shards)."""
        count = self.shard_count or 1
        ids = self.shard_ids
        return ids is None or (guild_id >> 22) % count in ids

    async def sync_commands(self) -> str:
        """Sync slash commands only when their definitions changed (a hash in the database).

        Discord limits command updates, and re-syncing on every start is slow; with
        `DEV_GUILD_ID` the commands are copied to that guild, where updates show instantly.
        """
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands:{guild.id if guild else 'global'}"
        stored = await app_state.get(self.services.sessions, key)
        if stored == digest:
            self.synced = "unchanged"
            log.info("slash commands unchanged; not syncing")
            return self.synced
        synced = await self.tree.sync(guild=guild)
        await app_state.put(self.services.sessions, key, digest, self.services.clock.now())
        self.synced = f"{len(synced)} commands"
        log.info(
            "synced %d slash commands to %s",
            len(synced),
            f"guild {guild.id}" if guild else "all guilds",
        )
        return self.synced

    async def on_ready(self) -> None:
        owned = [g.id for g in self.guilds if self.owns_guild(g.id)]
        await guilds.ensure_guilds(self.services.sessions, owned, self.services.clock.now())
        self.prepared.set()
        log.info("ready as %s in %d guilds", self.user, len(owned))

    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], _command: Any
    ) -> None:
        await deliver_notices(interaction)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await guilds.ensure_guilds(self.services.sessions, [guild.id], self.services.clock.now())


def build_services(settings: Settings, engine: AsyncEngine, clock: Clock | None = None) -> Services:
    from bot.db.engine import create_session_factory

    return Services(
        settings, engine, create_session_factory(engine), clock or SystemClock(), clock is None
    )
