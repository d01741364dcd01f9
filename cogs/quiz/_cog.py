"""/quiz start|stop, and the poster that moves rounds along.

Like the daily poster, every timer only says "look now": `tick()` asks the database what is
due (a question whose deadline has passed, the next question after the pause, a round to
finish) and does it; the conditional updates in `bot.services.quiz` make each step happen
once. Tests move an injected clock and call `tick()`; a live bot arms one timer for the next
stored event.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import quiz as rules
from bot.domain.errors import BadInput
from bot.scheduling.timers import Timers
from bot.services import quiz, quiz_answers
from bot.ui.daily import ts
from bot.ui.guards import QUIZ_CHANNEL_PERMISSIONS, is_organiser, missing_permissions
from bot.ui.quiz import closed_embed, intro_embed, question_message, results_message, with_deadline
from cogs.quiz._views import question_view

if TYPE_CHECKING:
    from bot.app import CohortBot

log = logging.getLogger("cohort.quiz")
TIMER = "quiz:tick"
NO_MENTIONS = discord.AllowedMentions.none()


class Quiz(commands.GroupCog, group_name="quiz", group_description="Live quiz rounds"):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.timers = Timers()
        self._lock = asyncio.Lock()
        self._recovered = False
        self._closed = False

    async def cog_load(self) -> None:
        if self.services.live_timers:
            self.timers.start()

    async def cog_unload(self) -> None:
        self._closed = True
        self.timers.shutdown()
        async with self._lock:
            pass

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Once per process, not on every reconnect: rounds still marked running belong to a
        # process that stopped. Their answers are all stored; close them and post them.
        await self.bot.prepared.wait()
        if self._recovered:
            return
        self._recovered = True
        async with self._lock:
            for round_id in await quiz.running(self.services.sessions):
                info = await quiz.round_info(self.services.sessions, round_id)
                if info is None or not self.bot.owns_guild(info.guild_id):
                    continue
                results = await quiz.end(
                    self.services.sessions, round_id, "interrupted", self.services.clock.now()
                )
                if results is not None:
                    await self._post_results(results)

    # ---- the poster -------------------------------------------------------------------
    async def tick(self) -> None:
        """Do every step that is due now, then arm the timer for the next one."""
        async with self._lock:
            if self._closed:
                return
            steps = await quiz.due(self.services.sessions, self.services.clock.now())
            for step in steps:
                try:
                    await self._do(step)
                except Exception:
                    log.exception("quiz step %s failed", step)
            self._arm(await quiz.next_event(self.services.sessions))

    async def _do(self, step: quiz.Step) -> None:
        now = self.services.clock.now()
        if step.kind == "open" and step.quiz_question_id is not None:
            await self._open(step.quiz_question_id)
        elif step.kind == "close" and step.quiz_question_id is not None:
            closing = await quiz.close(self.services.sessions, step.quiz_question_id, now)
            if closing is not None:
                await self._show_closed(closing)
                if closing.last:
                    results = await quiz.end(self.services.sessions, step.round_id, "finished", now)
                    if results is not None:
                        await self._post_results(results)
        elif step.kind == "finish":
            results = await quiz.end(self.services.sessions, step.round_id, "finished", now)
            if results is not None:
                await self._post_results(results)

    async def _open(self, quiz_question_id: int) -> None:
        item = await quiz.to_post(self.services.sessions, quiz_question_id)
        if item is None:
            return
        channel = self.bot.text_channel(item.round.guild_id, item.round.channel_id)
        if channel is None:
            await quiz.end(
                self.services.sessions, item.round.id, "stopped", self.services.clock.now()
            )
            return
        embed = question_message(
            item.round, item.position, item.question.prompt, item.question.choices or []
        )
        try:
            message = await channel.send(
                embed=embed,
                view=question_view(quiz_question_id, item.question),
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException as error:
            log.warning("quiz round %s could not post a question: %s", item.round.id, error)
            await quiz.end(
                self.services.sessions, item.round.id, "stopped", self.services.clock.now()
            )
            return
        deadline = await quiz.posted(
            self.services.sessions, quiz_question_id, message.id, message.created_at
        )
        await quiz_answers.shared(self.services).preload(quiz_question_id)
        # The countdown goes in once the post's time (its snowflake) fixed the deadline.
        try:
            await message.edit(embed=with_deadline(embed, f"Ends {ts(deadline, 'R')}"))
        except discord.HTTPException:
            log.warning("could not add the countdown to quiz question %s", quiz_question_id)

    async def _show_closed(self, closing: quiz.Closing) -> None:
        channel = self.bot.text_channel(closing.round.guild_id, closing.round.channel_id)
        if channel is None:
            return
        if closing.message_id is not None:
            try:
                await channel.get_partial_message(closing.message_id).edit(
                    view=question_view(closing.quiz_question_id, closing.question, closed=True)
                )
            except discord.HTTPException:
                log.warning("could not close quiz question %s", closing.quiz_question_id)
        await channel.send(embed=closed_embed(closing), allowed_mentions=NO_MENTIONS)

    async def _post_results(self, results: quiz.Results) -> None:
        channel = self.bot.text_channel(results.round.guild_id, results.round.channel_id)
        if channel is None:
            return
        for cut in results.cut:  # the question on screen when the round was stopped
            try:
                await channel.get_partial_message(cut.message_id).edit(
                    view=question_view(cut.quiz_question_id, cut.question, closed=True)
                )
            except discord.HTTPException:
                log.warning("could not close quiz question %s", cut.quiz_question_id)
        embed, file = results_message(results)
        try:
            await channel.send(embed=embed, file=file, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("quiz round %s results could not be posted: %s", results.round.id, error)

    def _arm(self, when: datetime | None) -> None:
        if not self.services.live_timers:
            return
        if when is None:
            self.timers.cancel(TIMER)
        else:
            self.timers.set(TIMER, when, self.tick)

    # ---- commands ---------------------------------------------------------------------
    @app_commands.command(name="start", description="Start a live quiz round in this channel")
    @app_commands.describe(
        topic="A track or topic (default: everything)",
        questions="How many questions, 1-25 (default 10)",
        seconds="Seconds per question, 5-120 (default 20)",
        speed_bonus="Faster correct answers earn more (default on)",
    )
    @app_commands.guild_only()
    async def start(
        self,
        interaction: discord.Interaction[CohortBot],
        topic: str | None = None,
        questions: int = rules.DEFAULT_QUESTIONS,
        seconds: int = rules.DEFAULT_SECONDS,
        speed_bonus: bool = True,
    ) -> None:
        assert interaction.guild is not None and interaction.channel is not None
        if not isinstance(interaction.channel, discord.TextChannel):
            raise BadInput("Quiz rounds run in a server's text channels, not in threads.")
        missing = missing_permissions(
            interaction.channel, interaction.guild.me, QUIZ_CHANNEL_PERMISSIONS
        )
        if missing:
            raise BadInput(
                f"I can't run a round in {interaction.channel.mention}: I am missing "
                f"{', '.join(missing)} there. Ask an organiser to fix it, or play elsewhere."
            )
        info = await quiz.start(
            self.services.sessions,
            guild_id=interaction.guild.id,
            channel_id=interaction.channel.id,
            host_id=interaction.user.id,
            topic=topic,
            questions=questions,
            seconds=seconds,
            speed_bonus=speed_bonus,
            now=self.services.clock.now(),
        )
        await interaction.response.send_message(
            embed=intro_embed(info, interaction.user.mention), allowed_mentions=NO_MENTIONS
        )
        self._arm(info.first_at)

    @start.autocomplete("topic")
    async def _topic(
        self, interaction: discord.Interaction[CohortBot], current: str
    ) -> list[app_commands.Choice[str]]:
        names = await quiz.topics(self.services.sessions)
        typed = current.strip().lower()
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names if typed in n][:25]

    @app_commands.command(
        name="stop", description="End this channel's round now (host or organiser)"
    )
    @app_commands.guild_only()
    async def stop(self, interaction: discord.Interaction[CohortBot]) -> None:
        assert interaction.channel is not None
        async with self._lock:
            results = await quiz.stop(
                self.services.sessions,
                channel_id=interaction.channel.id,
                member_id=interaction.user.id,
                organiser=is_organiser(interaction),
                now=self.services.clock.now(),
            )
            await interaction.response.send_message(
                "Round stopped; the standings so far are below.", ephemeral=True
            )
            await self._post_results(results)
