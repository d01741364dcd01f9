"""What a mock-interview session shows after the match: the time proposed and confirmed,
reminders, "did it happen?", feedback and the member's history. Text, embeds and the trend
picture; the cog sends them."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.domain import interviews as rules
from bot.domain.schedule import ts
from bot.services.interviews import Accepted, Feedback, History, Missed, Pause
from bot.services.matching import MatchCard
from bot.ui.trends import trend_chart

ROLE_NAMES = {"candidate": "candidate", "interviewer": "interviewer", "both": "both roles"}
OUTCOMES = {
    "happened": "✅ happened",
    "missed": "❌ didn't happen",
    "no-show": "⚠️ reported no-show",
    "lapsed": "⌛ no time agreed",
    "called off": "↩️ called off",
    "unreported": "❔ not reported",
}


def mentions(ids: tuple[int, ...] | list[int]) -> str:
    return ", ".join(f"<@{m}>" for m in ids)


def when(card: MatchCard) -> str:
    start, end = card.slot
    return f"{ts(start, 'F')} – {ts(end, 't')} ({ts(start, 'R')})"


def new_time_text(card: MatchCard, chooser: int) -> str:
    others = [m for m in card.member_ids if m != chooser]
    return (
        f"<@{chooser}> proposes a new time: {when(card)}.\n"
        f"{mentions(others)}: press **Accept this time** if it suits you, or pick another."
    )


def accepted_text(accepted: Accepted) -> str:
    if accepted.confirmed:
        return f"Confirmed for {when(accepted.card)}. See you there!"
    if accepted.waiting:
        lead = "You had accepted" if accepted.already else "You accepted"
        return f"{lead} {when(accepted.card)}. Waiting for {mentions(accepted.waiting)}."
    return f"This time is confirmed already: {when(accepted.card)}."


def confirmed_text(card: MatchCard) -> str:
    return (
        f"✅ **Confirmed**: {when(card)}, for {mentions(card.member_ids)}.\n"
        "I'll remind you here 24 hours and 15 minutes before. Afterwards, tell me whether it "
        "happened and give each other feedback."
    )


def reminder_text(card: MatchCard, kind: str) -> str:
    lead = "tomorrow" if kind == "day" else "in 15 minutes"
    text = (
        f"⏰ Your **{card.track}** mock interview starts {lead}: {when(card)}.\n"
        f"{mentions(card.member_ids)}"
    )
    if card.interviewer_ids:
        text += "\nInterviewers: your packet is in your DMs, or press **Show my packet** above."
    return text


def reminder_dm(card: MatchCard, kind: str) -> str:
    lead = "tomorrow" if kind == "day" else "in 15 minutes"
    where = f" in <#{card.thread_id}>" if card.thread_id else ""
    return f"⏰ Your **{card.track}** mock interview #{card.id} starts {lead}: {when(card)}{where}."


def ended_text(card: MatchCard) -> str:
    return (
        f"The session time is over. {mentions(card.member_ids)}: how did it go? Each of you, "
        "press one (open for 48 hours). **It happened** then lets you give feedback."
    )


def lapsed_text(card: MatchCard) -> str:
    return (
        "No time was agreed within a week, so this match has lapsed. "
        "`/match request` puts you back in the pool whenever you're ready."
    )


def left_text(card: MatchCard, member_id: int) -> str:
    others = [m for m in card.member_ids if m != member_id]
    return (
        f"<@{member_id}> called off this mock interview. {mentions(others)}: sorry! "
        "`/match request` puts you back in the pool."
    )


def slot_label(interval: tuple[datetime, datetime], zone: ZoneInfo) -> str:
    """A select option's label (plain text: Discord renders no timestamps there)."""
    start, end = (t.astimezone(zone) for t in interval)
    return f"{start:%a %d %b, %H:%M}–{end:%H:%M}"[:100]


def happened_text(partner_names: dict[int, str], rated: frozenset[int], disputed: bool) -> str:
    text = "Thanks, recorded: it counts for your streak."
    if disputed:
        text += (
            " You had been reported absent; as you say it happened, that report no longer counts."
        )
    waiting = [m for m in partner_names if m not in rated]
    if waiting:
        text += "\nNow give feedback to each person you worked with: it reaches only them."
    elif partner_names:
        text += "\nYou've given all your feedback for this session."
    return text


def missed_text(result: Missed) -> str:
    text = "Thanks, recorded that it didn't happen."
    if result.counted:
        text += f" No-show reported: {mentions(result.counted)}."
    if result.disputed:
        text += (
            f" {mentions(result.disputed)} said it happened, so that report is recorded as "
            "disputed and does not count."
        )
    return text + " `/match request` finds you a new partner."


