"""What mock-interview matching shows: request replies, the match thread's opening message,
the interviewer's packet, availability. Text only; the cog sends it."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain import availability as slots
from bot.domain.schedule import ts
from bot.services.matching import MatchCard, Packet, RequestView

ROLE_WORDS = {"candidate": "be interviewed", "interviewer": "interview", "either": "either role"}


def availability_text(found: tuple[str, list[slots.Window]] | None) -> str:
    if found is None:
        return "not set: `/availability set`"
    zone, windows = found
    return f"{slots.describe(windows)} ({zone})" if windows else f"none ({zone})"


def request_text(request: RequestView, replaced: RequestView | None) -> str:
    text = (
        f"You're in the pool for **{request.track}** ({ROLE_WORDS[request.role]}, "
        f"{request.level}). I'll match you with someone whose free time overlaps yours; the "
        f"request stays open until {ts(request.expires_at, 'D')}."
    )
    if replaced is not None:
        text += f" (It replaces your {replaced.track} request.)"
    return text


def status_text(
    request: RequestView | None,
    match: MatchCard | None,
    now: datetime,
    paused_until: datetime | None = None,
) -> str:
    if paused_until is not None and match is None:
        return (
            f"You're paused from matching until {ts(paused_until, 'F')} after two no-shows in 30 "
            "days; `/match request` works again from then."
        )
    if match is not None:
        where = f" in <#{match.thread_id}>" if match.thread_id else " (its thread is on its way)"
        state = "confirmed for" if match.confirmed_at else "proposed for"
        return f"You're matched for **{match.track}**{where}, {state} {ts(match.slot[0], 'F')}."
    if request is None:
        return "You have no open request here. Join the pool with `/match request`."
    waited = (now - request.created_at).days
    return (
        f"Waiting for a **{request.track}** partner ({ROLE_WORDS[request.role]}, "
        f"{request.level}) for {waited} day{'s' if waited != 1 else ''}; the request expires "
        f"{ts(request.expires_at, 'R')}. `/match cancel` leaves the pool."
    )


def thread_name(card: MatchCard) -> str:
    return f"Mock interview #{card.id} · {card.track}"[:100]


def proposal_text(card: MatchCard) -> str:
    """The thread's opening message: who, which roles, and the earliest common slot."""
    start, end = card.slot
    interviewers = [s.member_id for s in card.seats if s.role == "interviewer"]
    candidate = next(s.member_id for s in card.seats if s.role == "candidate")
    if card.swap:
        roles = (
            f"<@{candidate}> and <@{interviewers[0]}>: you both chose either role, so you swap "
            "halfway: each interviews the other for half the time."
        )
    elif len(interviewers) == 2:
        roles = (
            f"<@{candidate}> is the candidate; <@{interviewers[0]}> and <@{interviewers[1]}> "
            "interview together (a panel)."
        )
    else:
        roles = f"<@{candidate}> is the candidate; <@{interviewers[0]}> interviews."
    return (
        f"**Mock interview: {card.track}**\n{roles}\n\n"
        f"Earliest time you are all free: {ts(start, 'F')} – {ts(end, 't')} "
        f"({ts(start, 'R')}). Each of you, press **Accept this time** if it suits you, or "
        "**Pick another time**: it is confirmed once you have all accepted.\n"
        "Interviewers: your question packet is in your DMs, or press **Show my packet**."
    )


def packet_embeds(packet: Packet) -> list[discord.Embed]:
    """One embed per question: prompt, hints, reference answer and rubric, cut to Discord's
    limits (description 4096, field 1024, 10 embeds a message)."""
    embeds = []
    for n, q in enumerate(packet.questions[:10], start=1):
        embed = discord.Embed(
            title=f"Question {n} · {q.topic}"[:256],
            description=q.prompt[:4096],
            colour=discord.Colour.dark_teal(),
        )
        if q.choices:
            embed.add_field(
                name="Choices",
                value="\n".join(f"{chr(65 + i)}. {c}" for i, c in enumerate(q.choices))[:1024],
                inline=False,
            )
        if q.hints:
            embed.add_field(
                name="Hints, in order",
                value="\n".join(f"{i}. {h}" for i, h in enumerate(q.hints, 1))[:1024],
                inline=False,
            )
        answer = q.reference_answer or q.explanation
        if q.answers and q.choices:
            key = ", ".join(chr(65 + i) for i in q.answers)
            answer = f"Key: {key}. {answer}"
        embed.add_field(name="Reference answer", value=answer[:1024], inline=False)
        if q.rubric:
            lines = [
                f"**{r.get('criterion', '')}**: 1 = {r.get('score_1', '')}; "
                f"4 = {r.get('score_4', '')}"
                for r in q.rubric
            ]
            embed.add_field(name="Rubric", value="\n".join(lines)[:1024], inline=False)
        embed.set_footer(text=f"{q.difficulty} · {q.format}")
        embeds.append(embed)
    return embeds


def packet_intro(packet: Packet, card: MatchCard) -> str:
    return (
        f"Your interviewer packet for mock interview #{card.id} ({card.track}) with "
        f"<@{packet.candidate_id}>: {len(packet.questions)} questions they have not seen. "
        "Keep it to yourself; give hints in order only when they are stuck."
    )
