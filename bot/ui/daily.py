"""Embeds and texts of the daily question: the post, its closed state, receipts, the reveal."""

from __future__ import annotations

import io
from datetime import datetime

import discord

from bot.bank.schema import LETTERS, render_body
from bot.domain.schedule import ts
from bot.services.daily import DailySettings, DailyStatus, QuestionView, Receipt, RevealPlan
from bot.ui.charts import answer_chart

COLOUR = discord.Colour(0x5865F2)
CLOSED = discord.Colour(0x4E5058)
REVEAL = discord.Colour(0x57F287)
# Buttons show the whole choice when every choice fits; otherwise the letter, with the text in
# the embed (Discord cuts button labels at 80 characters).
BUTTON_TEXT_LIMIT = 80


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(q: QuestionView) -> str:
    return f"{q.track} · {q.topic} · {q.difficulty}"


def post_embed(
    q: QuestionView, *, reveal_at: datetime | None, closed: bool = False
) -> discord.Embed:
    body = render_body(q.prompt, q.choices) if not buttons_carry_text(q) else q.prompt
    embed = discord.Embed(
        title="Question of the day",
        description=cut(body, 4096),
        colour=CLOSED if closed else COLOUR,
    )
    embed.set_author(name=header(q))
    if closed:
        embed.add_field(name="Closed", value="The answer is revealed below.", inline=False)
    elif q.format == "open":
        how = "Press **Answer** and write yours; only you see it until the reveal."
        embed.add_field(name="How to answer", value=how, inline=False)
    else:
        how = "Pick your answer; it is private and locked until the reveal."
        if q.format == "multi":
            how = "Select every answer that applies; it is private and locked until the reveal."
        embed.add_field(name="How to answer", value=how, inline=False)
    if reveal_at is not None and not closed:
        embed.add_field(name="Reveal", value=ts(reveal_at), inline=True)
    embed.set_footer(text=f"Cohort daily · {q.external_id}")
    return embed


def buttons_carry_text(q: QuestionView) -> bool:
    """Single questions whose every choice fits a button show the text on the buttons."""
    return q.format == "single" and all(len(c) + 3 <= BUTTON_TEXT_LIMIT for c in q.choices or [])


def button_label(q: QuestionView, index: int) -> str:
    letter = LETTERS[index]
    if buttons_carry_text(q) and q.choices:
        return cut(f"{letter}. {q.choices[index]}", BUTTON_TEXT_LIMIT)
    return letter


def chosen_text(q: QuestionView, choices: list[int] | None, text: str | None) -> str:
    if q.format == "open":
        return f"“{cut(text or '', 900)}”"
    return ", ".join(f"**{LETTERS[c]}.** {cut((q.choices or [''])[c], 100)}" for c in choices or [])


def receipt_text(receipt: Receipt) -> str:
    q = receipt.question
    mine = chosen_text(q, receipt.choices, receipt.text)
    when = f" The reveal is {ts(receipt.reveal_at)}." if receipt.reveal_at else ""
    if receipt.outcome == "stored":
        return f"Locked in: {mine}.{when}"
    if receipt.outcome == "already":
        return f"You already answered {mine}; your first answer stays.{when}"
    return "This question is closed: the answer has been revealed, so new answers do not count."


def reveal_embed(plan: RevealPlan) -> tuple[discord.Embed, discord.File | None]:
    q = plan.question
    embed = discord.Embed(title="Answer of the day", colour=REVEAL)
    embed.set_author(name=header(q))
    if q.format == "open":
        embed.description = cut(f"**Reference answer**\n{q.reference_answer or ''}", 4096)
        for c in (q.rubric or [])[:4]:
            value = f"**1:** {c.get('score_1', '')}\n**4:** {c.get('score_4', '')}"
            embed.add_field(
                name=cut(c.get("criterion", ""), 256), value=cut(value, 1024), inline=False
            )
        embed.add_field(name="Why it is asked", value=cut(q.explanation, 1024), inline=False)
        embed.set_footer(text=f"{plan.answered} answered · open questions are not graded")
        return embed, None
    keys = ", ".join(
        f"**{LETTERS[i]}.** {cut((q.choices or [''])[i], 200)}" for i in q.answers or []
    )
    embed.description = cut(f"**Answer:** {keys}\n\n{q.explanation}", 4096)
    share = plan.share_correct
    if plan.answered:
        summary = f"{plan.answered} answered · {share:.0%} correct" if share is not None else ""
    else:
        summary = "Nobody answered this one."
    embed.add_field(name="Answers", value=summary or "—", inline=False)
    labels = [LETTERS[i] for i in range(len(q.choices or []))]
    image = answer_chart(labels, plan.counts, set(q.answers or []), title=None)
    file = discord.File(io.BytesIO(image), filename="answers.png")
    embed.set_image(url="attachment://answers.png")
    embed.set_footer(text=f"Cohort daily · {q.external_id}")
    return embed, file


def status_embed(status: DailyStatus, channel_mention: str) -> discord.Embed:
    s = status.settings
    embed = discord.Embed(title="Daily question", colour=COLOUR)
    embed.add_field(name="Channel", value=channel_mention, inline=True)
    embed.add_field(name="Time", value=f"{s.post_time:%H:%M} {s.timezone}", inline=True)
    state = (
        "paused" if s.paused else f"next post {ts(status.next_post)} ({ts(status.next_post, 'f')})"
    )
    embed.add_field(name="Schedule", value=state, inline=False)
    embed.add_field(
        name="Questions left before repeats",
        value=f"{status.left_before_repeats} of {status.eligible}",
        inline=True,
    )
    embed.add_field(name="Topics", value=", ".join(s.topics) or "all", inline=True)
    embed.add_field(name="Difficulty", value=s.difficulty or "any", inline=True)
    embed.add_field(name="Reveal after", value=f"{s.reveal_hours} h", inline=True)
    return embed


def settings_embed(
    *,
    timezone: str,
    log_channel: str | None,
    daily: DailySettings | None,
    daily_channel: str | None,
) -> discord.Embed:
    embed = discord.Embed(title="Cohort settings for this server", colour=COLOUR)
    embed.add_field(name="Timezone", value=timezone, inline=True)
    embed.add_field(
        name="Log channel",
        value=log_channel or "not set (problems go to the daily channel)",
        inline=True,
    )
    if daily is None:
        embed.add_field(name="Daily question", value="not set up (`/daily setup`)", inline=False)
    else:
        state = "paused" if daily.paused else "on"
        value = (
            f"{state} · {daily_channel} at {daily.post_time:%H:%M} · reveal after "
            f"{daily.reveal_hours} h · topics: {', '.join(daily.topics) or 'all'} · "
            f"difficulty: {daily.difficulty or 'any'}"
        )
        if daily.ping_role_id:
            value += f" · pings <@&{daily.ping_role_id}>"
        embed.add_field(name="Daily question", value=value, inline=False)
    return embed