def reported_text(card: MatchCard, reporter: int) -> str:
    where = f"<#{card.thread_id}>" if card.thread_id else "its thread"
    return (
        f"<@{reporter}> reported that you didn't show up for mock interview #{card.id} "
        f"({card.track}, {ts(card.slot[0], 'F')}). If you were there, press **It happened** in "
        f"{where} within 48 hours of its end and the report won't count. Two no-shows in 30 "
        "days pause matching for 14 days."
    )


def pause_text(pause: Pause, guild_name: str) -> str:
    if pause.lifted:
        return (
            f"Your mock-interview pause in {guild_name} is lifted: a no-show report was "
            "disputed, so it no longer counts. `/match request` works again."
        )
    text = (
        f"You were reported absent from two mock interviews in {guild_name} within 30 days, so "
        f"you're paused from matching until {ts(pause.until, 'F')} ({ts(pause.until, 'R')})."
    )
    if pause.request_closed:
        text += " Your open request was closed; ask again after that."
    return text


def feedback_intro(feedback: Feedback) -> str:
    return (
        f"<@{feedback.author_id}> sent you feedback on your **{feedback.track}** mock "
        f"interview (#{feedback.match_id}):"
    )


def feedback_embed(feedback: Feedback) -> discord.Embed:
    embed = discord.Embed(
        title=f"Feedback · mock interview #{feedback.match_id}"[:256],
        colour=discord.Colour.blurple(),
        description=f"From <@{feedback.author_id}>",
        timestamp=feedback.created_at,
    )
    for key, name in rules.RUBRIC:
        score = feedback.scores[key]
        embed.add_field(
            name=name, value=f"{'■' * score}{'□' * (4 - score)} {score}/4 · {rules.SCORES[score]}"
        )
    if feedback.comment:
        embed.add_field(name="Comment", value=feedback.comment[:1024], inline=False)
    return embed


def history_embed(found: History, name: str) -> discord.Embed:
    embed = discord.Embed(title=f"Mock interviews · {name}"[:256], colour=discord.Colour.blurple())
    if not found.sessions:
        embed.description = (
            "No finished sessions yet. `/match request` finds you a partner; after each "
            "session your feedback shows here as trends."
        )
        return embed
    done = sum(1 for s in found.sessions if s.outcome == "happened")
    embed.description = (
        f"{len(found.sessions)} session{'s' if len(found.sessions) != 1 else ''}, {done} "
        f"completed; feedback from {sum(len(s.feedback) for s in found.sessions)} rating"
        f"{'s' if sum(len(s.feedback) for s in found.sessions) != 1 else ''}."
    )
    if found.paused_until is not None:
        embed.description += (
            f"\n⏸️ Paused from matching until {ts(found.paused_until, 'F')} after two no-shows."
        )
    elif found.no_shows:
        embed.description += (
            f"\n⚠️ {found.no_shows} reported no-show in the last 30 days; a second pauses "
            "matching for 14 days."
        )
    lines = []
    for s in found.sessions[:10]:
        with_ = mentions(s.partners) if s.partners else "nobody"
        lines.append(
            f"{ts(s.start, 'd')} · {s.track} · {ROLE_NAMES[s.role]} with {with_} · "
            f"{OUTCOMES[s.outcome]}" + (f" · {len(s.feedback)} feedback" if s.feedback else "")
        )
    if len(found.sessions) > 10:
        lines.append(f"…and {len(found.sessions) - 10} earlier.")
    embed.add_field(name="Sessions, newest first", value="\n".join(lines)[:1024], inline=False)
    if found.rated:
        for trend in found.trends:
            if trend.mean is None:
                continue
            value = f"average {trend.mean:.1f}/4"
            if trend.change is not None:
                arrow = "▲" if trend.change > 0 else "▼" if trend.change < 0 else "▶"
                value += f" · {arrow} {trend.change:+.1f} since the first"
            embed.add_field(name=trend.name, value=value)
    return embed


def history_chart(found: History, zone: ZoneInfo) -> discord.File | None:
    """The feedback received as one line per rubric item, oldest session first."""
    if not found.rated:
        return None
    shown = found.rated[-30:]
    offset = len(found.rated) - len(shown)
    png = trend_chart(
        [(t.name, t.series[offset:]) for t in found.trends],
        [f"{s.start.astimezone(zone):%d %b}" for s in shown],
        title="Feedback received, by session",
    )
    return discord.File(io.BytesIO(png), filename="feedback-trends.png")
