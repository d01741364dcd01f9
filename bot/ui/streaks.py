"""What `/streak` and `/profile` show."""

from __future__ import annotations

import io

import discord

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
