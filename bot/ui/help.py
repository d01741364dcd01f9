"""The /help embed."""

from __future__ import annotations

from collections.abc import Iterable

import discord

BLURB = (
    "Cohort keeps an interview study group practising: a daily question, live quiz rounds, "
    "peer mock interviews and streaks. Answers and personal stats stay private."
)


def help_embed(
    commands: Iterable[tuple[str, str, discord.Permissions | None]],
    *,
    version: str,
    organiser: bool,
) -> discord.Embed:
    embed = discord.Embed(title="Cohort", description=BLURB, colour=discord.Colour.blurple())
    groups: dict[str, list[str]] = {}
    for name, description, needs in sorted(commands):
        if needs is not None and needs.value and not organiser:
            continue
        groups.setdefault(name.split()[0], []).append(f"`/{name}` — {description}")
    for group, lines in groups.items():
        value = "\n".join(lines)
        embed.add_field(name=f"/{group}", value=value[:1024], inline=False)
    embed.set_footer(text=f"Cohort {version}")
    return embed
