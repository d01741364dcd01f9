"""What a quiz round looks like in the channel: intro, question, close, results, receipts."""

from __future__ import annotations

import io

import discord

from bot.bank.schema import LETTERS, render_body
from bot.services.quiz import Closing, Named, Receipt, Results, RoundInfo
from bot.ui.daily import ts
from bot.ui.podium import PodiumEntry, podium_image

COLOUR = discord.Colour.from_rgb(0xF0, 0xA0, 0x30)
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def intro_embed(info: RoundInfo, host_mention: str) -> discord.Embed:
    scoring = (
        "a correct answer earns 1000 points, down to 500 at the deadline: faster is better"
        if info.speed_bonus
        else "a correct answer earns 1000 points, however fast"
    )
    lines = [
        f"**{info.total}** question{'s' if info.total != 1 else ''}"
        + (f" on **{info.topic}**" if info.topic else "")
        + f", **{info.seconds} s** each.",
        "Click a button to answer: your first click counts and nobody sees it.",
        f"Scoring: {scoring}; a wrong answer earns 0. Ties go to the faster total time.",
        f"Host: {host_mention} (the host or an organiser can `/quiz stop`).",
    ]
    if info.first_at is not None:
        lines.append(f"First question {ts(info.first_at, 'R')}.")
    return discord.Embed(title="Quiz round", description="\n".join(lines), colour=COLOUR)


def question_message(
    info: RoundInfo, position: int, prompt: str, choices: list[str]
) -> discord.Embed:
    """The question; its countdown is added once the post's time is known (`with_deadline`)."""
    embed = discord.Embed(
        title=f"Question {position + 1} of {info.total}",
        description=render_body(prompt, choices)[:4096],
        colour=COLOUR,
    )
    embed.set_footer(text=f"{info.seconds} seconds · first click counts")
    return embed


def with_deadline(embed: discord.Embed, deadline_text: str) -> discord.Embed:
    embed.add_field(name="Time", value=deadline_text, inline=False)
    return embed


def closed_embed(closing: Closing) -> discord.Embed:
    view = closing.question
    key = (view.answers or [0])[0]
    choices = view.choices or []
    bars = []
    for i, choice in enumerate(choices):
        count = closing.counts[i] if i < len(closing.counts) else 0
        mark = "✅" if i == key else "▫️"
        bars.append(f"{mark} **{LETTERS[i]}.** {choice[:80]} — **{count}**")
    embed = discord.Embed(
        title=f"Question {closing.position + 1} of {closing.round.total}: time's up",
        description="\n".join(bars)[:4096],
        colour=discord.Colour.green(),
    )
    embed.add_field(name="Answer", value=f"**{LETTERS[key]}.** {choices[key][:1000]}", inline=False)
    if view.explanation:
        embed.add_field(name="Why", value=view.explanation[:1024], inline=False)
    embed.add_field(name="Top 5", value=_table(closing.top) or "Nobody answered.", inline=False)
    embed.set_footer(text=f"{closing.answered} answered")
    return embed


def results_message(results: Results) -> tuple[discord.Embed, discord.File]:
    """The podium image and the full standings."""
    status = {
        "finished": "Final standings",
        "stopped": "Round stopped: standings so far",
        "interrupted": "Round interrupted (the bot restarted): standings so far",
        "running": "Standings",
    }[results.status]
    embed = discord.Embed(title=status, colour=COLOUR)
    embed.description = (_table(results.standings, limit=50) or "Nobody answered.")[:4096]
    embed.set_footer(
        text=f"{results.asked} of {results.round.total} questions asked · "
        f"{len(results.standings)} played"
    )
    entries = [
        PodiumEntry(p.rank, p.name, p.points, p.correct, results.asked)
        for p in results.standings[:3]
    ]
    png = podium_image(entries)
    embed.set_image(url="attachment://podium.png")
    return embed, discord.File(io.BytesIO(png), filename="podium.png")


def receipt_text(receipt: Receipt) -> str:
    choices = receipt.question.choices or []

    def named(choice: int | None) -> str:
        if choice is None or not 0 <= choice < len(choices):
            return "your answer"
        return f"**{LETTERS[choice]}.** {choices[choice][:100]}"

    when = f" Results {ts(receipt.deadline, 'R')}." if receipt.deadline else ""
    if receipt.outcome == "locked":
        return f"Locked in: {named(receipt.choice)}.{when}"
    if receipt.outcome == "already":
        return (
            f"You already answered {named(receipt.choice)}; "
            "your first click is the one that counts."
        )
    if receipt.outcome == "late":
        return "⏱️ Too late: the time for this question was up, so that click scores nothing."
    return "This question is closed; that click scores nothing."


def _table(rows: list[Named], *, limit: int = 5) -> str:
    lines = []
    for p in rows[:limit]:
        medal = MEDALS.get(p.rank, f"`{p.rank:>2}`")
        lines.append(
            f"{medal} {discord.utils.escape_markdown(p.name)[:60]} — **{p.points:,}** "
            f"({p.correct}/{p.answered} correct)"
        )
    more = len(rows) - limit
    if more > 0:
        lines.append(f"… and {more} more")
    return "\n".join(lines)
