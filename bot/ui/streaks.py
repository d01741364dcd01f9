"""What `/streak` and `/profile` show."""

from __future__ import annotations

import io

import discord

from bot.services.leaderboard import Board, Entry, Stats
from bot.services.streaks import Card
from bot.ui.heatmap import heatmap_image

COLOUR = discord.Colour.from_rgb(0x39, 0xD3, 0x53)


def streak_message(card: Card, name: str) -> tuple[discord.Embed, discord.File]:
    v = card.view
    days = "day" if v.current == 1 else "days"
    embed = discord.Embed(
        title=f"{discord.utils.escape_markdown(name)[:200]}: {v.current} {days}",
        colour=COLOUR if v.current else discord.Colour.dark_grey(),
    )
    embed.add_field(name="Current", value=f"**{v.current}**")
    embed.add_field(name="Longest", value=f"**{v.longest}**")
    embed.add_field(name="Freezes held", value=f"**{v.freezes}** of 2")
    notes = []
    if v.frozen:
        dates = ", ".join(f"{d:%a %d %b}" for d in v.frozen)
        notes.append(f"❄️ A freeze covered {dates}.")
    if v.at_risk:
        notes.append("Nothing yet today: one activity keeps the streak going.")
    elif v.current == 0 and v.longest:
        notes.append("The streak ended; answer today's question to start a new one.")
    if notes:
        embed.description = "\n".join(notes)
    embed.set_footer(
        text=f"Days are counted in the member's own timezone · today {card.today:%d %b %Y}"
    )
    png = heatmap_image(card.active, card.frozen, card.today)
    embed.set_image(url="attachment://streak.png")
    return embed, discord.File(io.BytesIO(png), filename="streak.png")


UNITS = {"points": "points", "quiz": "quiz points", "streak": "days", "accuracy": "correct"}
PERIOD_NAMES = {"week": "this week", "month": "this month", "all": "all time"}
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def _value(board: str, entry: Entry) -> str:
    if board == "accuracy":
        return f"**{entry.value:.0%}** ({entry.detail})"
    return f"**{int(entry.value):,}** {UNITS[board]}"


def board_embed(result: Board, top: list[Entry]) -> discord.Embed:
    period = "current" if result.board == "streak" else PERIOD_NAMES[result.period]
    since = f" (since {result.since:%a %d %b})" if result.since else ""
    embed = discord.Embed(
        title=f"Leaderboard: {result.board}, {period}{since}", colour=discord.Colour.gold()
    )
    lines = [
        f"{MEDALS.get(e.rank, f'`{e.rank:>2}.`')} <@{e.member_id}> — {_value(result.board, e)}"
        for e in top
    ]
    if not lines:
        lines = ["Nobody yet: be the first!"]
    if result.board == "accuracy":
        lines.append("-# Members with at least 10 graded answers in the period.")
    embed.description = "\n".join(lines)
    mine = result.caller
    embed.add_field(
        name="You",
        value=f"#{mine.rank} — {_value(result.board, mine)}" if mine else "Not on this board yet.",
        inline=False,
    )
    return embed


def profile_embed(
    card: Card,
    zone: str,
    stats: Stats,
    remind_hours: int | None,
    availability: str = "not set: `/availability set`",
) -> discord.Embed:
    v = card.view
    embed = discord.Embed(title="Your profile", colour=discord.Colour.blurple())
    embed.add_field(name="Timezone", value=zone, inline=False)
    embed.add_field(name="Streak", value=f"{v.current} (longest {v.longest})")
    embed.add_field(name="Freezes", value=f"{v.freezes} of 2")
    embed.add_field(
        name="Points", value=f"{stats.points:,} (quiz {stats.quiz_points:,})", inline=False
    )
    lines = [
        f"{track}: {correct}/{graded} ({correct / graded:.0%})"
        for track, correct, graded in stats.tracks
        if graded
    ]
    embed.add_field(
        name="Accuracy by track", value="\n".join(lines) or "No graded answers yet.", inline=False
    )
    embed.add_field(
        name="Reminders",
        value=f"{remind_hours} h before midnight" if remind_hours else "off",
        inline=False,
    )
    embed.add_field(name="Availability (mock interviews)", value=availability[:1024], inline=False)
    return embed
