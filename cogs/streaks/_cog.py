"""/streak [member] and /profile timezone|show. Thin: the rules are in bot.domain.streaks,
the state in bot.services.streaks."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import leaderboard as board_rules
from bot.domain.errors import BadInput
from bot.domain.schedule import parse_timezone, timezone_choices
from bot.scheduling.timers import Timers
from bot.services import leaderboard, matching, milestones, streaks
from bot.services import reminders as reminder_service
from bot.ui import notices
from bot.ui.matching import availability_text
from bot.ui.streaks import board_embed, profile_embed, streak_message

if TYPE_CHECKING:
    from bot.app import CohortBot

log = logging.getLogger("cohort.streaks")
TICK_SECONDS = 60


class Streaks(commands.Cog):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.timers = Timers()

    async def cog_load(self) -> None:
        if self.services.live_timers:
            self.timers.start()
            self.timers.every("streaks:tick", TICK_SECONDS, self.tick)

    async def cog_unload(self) -> None:
        self.timers.shutdown()

    async def tick(self) -> None:
        """Apply new activity to the streaks and tell members what it did: a freeze used
        (by DM), a milestone reached (announced once, in the guild's daily channel)."""
        # Who has a kept notice, as the database says (another process may have kept it).
        box = notices.waiting(self.services)
        box |= await streaks.members_with_notices(self.services.sessions)
        for notice in await streaks.catch_up(self.services.sessions):
            if not self.bot.owns_guild(notice.guild_id):
                continue
            try:
                await self._tell(notice)
                await self._grant(notice)
            except discord.HTTPException:
                log.warning("streak notice for %s could not be sent", notice.member_id)
        for grant in await milestones.ended(self.services.sessions, self.services.clock.now()):
            if self.bot.owns_guild(grant.guild_id):
                await self._take_back(grant)
        for due in await reminder_service.due(self.services.sessions, self.services.clock.now()):
            where = ", ".join(
                f"{n} days in {getattr(self.bot.get_guild(g), 'name', 'a server')}"
                for g, n in due.streaks
            )
            try:
                await notices.dm(
                    self.bot,
                    due.member_id,
                    f"🔥 Your streak is at risk ({where}): nothing yet today, and the day ends "
                    f"<t:{int(due.midnight.timestamp())}:R>. One answer keeps it going.",
                )
            except discord.HTTPException:
                log.warning("reminder for %s could not be sent", due.member_id)

    async def _grant(self, notice: streaks.Notice) -> None:
        for days in notice.milestones:
            role_id = await milestones.role_for(self.services.sessions, notice.guild_id, days)
            guild = self.bot.get_guild(notice.guild_id)
            role = guild.get_role(role_id) if guild and role_id else None
            if guild is None or role is None:
                continue
            member = await guild.fetch_member(notice.member_id)
            await member.add_roles(role, reason=f"a {days}-day streak")
            grant = milestones.Grant(notice.guild_id, notice.member_id, days, role.id)
            await milestones.granted(self.services.sessions, grant, self.services.clock.now())

    async def _take_back(self, grant: milestones.Grant) -> None:
        guild = self.bot.get_guild(grant.guild_id)
        try:
            if guild is not None:
                member = await guild.fetch_member(grant.member_id)
                await member.remove_roles(
                    discord.Object(grant.role_id), reason=f"the {grant.days}-day streak ended"
                )
        except discord.NotFound:
            pass  # the member or the role is gone: nothing to take back
        except discord.HTTPException:
            log.warning("could not take back milestone role %s", grant.role_id)
            return
        await milestones.taken_back(self.services.sessions, grant)

    async def _tell(self, notice: streaks.Notice) -> None:
        if notice.frozen:
            days = ", ".join(f"{d:%A %d %B}" for d in notice.frozen)
            text = (
                f"❄️ A streak freeze covered {days}, so your streak lives on: {notice.current} days."
            )
            await notices.tell(self.bot, notice.member_id, notice.guild_id, text)
        if notice.milestones:
            channel_id = await streaks.announce_channel(self.services.sessions, notice.guild_id)
            channel = self.bot.text_channel(notice.guild_id, channel_id) if channel_id else None
            for days in notice.milestones:
                if channel is not None:
                    await channel.send(
                        f"🎉 <@{notice.member_id}> reached a {days}-day streak!",
                        allowed_mentions=discord.AllowedMentions.none(),
                    )

    @app_commands.command(name="streak", description="A streak and its last 26 weeks")
    @app_commands.describe(member="Whose streak (default: yours)")
    @app_commands.guild_only()
    async def streak(
        self, interaction: discord.Interaction[CohortBot], member: discord.User | None = None
    ) -> None:
        assert interaction.guild is not None
        who = member or interaction.user
        if who.bot:
            raise BadInput("Bots don't keep streaks; pick a member.")
        await interaction.response.defer(thinking=True)
        await streaks.catch_up(self.services.sessions)
        card = await streaks.card(
            self.services.sessions, who.id, interaction.guild.id, self.services.clock.now()
        )
        embed, file = streak_message(card, who.display_name)
        await interaction.followup.send(
            embed=embed, file=file, allowed_mentions=discord.AllowedMentions.none()
        )


class Boards(commands.Cog):
    """/leaderboard: top 10 and the caller's own rank."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services
        # Whether a member is still in a guild (no member list without the privileged intent).
        self._present: dict[tuple[int, int], tuple[bool, float]] = {}

    @app_commands.command(name="leaderboard", description="Top 10 of the group, and your rank")
    @app_commands.describe(board="What to rank by", period="This week, this month, or all time")
    @app_commands.choices(
        board=[app_commands.Choice(name=b, value=b) for b in board_rules.BOARDS],
        period=[app_commands.Choice(name=p, value=p) for p in board_rules.PERIODS],
    )
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction[CohortBot],
        board: str = "points",
        period: str = "week",
    ) -> None:
        assert interaction.guild is not None
        guild = interaction.guild
        await interaction.response.defer(thinking=True)
        await streaks.catch_up(self.services.sessions)
        await leaderboard.catch_up(self.services.sessions)
        result = await leaderboard.board(
            self.services.sessions,
            guild_id=interaction.guild.id,
            board=board,
            period=period,
            caller_id=interaction.user.id,
            now=self.services.clock.now(),
            present=lambda member_id: self._still_here(guild, member_id),
        )
        embed = board_embed(result, result.top)
        await interaction.followup.send(
            embed=embed, allowed_mentions=discord.AllowedMentions.none()
        )

    async def _still_here(self, guild: discord.Guild, member_id: int) -> bool:
        key, now = (guild.id, member_id), time.monotonic()
        cached = self._present.get(key)
        if cached and cached[1] > now:
            return cached[0]
        try:
            await guild.fetch_member(member_id)
            here = True
        except discord.NotFound:
            here = False
        except discord.HTTPException:
            return True  # unsure: keep them rather than hide a member who is there
        self._present[key] = (here, now + 600)
        return here


class Profile(commands.GroupCog, group_name="profile", group_description="Your settings"):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services

    @app_commands.command(name="timezone", description="Your timezone, for your streak days")
    @app_commands.describe(timezone="An IANA timezone, e.g. Europe/Berlin")
    @app_commands.guild_only()
    async def timezone(self, interaction: discord.Interaction[CohortBot], timezone: str) -> None:
        assert interaction.guild is not None
        zone = parse_timezone(timezone)
        before, after = await streaks.set_timezone(
            self.services.sessions,
            interaction.user.id,
            interaction.guild.id,
            zone.key,
            self.services.clock.now(),
        )
        text = f"Your timezone is now {zone.key}: today is {after:%A %d %B} for you."
        if (after - before).days > 1:
            text += " The days the change skipped will not count as missed."
        await interaction.response.send_message(text, ephemeral=True)

    @timezone.autocomplete("timezone")
    async def _timezones(
        self, interaction: discord.Interaction[CohortBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_choices(current)]

    reminders = app_commands.Group(name="reminders", description="A DM when your streak is at risk")

    @reminders.command(
        name="on", description="A DM before your local midnight if your streak is at risk"
    )
    @app_commands.describe(hours_before="How many hours before midnight, 1-12 (default 3)")
    async def reminders_on(
        self, interaction: discord.Interaction[CohortBot], hours_before: int = 3
    ) -> None:
        await reminder_service.set_reminders(
            self.services.sessions, interaction.user.id, hours_before, self.services.clock.now()
        )
        await interaction.response.send_message(
            f"Reminders on: if you have a streak and nothing yet on a day, I'll DM you "
            f"{hours_before} hour{'s' if hours_before != 1 else ''} before your midnight "
            "(at most once a day). Keep your DMs open for this server.",
            ephemeral=True,
        )

    @reminders.command(name="off", description="No more streak reminders")
    async def reminders_off(self, interaction: discord.Interaction[CohortBot]) -> None:
        await reminder_service.set_reminders(
            self.services.sessions, interaction.user.id, None, self.services.clock.now()
        )
        await interaction.response.send_message("Reminders off.", ephemeral=True)

    @app_commands.command(name="show", description="Your timezone and streak here")
    @app_commands.guild_only()
    async def show(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.guild is not None
        await streaks.catch_up(self.services.sessions)
        card = await streaks.card(
            self.services.sessions,
            interaction.user.id,
            interaction.guild.id,
            self.services.clock.now(),
        )
        zone = await streaks.zone_name(
            self.services.sessions, interaction.user.id, interaction.guild.id
        )
        await leaderboard.catch_up(self.services.sessions)
        numbers = await leaderboard.stats(
            self.services.sessions, interaction.guild.id, interaction.user.id
        )
        hours = await reminder_service.settings_of(self.services.sessions, interaction.user.id)
        windows = await matching.availability(self.services.sessions, interaction.user.id)
        embed = profile_embed(card, zone, numbers, hours, availability_text(windows))
        await interaction.response.send_message(embed=embed, ephemeral=True)
