"""Server-side permission checks shared by the cogs.

Discord hides a command from members only for a whole top-level command, and a client can be
out of date, so every organiser action is checked again here, on the server.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.errors import NotAllowed


def is_organiser(interaction: discord.Interaction[Any]) -> bool:
    return isinstance(interaction.user, discord.Member) and bool(
        interaction.permissions.manage_guild
    )


def require_organiser(interaction: discord.Interaction[Any]) -> None:
    if interaction.guild is None:
        raise NotAllowed("This command only works inside a server.")
    if not is_organiser(interaction):
        raise NotAllowed("Only organisers (members with the Manage Server permission) can do that.")


# What the daily channel needs, with the names Discord shows.
DAILY_CHANNEL_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "read_message_history": "Read Message History",
}


def missing_permissions(
    channel: discord.abc.GuildChannel, me: discord.Member, needed: dict[str, str]
) -> list[str]:
    perms = channel.permissions_for(me)
    return [label for name, label in needed.items() if not getattr(perms, name)]


# What a quiz round needs in its channel.
QUIZ_CHANNEL_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "read_message_history": "Read Message History",
}


# What the match channel needs: private threads the bot makes, adds members to and posts in.
MATCH_CHANNEL_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "create_private_threads": "Create Private Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}
