"""What the emulated Discord knows: users, guilds, roles, channels, threads and messages.

Objects render themselves as the JSON payloads Discord sends, so the real discord.py client
parses them with its own code. Tests read the same objects to see what the bot did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.emulator import permissions as P
from bot.emulator.permissions import Overwrite

GUILD_TEXT, DM, GUILD_CATEGORY, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 4, 11, 12
THREAD_TYPES = {PUBLIC_THREAD, PRIVATE_THREAD}
EPHEMERAL = 1 << 6
LOADING = 1 << 7


def iso(at: datetime) -> str:
    return at.isoformat()


@dataclass
class User:
    id: int
    name: str
    bot: bool = False
    dms_open: bool = True

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
            "icon": None,
            "unicode_emoji": None,
        }

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass
class GuildMember:
    user: User
    joined_at: datetime
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user.payload(),
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "joined_at": iso(self.joined_at),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }


@dataclass
class Channel:
    id: int
    type: int
    name: str
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_id: int | None = None  # DMs
    owner_id: int | None = None  # threads
    thread_members: set[int] = field(default_factory=set)
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    created_at: datetime | None = None
    message_ids: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self, users: dict[int, User] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "flags": 0}
        if self.type == DM:
            recipient = (users or {}).get(self.recipient_id or 0)
            data["recipients"] = [recipient.payload()] if recipient else []
            data["last_message_id"] = str(self.message_ids[-1]) if self.message_ids else None
            return data
        data.update(
            {
                "guild_id": str(self.guild_id),
                "name": self.name,
                "position": self.position,
                "permission_overwrites": [o.payload() for o in self.overwrites],
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "nsfw": False,
                "topic": None,
                "rate_limit_per_user": 0,
                "last_message_id": str(self.message_ids[-1]) if self.message_ids else None,
            }
        )
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id),
                    "member_count": len(self.thread_members),
                    "message_count": len(self.message_ids),
                    "total_message_sent": len(self.message_ids),
                    "thread_metadata": {
                        "archived": self.archived,
                        "locked": self.locked,
                        "invitable": self.invitable,
                        "auto_archive_duration": 10080,
                        "archive_timestamp": iso(self.created_at) if self.created_at else None,
                        "create_timestamp": iso(self.created_at) if self.created_at else None,
                    },
                }
            )
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    created_at: datetime
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, GuildMember] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def role_perms(self) -> dict[int, int]:
        return {r.id: r.permissions for r in self.roles.values()}

    def base_permissions(self, user_id: int) -> int:
        member = self.members.get(user_id)
        if member is None:
            return 0
        return P.base_permissions(
            guild_id=self.id,
            owner_id=self.owner_id,
            user_id=user_id,
            role_ids=member.role_ids,
            role_perms=self.role_perms(),
        )

    def top_position(self, user_id: int) -> int:
        member = self.members.get(user_id)
        if member is None:
            return -1
        if user_id == self.owner_id:
            return 1 << 30
        return max([self.roles[r].position for r in member.role_ids if r in self.roles] or [0])


@dataclass
class Attachment:
    id: int
    filename: str
    content_type: str
    data: bytes
    url: str
    description: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "description": self.description,
        }


@dataclass
class Pings:
    """Who a message would notify, after allowed_mentions is applied."""

    users: set[int] = field(default_factory=set)
    roles: set[int] = field(default_factory=set)
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone)


USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


def compute_pings(
    content: str, allowed: dict[str, Any] | None, *, can_mention_everyone: bool
) -> Pings:
    """Apply Discord's allowed_mentions rules to the mentions written in `content`."""
    users = {int(m) for m in USER_MENTION.findall(content)}
    roles = {int(m) for m in ROLE_MENTION.findall(content)}
    everyone = "@everyone" in content or "@here" in content
    if allowed is None:  # Discord's default: parse everything
        return Pings(users, roles, everyone and can_mention_everyone)
    parse = set(allowed.get("parse") or [])
    allowed_users = {int(u) for u in allowed.get("users") or []}
    allowed_roles = {int(r) for r in allowed.get("roles") or []}
    return Pings(
        users if "users" in parse else users & allowed_users,
        roles if "roles" in parse else roles & allowed_roles,
        everyone and "everyone" in parse and can_mention_everyone,
    )


@dataclass
class Message:
    """A message as stored: its Discord payload plus what only the emulator knows."""

    id: int
    channel_id: int
    author_id: int
    data: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    ephemeral_to: int | None = None
    interaction_id: int | None = None
    pings: Pings = field(default_factory=Pings)
    edits: int = 0
    deleted: bool = False

    # ---- reading helpers for tests -------------------------------------------------------
    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds") or []

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return self.ephemeral_to is not None

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.data.get("components") or []

    def interactive(self) -> list[dict[str, Any]]:
        """Every button and select in the message, in order, however deeply nested."""
        found: list[dict[str, Any]] = []

        def walk(comp: dict[str, Any]) -> None:
            if comp.get("type") in (2, 3, 5, 6, 7, 8):
                found.append(comp)
            for key in ("components", "items"):
                for child in comp.get(key) or []:
                    walk(child)
            if comp.get("accessory"):
                walk(comp["accessory"])

        for comp in self.components:
            walk(comp)
        return found

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in self.interactive() if c.get("type") == 2]

    @property
    def button_labels(self) -> list[str]:
        return [b.get("label") or "" for b in self.buttons]

    @property
    def text(self) -> str:
        """Everything a person reads in the message, as one string (for assertions)."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [
                (embed.get("author") or {}).get("name") or "",
                embed.get("title") or "",
                embed.get("description") or "",
            ]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name") or "", fld.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")

        def walk(comp: dict[str, Any]) -> None:
            if comp.get("type") == 10:
                parts.append(comp.get("content") or "")
            for key in ("components", "items"):
                for child in comp.get(key) or []:
                    walk(child)

        for comp in self.components:
            walk(comp)
        return "\n".join(p for p in parts if p)

    def __repr__(self) -> str:
        text = self.text.replace("\n", " | ")
        where = f" ephemeral_to={self.ephemeral_to}" if self.ephemeral else ""
        return f"<Message {self.id} in {self.channel_id}{where}: {text[:120]!r}>"
