"""The /daily commands, and the poster that turns claims into messages and reveals.

Every timer here only says "look now": `sweep()` asks the database what is due (a post whose
local time has passed, a reveal whose time has come, a claim whose sender died) and does it.
Timers, `/daily now`, start-up and the minute sweep may all call it; the claims in
`bot.services.daily` make each post and reveal happen once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import BadInput, NotFound
from bot.domain.schedule import parse_hhmm, parse_timezone, timezone_choices
from bot.scheduling.timers import Timers
from bot.services import daily, streaks
from bot.services.daily import ExistingPost, PostPlan
from bot.ui.daily import post_embed, reveal_embed, status_embed, ts
from bot.ui.guards import DAILY_CHANNEL_PERMISSIONS, missing_permissions, require_organiser
from cogs.daily._views import answer_view

if TYPE_CHECKING:
    from bot.app import CohortBot

log = logging.getLogger("cohort.daily")
SWEEP_SECONDS = 60
# Guilds one sweep posts (or reveals) at once; see `Daily.sweep`. About the default pool
# (15 connections): more would only queue for a connection or for SQLite's write lock.
SWEEP_CONCURRENCY = 16
# Guilds claimed in one transaction: large enough that the claim's few queries cost little per
# post, small enough that the first posts of a big minute go out without waiting for the rest.
CLAIM_BATCH = 250
Difficulty = Literal["easy", "medium", "hard"]


class Daily(commands.GroupCog, group_name="daily", group_description="The question of the day"):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.timers = Timers()
        self._lock = asyncio.Lock()
        self._closed = False

    # ---- lifecycle --------------------------------------------------------------------
    async def cog_load(self) -> None:
        if self.services.live_timers:
            self.timers.start()
            self.timers.every("daily:sweep", SWEEP_SECONDS, self.sweep)

    async def cog_unload(self) -> None:
        # No new sweep starts, and a running one (start-up catch-up, a timer) finishes before
        # the bot closes its database: none is cut off holding a connection.
        self._closed = True
        self.timers.shutdown()
        async with self._lock:
            pass

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Catch up what was due while the bot was down, then arm tonight's timers.
        await self.bot.prepared.wait()
        await self.sweep()

    # ---- the poster -------------------------------------------------------------------
    async def sweep(self) -> None:
        """Do everything that is due now, then arm the timer for each guild's next post.

        Guilds are independent (each post and each reveal is its own claim in the database),
        so up to SWEEP_CONCURRENCY of them are handled at once: 2,000 guilds due at the same
        minute do not queue behind one another. The phases keep their order (due reveals,
        then unfinished reveals, then posts), and the lock still keeps two sweeps, or a sweep
        and `/daily now|reveal`, apart. A failure in one guild is logged and the others go on.
        """
        async with self._lock:
            if self._closed:
                return
            gate = asyncio.Semaphore(SWEEP_CONCURRENCY)
            now = self.services.clock.now()

            async def bounded(work: Callable[[], Awaitable[object]], what: str) -> None:
                async with gate:
                    try:
                        await work()
                    except Exception:
                        log.exception("daily %s failed", what)

            due = await daily.due_reveals(self.services.sessions, now)
            await asyncio.gather(
                *(
                    bounded(partial(self._reveal, post_id), f"reveal of post {post_id}")
                    for post_id, guild_id in due
                    if self.bot.owns_guild(guild_id)
                )
            )
            unfinished = await daily.unfinished_reveals(self.services.sessions, now)
            await asyncio.gather(
                *(
                    bounded(partial(self._send_reveal, plan), f"reveal of post {plan.post_id}")
                    for plan in unfinished
                    if self.bot.owns_guild(plan.guild_id)
                )
            )
            everyone = [
                s
                for s in await daily.all_settings(self.services.sessions)
                if self.bot.owns_guild(s.guild_id)
            ]
            # Claims go in batches (one transaction each), sends at SWEEP_CONCURRENCY at once,
            # and each batch's sent posts are marked in one statement.
            for start in range(0, len(everyone), CLAIM_BATCH):
                try:
                    await self._post_batch(everyone[start : start + CLAIM_BATCH], bounded)
                except Exception:  # a claim that fails is retried by the next sweep
                    log.exception("daily posts of %d guilds failed", CLAIM_BATCH)
            for settings in everyone:
                self.arm(settings)

    async def _post_batch(
        self,
        batch: list[daily.DailySettings],
        bounded: Callable[[Callable[[], Awaitable[object]], str], Awaitable[None]],
    ) -> None:
        claimed = await daily.claim_due(self.services.sessions, batch, self.services.clock.now())
        sent: list[tuple[int, int]] = []
        await asyncio.gather(
            *(
                bounded(partial(self._deliver, plan, sent), f"post {plan.post_id}")
                for plan in claimed.values()
                if isinstance(plan, PostPlan)
            )
        )
        await daily.mark_posted_many(self.services.sessions, sent, self.services.clock.now())
        for guild_id, result in claimed.items():
            if result is None:
                log.warning("guild %s: no question matches its daily filter", guild_id)

    def arm(self, settings: daily.DailySettings) -> None:
        key = f"daily:post:{settings.guild_id}"
        if settings.paused or not self.services.live_timers:
            self.timers.cancel(key)
            return
        self.timers.set(key, settings.next_post(self.services.clock.now()), self.sweep)

    async def _post(self, guild_id: int, *, force: bool) -> PostPlan | ExistingPost | None:
        result = await daily.claim(
            self.services.sessions, guild_id, self.services.clock.now(), force=force
        )
        if not isinstance(result, PostPlan):
            return result
        sent: list[tuple[int, int]] = []
        failed = await self._deliver(result, sent)
        await daily.mark_posted_many(self.services.sessions, sent, self.services.clock.now())
        return failed or result

    async def _deliver(self, plan: PostPlan, sent: list[tuple[int, int]]) -> ExistingPost | None:
        """Send a claimed post (or find it, when a dead process may have sent it) and add
        (post id, message id) to `sent` for the caller to mark posted. A failed send is marked
        failed, the organisers are told, and the failure is returned."""
        # "At the next post, whichever first": yesterday's question closes before today's opens.
        for older in plan.older_open:
            await self._reveal(older)
        channel = self.bot.text_channel(plan.guild_id, plan.channel_id)
        if plan.recover and channel is not None:
            found = await self._find_sent(channel, plan.post_id)
            if found is not None:
                sent.append((plan.post_id, found.id))
                return None
        try:
            if channel is None:
                raise NotFound("the daily channel no longer exists")
            content = f"<@&{plan.ping_role_id}>" if plan.ping_role_id else None
            message = await channel.send(
                content=content,
                embed=post_embed(plan.question, reveal_at=plan.reveal_at),
                view=answer_view(plan.post_id, plan.question),
                allowed_mentions=discord.AllowedMentions(
                    roles=[discord.Object(plan.ping_role_id)] if plan.ping_role_id else False
                ),
            )
        except (discord.HTTPException, NotFound) as error:
            reason = _reason(error)
            now = self.services.clock.now()
            await daily.mark_failed(self.services.sessions, plan.post_id, reason, now)
            await self._tell_organisers(
                plan.guild_id,
                f"Today's daily question could not be posted in <#{plan.channel_id}>: {reason}. "
                "Fix it and use `/daily now` to try again today.",
                avoid=plan.channel_id,
            )
            log.warning("daily post %s failed: %s", plan.post_id, reason)
            return ExistingPost(plan.post_id, plan.channel_id, None, "failed")
        sent.append((plan.post_id, message.id))
        return None

    async def _find_sent(
        self, channel: discord.TextChannel, post_id: int
    ) -> discord.Message | None:
        """A claim whose sender died may have been sent: look before sending it again."""
        marker = f":{post_id}"
        try:
            async for message in channel.history(limit=50):
                if message.author.id != getattr(self.bot.user, "id", None):
                    continue
                for row in message.components:
                    for child in getattr(row, "children", []):
                        cid = getattr(child, "custom_id", "") or ""
                        if cid.startswith("daily:") and (
                            cid.endswith(marker) or f"{marker}:" in cid
                        ):
                            return message
        except discord.HTTPException:
            log.warning("could not read the history of channel %s", channel.id, exc_info=True)
        return None

    async def _reveal(self, post_id: int) -> daily.RevealPlan | None:
        plan = await daily.reveal(self.services.sessions, post_id, self.services.clock.now())
        if plan is not None:
            await self._send_reveal(plan)
        return plan

    async def _send_reveal(self, plan: daily.RevealPlan) -> None:
        """Close the post, open its thread and post the key there. Safe to repeat after a
        crash: an existing thread (Discord gives it the message's id) is reused, and a reveal
        already in it is not sent again."""
        channel = self.bot.text_channel(plan.guild_id, plan.channel_id)
        if channel is None:
            log.warning("daily post %s revealed, but its channel is gone", plan.post_id)
            return
        embed, file = reveal_embed(plan)
        try:
            if plan.message_id is None:
                await channel.send(embed=embed, files=[file] if file else [])
                return
            message = channel.get_partial_message(plan.message_id)
            await message.edit(
                embed=post_embed(plan.question, reveal_at=None, closed=True),
                view=answer_view(plan.post_id, plan.question, closed=True),
            )
            try:
                thread = await message.create_thread(
                    name=f"Daily {plan.local_date:%d %b}: discussion", auto_archive_duration=1440
                )
            except discord.HTTPException as error:
                if error.code != 160004:  # "a thread has already been created for this message"
                    raise
                thread = await self.bot.fetch_channel(plan.message_id)  # type: ignore[assignment]
                if await self._already_revealed(thread):  # type: ignore[arg-type]
                    await daily.set_thread(self.services.sessions, plan.post_id, thread.id)
                    return
            await thread.send(embed=embed, files=[file] if file else [])
            await daily.set_thread(self.services.sessions, plan.post_id, thread.id)
        except discord.HTTPException as error:
            log.warning("reveal of daily post %s could not be sent: %s", plan.post_id, error)
            await self._tell_organisers(
                plan.guild_id, f"The daily reveal could not be posted: {_reason(error)}."
            )

    async def _already_revealed(self, thread: discord.Thread) -> bool:
        async for message in thread.history(limit=20):
            if message.author.id == getattr(self.bot.user, "id", None) and any(
                e.title == "Answer of the day" for e in message.embeds
            ):
                return True
        return False

    async def _tell_organisers(self, guild_id: int, text: str, *, avoid: int | None = None) -> None:
        """Problems go to the log channel, else the daily channel (unless that is the problem)."""
        _, log_channel = await daily.guild_config(self.services.sessions, guild_id)
        settings = await daily.get_settings(self.services.sessions, guild_id)
        targets = [log_channel, settings.channel_id if settings else None]
        for channel_id in targets:
            if channel_id is None or channel_id == avoid:
                continue
            channel = self.bot.text_channel(guild_id, channel_id)
            if channel is not None:
                try:
                    await channel.send(text[:2000])
                    return
                except discord.HTTPException:
                    continue
        log.warning("guild %s: %s (no channel to tell the organisers in)", guild_id, text)

    # ---- commands ---------------------------------------------------------------------
    @app_commands.command(name="setup", description="Post one question a day (organisers)")
    @app_commands.describe(
        channel="Where the question is posted",
        time="Local time, HH:MM on a 24-hour clock",
        timezone="IANA timezone, e.g. Europe/Berlin",
        topics="Comma-separated tracks or topics (empty: all)",
        difficulty="Only this difficulty (empty: any)",
        reveal_hours="Hours from the post to the reveal (1–48, default 24)",
        ping_role="A role to mention with each post",
    )
    @app_commands.guild_only()
    async def setup(
        self,
        interaction: discord.Interaction[CohortBot],
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        topics: str | None = None,
        difficulty: Difficulty | None = None,
        reveal_hours: app_commands.Range[int, 1, 48] = 24,
        ping_role: discord.Role | None = None,
    ) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        at = parse_hhmm(time)
        zone = parse_timezone(timezone)
        me = interaction.guild.me
        missing = missing_permissions(channel, me, DAILY_CHANNEL_PERMISSIONS)
        if missing:
            raise BadInput(
                f"I can't post the daily question in {channel.mention}: I am missing "
                f"{', '.join(missing)} there. Grant it, or pick another channel."
            )
        if ping_role is not None and ping_role.is_default():
            raise BadInput("Pick a role to ping, not @everyone.")
        tracks, names = await daily.bank_topics(self.services.sessions)
        chosen = daily.parse_topics(topics, tracks, names)
        old_zone, _ = await daily.guild_config(self.services.sessions, interaction.guild.id)
        settings = await daily.configure(
            self.services.sessions,
            guild_id=interaction.guild.id,
            channel_id=channel.id,
            post_time=at,
            timezone=zone.key,
            topics=chosen,
            difficulty=difficulty,
            reveal_hours=reveal_hours,
            ping_role_id=ping_role.id if ping_role else None,
            now=self.services.clock.now(),
        )
        # Streaks counted in the server's timezone follow it, as with /config timezone.
        await streaks.guild_timezone_changed(
            self.services.sessions,
            interaction.guild.id,
            old_zone,
            zone.key,
            self.services.clock.now(),
        )
        self.arm(settings)
        nxt = settings.next_post(self.services.clock.now())
        await interaction.response.send_message(
            f"Daily question set: {channel.mention} at {at:%H:%M} {zone.key}, reveal after "
            f"{reveal_hours} h; topics: {', '.join(chosen) or 'all'}; difficulty: "
            f"{difficulty or 'any'}. First post {ts(nxt)} ({ts(nxt, 'f')}).",
            ephemeral=True,
        )

    @setup.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: discord.Interaction[CohortBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_choices(current)]

    @setup.autocomplete("topics")
    async def _topic_choices(
        self, interaction: discord.Interaction[CohortBot], current: str
    ) -> list[app_commands.Choice[str]]:
        tracks, names = await daily.bank_topics(self.services.sessions)
        return [
            app_commands.Choice(name=n, value=n)
            for n in daily.topic_suggestions(current, tracks, names)
        ]

    @app_commands.command(name="now", description="Post today's question now (organisers)")
    @app_commands.guild_only()
    async def now(self, interaction: discord.Interaction[CohortBot]) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self._lock:
            result = await self._post(interaction.guild.id, force=True)
        if isinstance(result, PostPlan):
            text = f"Posted today's question in <#{result.channel_id}>."
        elif isinstance(result, ExistingPost) and result.status == "failed":
            text = (
                f"I could not post in <#{result.channel_id}>; the reason is in the log channel. "
                "Fix it and try again."
            )
        elif isinstance(result, ExistingPost):
            link = (
                f"https://discord.com/channels/{interaction.guild.id}/{result.channel_id}/"
                f"{result.message_id}"
                if result.message_id
                else f"<#{result.channel_id}>"
            )
            text = f"Today's question is already posted: {link}"
        else:
            text = "Nothing to post."
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(
        name="reveal", description="Reveal the current question early (organisers)"
    )
    @app_commands.guild_only()
    async def reveal(self, interaction: discord.Interaction[CohortBot]) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        post_id = await daily.current_open(self.services.sessions, interaction.guild.id)
        if post_id is None:
            raise NotFound("There is no open daily question to reveal.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self._lock:
            plan = await self._reveal(post_id)
        text = "Revealed." if plan else "It was revealed a moment ago."
        if plan:
            text = f"Revealed in <#{plan.channel_id}>: {plan.answered} answered."
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="pause", description="Stop posting the daily question (organisers)")
    @app_commands.guild_only()
    async def pause(self, interaction: discord.Interaction[CohortBot]) -> None:
        await self._set_paused(interaction, True)

    @app_commands.command(name="resume", description="Start posting again (organisers)")
    @app_commands.guild_only()
    async def resume(self, interaction: discord.Interaction[CohortBot]) -> None:
        await self._set_paused(interaction, False)

    async def _set_paused(self, interaction: discord.Interaction[CohortBot], paused: bool) -> None:
        require_organiser(interaction)
        assert interaction.guild is not None
        now = self.services.clock.now()
        changed = await daily.set_paused(self.services.sessions, interaction.guild.id, paused, now)
        settings = await daily.get_settings(self.services.sessions, interaction.guild.id)
        assert settings is not None
        self.arm(settings)
        if paused:
            text = (
                "Paused: no daily question until `/daily resume`." if changed else "Already paused."
            )
        else:
            nxt = settings.next_post(now)
            text = f"Resumed: next post {ts(nxt)}." if changed else "It is not paused."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="status", description="Where and when the daily question comes")
    @app_commands.guild_only()
    async def status(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.guild is not None
        result = await daily.status(
            self.services.sessions, interaction.guild.id, self.services.clock.now()
        )
        embed = status_embed(result, f"<#{result.settings.channel_id}>")
        await interaction.response.send_message(embed=embed, ephemeral=True)


def _reason(error: BaseException) -> str:
    if isinstance(error, discord.Forbidden):
        return "I am missing a permission there (403)"
    if isinstance(error, discord.NotFound):
        return "the channel no longer exists (404)"
    if isinstance(error, NotFound):
        return error.message
    return f"Discord answered {getattr(error, 'status', '?')}"
