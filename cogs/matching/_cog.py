"""/match setup|request|status|cancel|run and /availability set. Thin: the rules are in
bot.domain.matching and bot.domain.availability, the state in bot.services.matching."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.bank.schema import TRACKS
from bot.domain.availability import describe
from bot.domain.errors import BadInput
from bot.domain.matching import LEVELS, ROLES
from bot.domain.schedule import ts
from bot.scheduling.timers import Timers
from bot.services import interviews, matching
from bot.services.matching import MatchCard
from bot.ui import notices
from bot.ui.guards import MATCH_CHANNEL_PERMISSIONS, missing_permissions, require_organiser
from bot.ui.interviews import history_chart, history_embed, left_text
from bot.ui.matching import (
    packet_embeds,
    packet_intro,
    proposal_text,
    request_text,
    status_text,
    thread_name,
)
from cogs.matching._session import (
    cancel_event,
    members_only,
    post_sweep,
    retire_time_message,
    slot_view,
    thread_of,
)
from cogs.matching._views import AvailabilityModal, PacketButton

if TYPE_CHECKING:
    from bot.app import CohortBot

log = logging.getLogger("cohort.matching")
TICK_SECONDS = 60

# The options' choices, from the tuples the bank, the rules and the service check against.
Track = Literal[TRACKS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]
Cadence = Literal[matching.CADENCES]  # type: ignore[valid-type]


class Matching(commands.GroupCog, group_name="match", group_description="Peer mock interviews"):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.timers = Timers()
        self._delivering = asyncio.Lock()  # one thread per match, even when paths race

    async def cog_load(self) -> None:
        if self.services.live_timers:
            self.timers.start()
            self.timers.every("matching:tick", TICK_SECONDS, self.tick)

    async def cog_unload(self) -> None:
        self.timers.shutdown()

    # ---- the minute sweep ------------------------------------------------------------------

    async def tick(self) -> None:
        """Expire old requests (with a notice), run due batches, finish any match whose thread
        a crash left unmade, then the sessions' reminders, prompts and lapses."""
        now = self.services.clock.now()
        for request in await matching.expire(self.services.sessions, now):
            if self.bot.owns_guild(request.guild_id):
                await self._tell_expired(request)
        for guild_id in await matching.claim_batches(
            self.services.sessions, now, owns=self.bot.owns_guild
        ):
            await matching.run(self.services.sessions, guild_id, now)
        await self.deliver()
        await post_sweep(
            self.bot, await interviews.sweep(self.services.sessions, now, self.bot.owns_guild)
        )

    async def _tell_expired(self, request: matching.RequestView) -> None:
        guild = self.bot.get_guild(request.guild_id)
        text = (
            f"Your {request.track} mock-interview request in {guild.name if guild else 'a server'}"
            " waited 14 days without a match and has expired. `/match request` puts you back in "
            "the pool; widening your `/availability set` helps."
        )
        try:
            await notices.tell(self.bot, request.member_id, request.guild_id, text)
        except discord.HTTPException:
            log.warning("expiry notice for %s could not be sent", request.member_id)

    # ---- matches to threads ----------------------------------------------------------------

    async def deliver(self) -> list[MatchCard]:
        """Make the thread, proposal and packets of every match that has no thread yet."""
        done = []
        async with self._delivering:
            for card in await matching.without_thread(self.services.sessions):
                if not self.bot.owns_guild(card.guild_id):
                    continue
                try:
                    thread = await self._open_thread(card)
                except discord.HTTPException:
                    log.warning("match %s: its thread could not be made", card.id, exc_info=True)
                    continue
                if thread is None:
                    continue
                await self._send_packets(card)
                done.append(card)
        return done

    async def _open_thread(self, card: MatchCard) -> discord.Thread | None:
        found = await matching.settings_of(self.services.sessions, card.guild_id)
        channel = self.bot.text_channel(card.guild_id, found[0]) if found else None
        if channel is None:
            log.warning("match %s: the match channel is gone", card.id)
            return None
        name = thread_name(card)
        # A crash after the thread was made but before it was stored: use that thread.
        thread = next((t for t in channel.threads if t.name == name), None)
        if thread is None:
            thread = await channel.create_thread(
                name=name,
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=10080,
            )
        for member_id in card.member_ids:
            await thread.add_user(discord.Object(member_id))
        proposed = thread.last_message_id is not None
        proposal = None
        if not proposed:
            view = slot_view(card)
            view.add_item(PacketButton(card.id))
            proposal = await thread.send(
                proposal_text(card),
                view=view,
                allowed_mentions=members_only(card),
            )
        await matching.set_thread(
            self.services.sessions, card.id, thread.id, proposal.id if proposal else None
        )
        return thread

    async def _send_packets(self, card: MatchCard) -> None:
        for seat in card.seats:
            if seat.member_id not in card.interviewer_ids or seat.dm_sent:
                continue
            packet = await matching.packet(self.services.sessions, card.id, seat.member_id)
            if packet is None:
                continue
            try:
                sent = await notices.dm(
                    self.bot,
                    seat.member_id,
                    packet_intro(packet, card),
                    embeds=packet_embeds(packet),
                )
            except discord.HTTPException:
                sent = False
            if sent:
                await matching.mark_dm_sent(self.services.sessions, card.id, seat.member_id)

    # ---- commands --------------------------------------------------------------------------

    @app_commands.command(name="setup", description="Where mock-interview threads go (organisers)")
    @app_commands.describe(
        channel="The channel whose private threads hold the matches",
        cadence="Batch matching at 18:00 server time: daily, weekly (Mondays) or manual",
    )
    @app_commands.guild_only()
    async def setup(
        self,
        interaction: discord.Interaction[CohortBot],
        channel: discord.TextChannel,
        cadence: Cadence = "daily",
    ) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        missing = missing_permissions(channel, interaction.guild.me, MATCH_CHANNEL_PERMISSIONS)
        if missing:
            raise BadInput(
                f"I can't hold mock interviews in {channel.mention}: I am missing "
                f"{', '.join(missing)} there. Grant it, or pick another channel."
            )
        upcoming = await matching.configure(
            self.services.sessions,
            interaction.guild.id,
            channel.id,
            cadence,
            self.services.clock.now(),
        )
        when = {
            "daily": "every day at 18:00 server time",
            "weekly": "on Mondays at 18:00 server time",
            "manual": "when an organiser runs `/match run`",
        }[cadence]
        if upcoming is not None:
            when += f" (next {ts(upcoming, 'R')})"
        await interaction.response.send_message(
            f"Mock interviews set: private threads in {channel.mention}; batches {when}, and "
            "at once when a request finds a waiting partner.",
            ephemeral=True,
        )

    @app_commands.command(name="request", description="Join the pool for a mock interview")
    @app_commands.describe(
        track="What to practise",
        role="Interview, be interviewed, or either (you swap halfway)",
        level="Your level, to meet someone similar",
    )
    @app_commands.guild_only()
    async def request(
        self,
        interaction: discord.Interaction[CohortBot],
        track: Track,
        role: Role,
        level: Level,
    ) -> None:
        assert interaction.guild is not None
        if await matching.settings_of(self.services.sessions, interaction.guild.id) is None:
            raise BadInput(
                "Mock interviews are not set up here yet: an organiser runs `/match setup`."
            )
        now = self.services.clock.now()
        opened = await matching.open_request(
            self.services.sessions,
            guild_id=interaction.guild.id,
            member_id=interaction.user.id,
            track=track,
            role=role,
            level=level,
            now=now,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        made = await matching.run(
            self.services.sessions, interaction.guild.id, now, member_id=interaction.user.id
        )
        await self.deliver()
        if made:
            card = await matching.card(self.services.sessions, made[0].id)
            where = f"<#{card.thread_id}>" if card and card.thread_id else "a private thread"
            text = f"Matched at once! Meet your partner in {where}."
        else:
            text = request_text(opened.request, opened.replaced)
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="status", description="Your mock-interview request or match")
    @app_commands.guild_only()
    async def status(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.guild is not None
        guild_id, member_id = interaction.guild.id, interaction.user.id
        request = await matching.current_request(self.services.sessions, guild_id, member_id)
        match = await matching.open_match(self.services.sessions, guild_id, member_id)
        now = self.services.clock.now()
        paused = await interviews.pause_of(self.services.sessions, guild_id, member_id, now)
        await interaction.response.send_message(
            status_text(request, match, now, paused), ephemeral=True
        )

    @app_commands.command(
        name="cancel", description="Leave the mock-interview pool, or call off your match"
    )
    @app_commands.guild_only()
    async def cancel(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.guild is not None
        guild_id, member_id = interaction.guild.id, interaction.user.id
        now = self.services.clock.now()
        if await matching.cancel(self.services.sessions, guild_id, member_id, now):
            await interaction.response.send_message(
                "You left the pool. `/match request` puts you back.", ephemeral=True
            )
            return
        card = await interviews.leave(self.services.sessions, guild_id, member_id, now)
        if card is None:
            raise BadInput("You have no open request or match here, so there is nothing to cancel.")
        await interaction.response.send_message(
            f"You called off mock interview #{card.id}; your partner is told in the thread. "
            "`/match request` puts you back in the pool.",
            ephemeral=True,
        )
        await cancel_event(self.bot, card)
        thread = await thread_of(self.bot, card)
        if thread is not None:
            await thread.send(left_text(card, member_id), allowed_mentions=members_only(card))
            if card.time_message_id is not None:
                await retire_time_message(thread, card.time_message_id)

    @app_commands.command(name="run", description="Run batch matching now (organisers)")
    @app_commands.guild_only()
    async def run(self, interaction: discord.Interaction[CohortBot]) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        if await matching.settings_of(self.services.sessions, interaction.guild.id) is None:
            raise BadInput("Set mock interviews up first with `/match setup`.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.services.clock.now()
        made = await matching.run(self.services.sessions, interaction.guild.id, now)
        await self.deliver()
        waiting = await matching.pool_size(self.services.sessions, interaction.guild.id, now)
        panels = sum(1 for c in made if len(c.seats) == 3)
        text = (
            f"Matched {len(made)} group{'s' if len(made) != 1 else ''} "
            f"({len(made) - panels} pair{'s' if len(made) - panels != 1 else ''}, "
            f"{panels} panel{'s' if panels != 1 else ''}); {waiting} still waiting."
        )
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="history", description="Your past mock interviews and feedback")
    @app_commands.guild_only()
    async def history(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        sessions, member_id = self.services.sessions, interaction.user.id
        found = await interviews.history(
            sessions, interaction.guild.id, member_id, self.services.clock.now()
        )
        zone = ZoneInfo(await matching.typing_zone(sessions, member_id, interaction.guild.id))
        embed = history_embed(found, interaction.user.display_name)
        chart = await asyncio.to_thread(history_chart, found, zone)  # Pillow: off the loop
        if chart is None:
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        embed.set_image(url=f"attachment://{chart.filename}")
        await interaction.followup.send(embed=embed, file=chart, ephemeral=True)


class Availability(
    commands.GroupCog, group_name="availability", group_description="When you are free"
):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services

    @app_commands.command(name="set", description="Your weekly free time, for mock interviews")
    @app_commands.guild_only()
    async def set_(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.guild is not None
        found = await matching.availability(self.services.sessions, interaction.user.id)
        zone = await matching.typing_zone(
            self.services.sessions, interaction.user.id, interaction.guild.id
        )
        # Shown again to edit, when it was typed in the zone it will be read in.
        current = describe(found[1]) if found is not None and found[0] == zone else None
        await interaction.response.send_modal(AvailabilityModal(zone, current))
