"""The buttons, selects and modal of a mock-interview session, and what the minute sweep posts.

Every button's custom id carries the match (and, for Accept, the slot it accepts), so it works
from the database alone after any restart, and a stale Accept of a time since changed is
refused rather than accepted. The rules and the state are in bot.services.interviews.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.app import report_error
from bot.domain import interviews as rules
from bot.domain.errors import BadInput
from bot.services import interviews, matching
from bot.services.matching import MatchCard
from bot.ui import notices
from bot.ui.interviews import (
    accepted_text,
    confirmed_text,
    ended_text,
    feedback_embed,
    feedback_intro,
    happened_text,
    lapsed_text,
    missed_text,
    new_time_text,
    pause_text,
    reminder_dm,
    reminder_text,
    reported_text,
    slot_label,
)
from cogs.matching._views import FromIds, PacketButton

if TYPE_CHECKING:
    from bot.app import CohortBot

log = logging.getLogger("cohort.interviews")
NOBODY = "nobody"


def members_only(card: MatchCard) -> discord.AllowedMentions:
    return discord.AllowedMentions(users=[discord.Object(m) for m in card.member_ids])


async def thread_of(bot: CohortBot, card: MatchCard) -> discord.Thread | None:
    if card.thread_id is None:
        return None
    guild = bot.get_guild(card.guild_id)
    found = guild.get_thread(card.thread_id) if guild else None
    if found is not None:
        return found
    try:
        channel = await bot.fetch_channel(card.thread_id)
    except discord.HTTPException:
        return None
    return channel if isinstance(channel, discord.Thread) else None


async def names(interaction: discord.Interaction[Any], ids: tuple[int, ...]) -> dict[int, str]:
    """Display names for labels (plain text, where mentions do not render)."""
    out = {}
    guild = interaction.guild
    for member_id in ids:
        member = guild.get_member(member_id) if guild else None
        if member is None and guild is not None:
            try:
                member = await guild.fetch_member(member_id)
            except discord.HTTPException:
                member = None
        out[member_id] = member.display_name if member else f"member {member_id}"
    return out


def slot_view(card: MatchCard) -> discord.ui.View:
    """Accept the time proposed now, or pick another."""
    view = discord.ui.View(timeout=None)
    view.add_item(AcceptButton(card.id, int(card.slot[0].timestamp())))
    view.add_item(OtherTimeButton(card.id))
    return view


def outcome_view(match_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(HappenedButton(match_id))
    view.add_item(MissedButton(match_id))
    return view


# ---- the minute sweep ----------------------------------------------------------------------


async def post_sweep(bot: CohortBot, found: interviews.Sweep) -> None:
    """Send what the sweep claimed: reminders (thread and DM), the "did it happen?" prompt,
    lapses. Each was claimed before this, so a failure here loses a message, never doubles it."""
    for card, kind in found.reminders:
        thread = await thread_of(bot, card)
        try:
            if thread is not None:
                await thread.send(reminder_text(card, kind), allowed_mentions=members_only(card))
            for member_id in card.member_ids:
                await notices.dm(bot, member_id, reminder_dm(card, kind))
        except discord.HTTPException:
            log.warning("match %s: the %s reminder failed", card.id, kind, exc_info=True)
    for card in found.ended:
        thread = await thread_of(bot, card)
        if thread is None:
            continue
        try:
            await thread.send(
                ended_text(card), view=outcome_view(card.id), allowed_mentions=members_only(card)
            )
        except discord.HTTPException:
            log.warning("match %s: the outcome prompt failed", card.id, exc_info=True)
    for card in found.lapsed:
        thread = await thread_of(bot, card)
        if thread is None:
            continue
        try:
            await thread.send(lapsed_text(card), allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("match %s: the lapse notice failed", card.id, exc_info=True)


async def tell_pause(bot: CohortBot, pause: interviews.Pause) -> None:
    guild = bot.get_guild(pause.guild_id)
    try:
        await notices.tell(
            bot,
            pause.member_id,
            pause.guild_id,
            pause_text(pause, guild.name if guild else "a server"),
        )
    except discord.HTTPException:
        log.warning("pause notice for %s could not be sent", pause.member_id)


async def retire_time_message(thread: discord.Thread, message_id: int) -> None:
    """A time no longer proposed loses its Accept and Pick buttons (the packet's stays), so
    nobody presses a stale one."""
    try:
        message = await thread.fetch_message(message_id)
        view = discord.ui.View(timeout=None)
        for row in message.components:
            for item in getattr(row, "children", ()):
                found = re.fullmatch(r"match:packet:(\d+)", getattr(item, "custom_id", "") or "")
                if found:
                    view.add_item(PacketButton(int(found[1])))
        await message.edit(view=view if view.children else None)
    except discord.HTTPException:
        log.warning("the old time message %s could not be updated", message_id, exc_info=True)


async def schedule_event(bot: CohortBot, card: MatchCard) -> None:
    """A server event for a confirmed session, so it shows in members' calendars of the
    server. It names the track, not the members; its location is the private thread, which
    only they can open. Skipped without Create Events."""
    guild = bot.get_guild(card.guild_id)
    if guild is None or card.thread_id is None:
        return
    rights = guild.me.guild_permissions
    if not (rights.create_events or rights.manage_events):
        return
    start, end = card.slot
    where = f"https://discord.com/channels/{card.guild_id}/{card.thread_id}"
    try:
        if card.event_id is not None:
            try:
                event = await guild.fetch_scheduled_event(card.event_id)
                await event.edit(start_time=start, end_time=end)
                return
            except discord.NotFound:
                pass  # deleted by someone: make a new one
        event = await guild.create_scheduled_event(
            name=f"Mock interview · {card.track}"[:100],
            description="A peer mock interview. Its members meet in their private thread.",
            start_time=start,
            end_time=end,
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location=where,
        )
    except discord.HTTPException:
        log.warning("match %s: its scheduled event could not be made", card.id, exc_info=True)
        return
    await interviews.set_event(bot.services.sessions, card.id, event.id)


async def cancel_event(bot: CohortBot, card: MatchCard) -> None:
    """A new time is being agreed: the old event goes until it is confirmed again."""
    guild = bot.get_guild(card.guild_id)
    if guild is None or card.event_id is None:
        return
    try:
        event = await guild.fetch_scheduled_event(card.event_id)
        await event.delete()
    except discord.NotFound:
        pass
    except discord.HTTPException:
        log.warning("match %s: its scheduled event could not be removed", card.id, exc_info=True)
        return
    await interviews.set_event(bot.services.sessions, card.id, None)


# ---- the time ------------------------------------------------------------------------------


class AcceptButton(
    FromIds,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"match:accept:(?P<match>\d+):(?P<start>\d+)",
):
    def __init__(self, match_id: int, start: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Accept this time",
                style=discord.ButtonStyle.success,
                custom_id=f"match:accept:{match_id}:{start}",
            )
        )
        self.match_id, self.start = match_id, start

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            done = await interviews.accept(
                services.sessions,
                self.match_id,
                interaction.user.id,
                self.start,
                services.clock.now(),
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        await interaction.response.send_message(accepted_text(done), ephemeral=True)
        if done.confirmed:
            thread = await thread_of(interaction.client, done.card)
            if thread is not None:
                await thread.send(
                    confirmed_text(done.card), allowed_mentions=members_only(done.card)
                )
            await schedule_event(interaction.client, done.card)
        await notices.deliver(interaction)


class OtherTimeButton(
    FromIds, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"match:times:(?P<match>\d+)"
):
    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Pick another time",
                style=discord.ButtonStyle.secondary,
                custom_id=f"match:times:{match_id}",
            )
        )
        self.match_id = match_id

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            zone, options = await interviews.slot_choices(
                services.sessions, self.match_id, interaction.user.id, services.clock.now()
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(SlotSelect(self.match_id, options, zone))
        await interaction.response.send_message(
            f"Hours you are all free in the next 7 days, shown in {zone.key}:",
            view=view,
            ephemeral=True,
        )


class SlotSelect(
    FromIds, discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"match:pick:(?P<match>\d+)"
):
    def __init__(self, match_id: int, options: list[Any] | None = None, zone: Any = None) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"match:pick:{match_id}",
            placeholder="Pick a new time",
            options=[
                discord.SelectOption(label=slot_label(o, zone), value=str(int(o[0].timestamp())))
                for o in options or []
            ]
            or [discord.SelectOption(label="-", value="0")],
        )
        super().__init__(select)
        self.match_id = match_id

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            start = int(self.item.values[0])
            card = await interviews.choose_slot(
                services.sessions, self.match_id, interaction.user.id, start, services.clock.now()
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        await interaction.response.edit_message(
            content="Proposed. The others are asked to accept it in the thread.", view=None
        )
        await cancel_event(interaction.client, card)
        thread = await thread_of(interaction.client, card)
        if thread is not None:
            posted = await thread.send(
                new_time_text(card, interaction.user.id),
                view=slot_view(card),
                allowed_mentions=members_only(card),
            )
            await interviews.set_time_message(services.sessions, card.id, posted.id)
            if card.time_message_id is not None:
                await retire_time_message(thread, card.time_message_id)
        await notices.deliver(interaction)


# ---- after the slot ------------------------------------------------------------------------


class HappenedButton(
    FromIds,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"match:happened:(?P<match>\d+)",
):
    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="It happened",
                style=discord.ButtonStyle.success,
                custom_id=f"match:happened:{match_id}",
            )
        )
        self.match_id = match_id

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            done = await interviews.happened(
                services.sessions, self.match_id, interaction.user.id, services.clock.now()
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        partner_names = await names(interaction, done.partners)
        view = discord.ui.View(timeout=None)
        for member_id, name in partner_names.items():
            if member_id not in done.rated:
                view.add_item(FeedbackButton(self.match_id, member_id, name))
        await interaction.response.send_message(
            happened_text(partner_names, done.rated, done.disputed),
            view=view,
            ephemeral=True,
        )
        if done.lifted is not None:
            await tell_pause(interaction.client, done.lifted)
        await notices.deliver(interaction)


class MissedButton(
    FromIds, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"match:missed:(?P<match>\d+)"
):
    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="It didn't happen",
                style=discord.ButtonStyle.danger,
                custom_id=f"match:missed:{match_id}",
            )
        )
        self.match_id = match_id

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            card = await interviews.check_can_report_missed(
                services.sessions, self.match_id, interaction.user.id, services.clock.now()
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        others = tuple(m for m in card.member_ids if m != interaction.user.id)
        view = discord.ui.View(timeout=None)
        view.add_item(AbsentSelect(self.match_id, await names(interaction, others)))
        await interaction.response.send_message(
            "Sorry it didn't happen. Who did not show? (A report counts unless they say it "
            "happened.)",
            view=view,
            ephemeral=True,
        )


class AbsentSelect(
    FromIds, discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"match:absent:(?P<match>\d+)"
):
    def __init__(self, match_id: int, others: dict[int, str] | None = None) -> None:
        options = [
            discord.SelectOption(label=f"{name} did not show"[:100], value=str(member_id))
            for member_id, name in (others or {}).items()
        ]
        options.append(
            discord.SelectOption(label="Nobody: we called it off together", value=NOBODY)
        )
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"match:absent:{match_id}",
            placeholder="Who did not show?",
            min_values=1,
            max_values=len(options),
            options=options,
        )
        super().__init__(select)
        self.match_id = match_id

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        chosen = list(self.item.values)
        try:
            if NOBODY in chosen and len(chosen) > 1:
                raise BadInput("Pick the members who did not show, or “Nobody”, not both.")
            absent = [int(v) for v in chosen if v != NOBODY]
            done = await interviews.missed(
                services.sessions, self.match_id, interaction.user.id, absent, services.clock.now()
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        await interaction.response.edit_message(content=missed_text(done), view=None)
        for member_id in done.counted:
            try:
                await notices.tell(
                    interaction.client,
                    member_id,
                    done.card.guild_id,
                    reported_text(done.card, interaction.user.id),
                )
            except discord.HTTPException:
                log.warning("no-show notice for %s could not be sent", member_id)
        for pause in done.paused:
            await tell_pause(interaction.client, pause)
        await notices.deliver(interaction)


# ---- feedback ------------------------------------------------------------------------------


class FeedbackButton(
    FromIds,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"match:rate:(?P<match>\d+):(?P<subject>\d+)",
):
    def __init__(self, match_id: int, subject_id: int, name: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Feedback for {name}"[:80] if name else "Give feedback",
                style=discord.ButtonStyle.primary,
                custom_id=f"match:rate:{match_id}:{subject_id}",
            )
        )
        self.match_id, self.subject_id, self.name = match_id, subject_id, name

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        name = self.name or (await names(interaction, (self.subject_id,)))[self.subject_id]
        await interaction.response.send_modal(FeedbackModal(self.match_id, self.subject_id, name))


class FeedbackModal(discord.ui.Modal):
    """Three rubric items, 1-4 each, as selects (a modal's Label holds one since discord.py
    2.6), and an optional comment."""

    def __init__(self, match_id: int, subject_id: int, name: str) -> None:
        super().__init__(
            title=f"Feedback for {name}"[:45], custom_id=f"match:feedback:{match_id}:{subject_id}"
        )
        self.match_id, self.subject_id = match_id, subject_id
        self.scores: dict[str, discord.ui.Select[Any]] = {}
        for key, label in rules.RUBRIC:
            select: discord.ui.Select[Any] = discord.ui.Select(
                custom_id=key,
                placeholder="1 to 4",
                options=[
                    discord.SelectOption(label=f"{n} · {word}", value=str(n))
                    for n, word in rules.SCORES.items()
                ],
            )
            self.scores[key] = select
            self.add_item(discord.ui.Label(text=label, component=select))
        self.comment: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="comment",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=1000,
            placeholder="What went well, and one thing to work on",
        )
        self.add_item(discord.ui.Label(text="Comment (optional)", component=self.comment))

    async def on_submit(self, interaction: discord.Interaction[CohortBot]) -> None:  # type: ignore[override]
        services = interaction.client.services
        try:
            # Discord requires each select and offers only 1-4; the service checks again.
            scores = {key: int(select.values[0]) for key, select in self.scores.items()}
            feedback = await interviews.give_feedback(
                services.sessions,
                self.match_id,
                interaction.user.id,
                self.subject_id,
                scores,
                str(self.comment.value or ""),
                services.clock.now(),
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        await interaction.response.send_message(
            f"Thanks! Your feedback went to <@{self.subject_id}> privately.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await deliver_feedback(interaction.client, feedback)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[CohortBot], error: Exception
    ) -> None:
        await report_error(interaction, error)


async def deliver_feedback(bot: CohortBot, feedback: interviews.Feedback) -> None:
    """To the person it is about only: by DM, else a note in the thread whose button shows it
    to them alone."""
    services = bot.services
    try:
        sent = await notices.dm(
            bot, feedback.subject_id, feedback_intro(feedback), embed=feedback_embed(feedback)
        )
    except discord.HTTPException:
        sent = False
    how = "dm"
    if not sent:
        how = "thread"
        card = await matching.card(services.sessions, feedback.match_id)
        thread = await thread_of(bot, card) if card else None
        if thread is not None:
            view = discord.ui.View(timeout=None)
            view.add_item(ShowFeedbackButton(feedback.match_id))
            await thread.send(
                f"<@{feedback.subject_id}>, you have new feedback from this session. Press "
                "**Show my feedback**: only you will see it.",
                view=view,
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(feedback.subject_id)]
                ),
            )
    await interviews.mark_delivered(
        services.sessions, feedback.match_id, feedback.author_id, feedback.subject_id, how
    )


class ShowFeedbackButton(
    FromIds,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"match:myfeedback:(?P<match>\d+)",
):
    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show my feedback",
                style=discord.ButtonStyle.secondary,
                custom_id=f"match:myfeedback:{match_id}",
            )
        )
        self.match_id = match_id

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            found = await interviews.feedback_for(
                services.sessions, self.match_id, interaction.user.id
            )
            if not found:
                raise BadInput("There is no feedback for you in this session yet.")
        except Exception as error:
            await report_error(interaction, error)
            return
        await interaction.response.send_message(
            f"Your feedback from mock interview #{self.match_id} ({found[0].track}):",
            embeds=[feedback_embed(f) for f in found[:10]],
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


DYNAMIC_ITEMS = (
    AcceptButton,
    OtherTimeButton,
    SlotSelect,
    HappenedButton,
    MissedButton,
    AbsentSelect,
    FeedbackButton,
    ShowFeedbackButton,
)
