"""Notices a member's closed DMs refused (a freeze used), delivered with their next reply.

Which members have one is kept in memory on the bot's services (refreshed every minute from
the database, and at once when this process keeps one), so a click costs a set look-up and a
query only for the rare member who has a notice waiting.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.services import streaks

ATTRIBUTE = "members_with_notices"


def waiting(services: Any) -> set[int]:
    box: set[int] = services.__dict__.setdefault(ATTRIBUTE, set())
    return box


async def deliver(interaction: discord.Interaction[Any]) -> None:
    """After a reply: the member's kept notices, privately, then forgotten.

    Every slash command's reply (and error) calls this through the bot; buttons and selects
    that answer a member call it themselves."""
    services = getattr(interaction.client, "services", None)
    if services is None or not interaction.response.is_done():
        return
    box = waiting(services)
    if interaction.user.id not in box:
        return
    box.discard(interaction.user.id)
    kept = await streaks.take_notices(services.sessions, interaction.user.id)
    if kept:
        await interaction.followup.send("\n".join(kept)[:2000], ephemeral=True)


async def dm(client: Any, member_id: int, text: str, **extra: Any) -> bool:
    """Send a DM; False when the member does not take DMs from the bot."""
    user = client.get_user(member_id) or await client.fetch_user(member_id)
    try:
        await user.send(text, allowed_mentions=discord.AllowedMentions.none(), **extra)
    except discord.Forbidden:
        return False
    return True


async def tell(client: Any, member_id: int, guild_id: int, text: str) -> None:
    """Something sent without an interaction: by DM, else kept for the member's next reply."""
    if await dm(client, member_id, text):
        return
    services = client.services
    await streaks.keep_notice(services.sessions, member_id, guild_id, text, services.clock.now())
    waiting(services).add(member_id)
