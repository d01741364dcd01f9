"""The emulated Discord: the world a test builds and the actions its members take.

`Emulator` owns the state; `bot.emulator.server` serves it to the bot over HTTP and the
gateway websocket. Tests use the methods here: build guilds, act as members, read results.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.clock import Clock, SystemClock
from bot.emulator import permissions as P
from bot.emulator.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
)
from bot.emulator.permissions import Overwrite
from bot.emulator.snowflakes import SnowflakeFactory
from bot.emulator.state import (
    DM,
    GUILD_TEXT,
    Channel,
    Guild,
    GuildMember,
    Message,
    Role,
    User,
)

T = TypeVar("T")

GUILDS, GUILD_MEMBERS, GUILD_PRESENCES = 1 << 0, 1 << 1, 1 << 8
GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

OPTION_STRING, OPTION_INTEGER, OPTION_BOOLEAN, OPTION_USER = 3, 4, 5, 6
OPTION_CHANNEL, OPTION_ROLE, OPTION_MENTIONABLE, OPTION_NUMBER = 7, 8, 9, 10


class EmulatorError(Exception):
    """A test asked a member to do something the Discord client would not let them do."""


@dataclass
class ApiError:
    """A 4xx the emulator answered the bot with; most tests expect none."""

    method: str
    path: str
    status: int
    code: int
    message: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} ({self.code}) {self.message}"


@dataclass
class InjectedFault:
    method: str
    path_contains: str
    status: int
    code: int
    message: str
    retry_after: float = 0.0
    remaining: int = 1


class Emulator:
    """A Discord-compatible server on 127.0.0.1 with a test-facing API."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        token: str | None = None,
        bot_name: str = "Cohort",
        privileged_intents: int = 0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self._snowflakes = SnowflakeFactory()
        self.token = token or "emulator." + secrets.token_urlsafe(24)
        self.bot_user = User(self.new_id(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.privileged_intents = privileged_intents
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.scheduled_events: dict[int, dict[str, Any]] = {}  # id -> Discord's payload
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.command_syncs: list[int | None] = []  # guild id (None: global) of each sync
        self.interactions: dict[int, InteractionRecord] = {}
        self.errors: list[ApiError] = []
        self.internal_errors: list[str] = []
        self.faults: list[InjectedFault] = []
        self.requests: list[tuple[str, str]] = []
        self._dm_channels: dict[int, int] = {}
        self._changed = asyncio.Event()
        self._lag = 0.0
        self._tokens = (f"{i}-{secrets.token_hex(8)}" for i in itertools.count())
        from bot.emulator.server import EmulatorServer  # the server needs the types above

        self.server = EmulatorServer(self)

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Emulator:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the emulator only listens on loopback")
        await self.server.start(host, port)
        return self

    async def stop(self) -> None:
        await self.server.stop()

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What DISCORD_API_BASE should be set to."""
        return self.server.base_url

    @property
    def gateway_url(self) -> str:
        return self.server.gateway_url

    def monotonic(self) -> float:
        """Real elapsed time (for the 3-second ack), plus any lag a test injected."""
        return asyncio.get_running_loop().time() + self._lag

    def lag(self, seconds: float) -> None:
        """Pretend `seconds` of real time passed, so a test misses the ack deadline unslept."""
        self._lag += seconds

    def new_id(self) -> int:
        return self._snowflakes.make(self.clock.now())

    def next_token(self) -> str:
        return next(self._tokens)

    # ---- building the world -------------------------------------------------------------
    def create_user(self, name: str, *, dms_open: bool = True, bot: bool = False) -> User:
        user = User(self.new_id(), name, bot=bot, dms_open=dms_open)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        bot_permissions: int = P.BOT_DEFAULT,
        everyone_permissions: int = P.DEFAULT_EVERYONE,
        with_bot: bool = True,
    ) -> Guild:
        """A guild with @everyone, a #general channel, its owner and (by default) the bot.

        The bot joins through a managed role holding `bot_permissions`, as an invite link's
        permissions do on Discord.
        """
        owner = owner or self.create_user(f"{name.lower().replace(' ', '-')}-owner")
        guild_id = self.new_id()
        guild = Guild(guild_id, name, owner.id, self.clock.now())
        guild.roles[guild_id] = Role(guild_id, guild_id, "@everyone", everyone_permissions, 0)
        self.guilds[guild_id] = guild
        guild.members[owner.id] = GuildMember(owner, self.clock.now())
        self.create_channel(guild, "general", dispatch=False)
        if with_bot:
            self.add_bot(guild, permissions=bot_permissions)
        return guild

    def add_bot(self, guild: Guild, *, permissions: int = P.BOT_DEFAULT) -> None:
        role = self.create_role(
            guild, self.bot_user.name, permissions, managed=True, dispatch=False
        )
        guild.members[self.bot_user.id] = GuildMember(self.bot_user, self.clock.now(), [role.id])
        self.server.dispatch_guild_create(guild)

    def remove_bot(self, guild: Guild) -> None:
        guild.members.pop(self.bot_user.id, None)
        self.server.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)

    def add_member(
        self, guild: Guild, user: User | str, *, roles: Iterable[Role] = (), nick: str | None = None
    ) -> User:
        if isinstance(user, str):
            user = self.create_user(user)
        guild.members[user.id] = GuildMember(user, self.clock.now(), [r.id for r in roles], nick)
        self._bump()
        return user

    def remove_member(self, guild: Guild, user: User) -> None:
        """The member leaves. Without the members intent the bot is not told (as on Discord)."""
        guild.members.pop(user.id, None)
        for channel in self.channels.values():
            if channel.guild_id == guild.id:
                channel.thread_members.discard(user.id)
        self._bump()

    def create_role(
        self,
        guild: Guild,
        name: str,
        permissions: int = 0,
        *,
        position: int | None = None,
        managed: bool = False,
        dispatch: bool = True,
    ) -> Role:
        if position is None:
            position = max(r.position for r in guild.roles.values()) + 1
        role = Role(self.new_id(), guild.id, name, permissions, position, managed)
        guild.roles[role.id] = role
        if dispatch:
            self.server.dispatch(
                "GUILD_ROLE_CREATE",
                {"guild_id": str(guild.id), "role": role.payload()},
                guild_id=guild.id,
            )
        return role

    def grant_role(self, guild: Guild, user: User, role: Role) -> None:
        member = guild.members[user.id]
        if role.id not in member.role_ids:
            member.role_ids.append(role.id)
        self._bump()

    def create_channel(
        self,
        guild: Guild,
        name: str,
        *,
        overwrites: Iterable[Overwrite] = (),
        dispatch: bool = True,
    ) -> Channel:
        channel = Channel(
            self.new_id(),
            GUILD_TEXT,
            name,
            guild_id=guild.id,
            position=len(guild.channel_ids),
            overwrites=list(overwrites),
            created_at=self.clock.now(),
        )
        self.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        if dispatch:
            self.server.dispatch("CHANNEL_CREATE", channel.payload(), guild_id=guild.id)
        return channel

    def set_permissions(
        self, channel: Channel, target: Role | User, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set one channel overwrite (replacing any earlier one for that role or member)."""
        kind = 0 if isinstance(target, Role) else 1
        channel.overwrites = [
            o for o in channel.overwrites if (o.kind, o.target_id) != (kind, target.id)
        ]
        channel.overwrites.append(Overwrite(target.id, kind, allow, deny))
        self.server.dispatch("CHANNEL_UPDATE", channel.payload(), guild_id=channel.guild_id)

    def deny_bot(self, channel: Channel, permissions: int) -> None:
        """Take permissions away from the bot in one channel (a member overwrite)."""
        self.set_permissions(channel, self.bot_user, deny=permissions)

    def delete_channel(self, channel: Channel) -> None:
        self.channels.pop(channel.id, None)
        guild = self.guilds.get(channel.guild_id or 0)
        if guild and channel.id in guild.channel_ids:
            guild.channel_ids.remove(channel.id)
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        self.server.dispatch(event, channel.payload(), guild_id=channel.guild_id)

    def guild_of(self, channel: Channel) -> Guild | None:
        return self.guilds.get(channel.guild_id or 0)

    def guild_channels(self, guild: Guild) -> list[Channel]:
        return [self.channels[c] for c in guild.channel_ids if c in self.channels]

    def channel_named(self, guild: Guild, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.guild_id == guild.id and channel.name == name:
                return channel
        raise KeyError(f"no channel named {name!r} in {guild.name}")

    def dm_channel(self, user: User) -> Channel:
        channel_id = self._dm_channels.get(user.id)
        if channel_id is None:
            channel = Channel(self.new_id(), DM, "", recipient_id=user.id)
            self.channels[channel.id] = channel
            self._dm_channels[user.id] = channel.id
            return channel
        return self.channels[channel_id]

    # ---- permissions --------------------------------------------------------------------
    def permissions_in(self, user: User | int, channel: Channel) -> int:
        user_id = user if isinstance(user, int) else user.id
        if channel.type == DM:
            return P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES
        guild = self.guilds[channel.guild_id or 0]
        base_channel = self.channels.get(channel.parent_id or 0) if channel.is_thread else channel
        member = guild.members.get(user_id)
        if member is None or base_channel is None:
            return 0
        return P.channel_permissions(
            guild.base_permissions(user_id),
            guild_id=guild.id,
            user_id=user_id,
            role_ids=member.role_ids,
            overwrites=base_channel.overwrites,
        )

    def can_see(self, user: User, channel: Channel) -> bool:
        if channel.type == DM:
            return channel.recipient_id == user.id
        perms = self.permissions_in(user, channel)
        if not perms & P.VIEW_CHANNEL:
            return False
        if channel.type == 12:
            return user.id in channel.thread_members or bool(perms & P.MANAGE_THREADS)
        return True

    # ---- acting as members --------------------------------------------------------------
    async def invoke(
        self,
        user: User,
        channel: Channel,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        force: bool = False,
    ) -> InteractionRecord:
        """Run a slash command such as "daily setup" as `user` in `channel`.

        Options are checked the way the Discord client checks them before sending (required,
        types, choices, ranges); a command hidden by default_member_permissions cannot be run
        unless `force` (as when an admin grants it in Server Settings > Integrations).
        """
        cmd, path, leaf = self._resolve_command(channel, command)
        self._check_visible(user, channel, cmd, force=force)
        built, resolved = self._build_options(user, channel, leaf, options or {}, focused=None)
        data = self._command_data(channel, cmd, path, built, resolved)
        return await self._create_interaction(APPLICATION_COMMAND, user, channel, data)

    async def autocomplete(
        self,
        user: User,
        channel: Channel,
        command: str,
        focused: str,
        options: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """What the bot suggests while `user` types option `focused`; returns the choices."""
        cmd, path, leaf = self._resolve_command(channel, command)
        self._check_visible(user, channel, cmd, force=True)
        values = dict(options or {})
        values.setdefault(focused, "")
        built, _ = self._build_options(user, channel, leaf, values, focused=focused)
        data = self._command_data(channel, cmd, path, built, {})
        record = await self._create_interaction(AUTOCOMPLETE, user, channel, data)
        return await record.autocomplete_choices()

    async def click(
        self,
        user: User,
        message: Message,
        *,
        custom_id: str | None = None,
        label: str | None = None,
    ) -> InteractionRecord:
        """Press a button, found by its custom_id or its label."""
        component = self._find_component(user, message, custom_id=custom_id, label=label)
        if component.get("type") != 2:
            raise EmulatorError(f"{component.get('custom_id')} is not a button")
        if component.get("style") == 5:
            raise EmulatorError("a link button opens a URL; it sends no interaction")
        data = {"custom_id": component["custom_id"], "component_type": 2}
        return await self._component_interaction(user, message, data)

    async def select(
        self,
        user: User,
        message: Message,
        values: list[str],
        *,
        custom_id: str | None = None,
    ) -> InteractionRecord:
        """Choose `values` in a select menu (the only one, or the one with `custom_id`)."""
        component = self._find_component(user, message, custom_id=custom_id, select=True)
        lo, hi = component.get("min_values", 1), component.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise EmulatorError(f"this select takes {lo} to {hi} values, not {len(values)}")
        if component["type"] == 3:
            allowed = {o["value"] for o in component.get("options") or []}
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise EmulatorError(f"{unknown} are not options of {component['custom_id']}")
        data = {
            "custom_id": component["custom_id"],
            "component_type": component["type"],
            "values": [str(v) for v in values],
        }
        return await self._component_interaction(user, message, data)

    async def submit_modal(
        self, user: User, record: InteractionRecord, values: dict[str, Any]
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot showed in answer to `record`."""
        if record.modal is None:
            raise EmulatorError(f"{record!r} did not open a modal")
        if record.user.id != user.id:
            raise EmulatorError("only the member who opened a modal can submit it")
        modal = record.modal
        rows, unknown = self._fill_modal(modal, values)
        if unknown:
            raise EmulatorError(f"the modal has no inputs named {sorted(unknown)}")
        channel = self.channels[record.channel_id]
        data = {"custom_id": modal["custom_id"], "components": rows}
        source = record.source_message
        return await self._create_interaction(MODAL_SUBMIT, user, channel, data, source=source)

    # ---- reading ------------------------------------------------------------------------
    def channel_messages(self, channel: Channel, *, ephemeral: bool = False) -> list[Message]:
        """Messages in a channel, oldest first; ephemeral ones only when asked for."""
        found = [self.messages[m] for m in channel.message_ids if m in self.messages]
        return [m for m in found if not m.deleted and (ephemeral or not m.ephemeral)]

    def visible_to(self, user: User, channel: Channel) -> list[Message]:
        """What `user` sees in `channel`: public messages plus their own ephemeral ones."""
        if not self.can_see(user, channel):
            return []
        return [
            m
            for m in self.channel_messages(channel, ephemeral=True)
            if m.ephemeral_to in (None, user.id)
        ]

    def dms(self, user: User) -> list[Message]:
        channel_id = self._dm_channels.get(user.id)
        return self.channel_messages(self.channels[channel_id]) if channel_id else []

    def ephemerals(self, user: User) -> list[Message]:
        return [m for m in self.messages.values() if m.ephemeral_to == user.id and not m.deleted]

    def threads(self, channel: Channel | None = None) -> list[Channel]:
        return [
            c
            for c in self.channels.values()
            if c.is_thread and (channel is None or c.parent_id == channel.id)
        ]

    def commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        """Registered commands: global ones, or one guild's own."""
        if guild is None:
            return list(self.global_commands)
        return list(self.guild_commands.get(guild.id, []))

    def command_names(self, guild: Guild | None = None) -> list[str]:
        """Every invocable name, with subcommands ("daily setup"), sorted."""
        names: list[str] = []

        def walk(prefix: str, options: list[dict[str, Any]]) -> None:
            subs = [o for o in options if o.get("type") in (1, 2)]
            if not subs:
                names.append(prefix)
            for sub in subs:
                walk(f"{prefix} {sub['name']}", sub.get("options") or [])

        for cmd in self.commands(guild):
            if cmd.get("type", 1) == 1:
                walk(cmd["name"], cmd.get("options") or [])
        return sorted(names)

    async def wait_until(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, *, what: str = "a change"
    ) -> T:
        """Wait until `predicate()` returns something truthy (re-checked on every change)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            try:
                # Re-check now and then too: the predicate may watch the bot, not only us.
                await asyncio.wait_for(event.wait(), min(remaining, 0.02))
            except TimeoutError:
                pass

    async def wait_for_message(
        self,
        channel: Channel | None = None,
        *,
        user: User | None = None,
        where: Callable[[Message], bool] | None = None,
        after: int = 0,
        timeout: float = 5.0,
    ) -> Message:
        """The first message (newer than id `after`) in `channel`, or DM to `user`, matching."""

        def find() -> Message | None:
            if channel is not None:
                pool = self.channel_messages(channel)
            elif user is not None:
                pool = self.dms(user)
            else:
                pool = [m for m in self.messages.values() if not m.ephemeral and not m.deleted]
            for message in pool:
                if message.id > after and (where is None or where(message)):
                    return message
            return None

        return await self.wait_until(find, timeout, what="a matching message")

    # ---- faults -------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        path_contains: str,
        *,
        status: int = 500,
        code: int = 0,
        message: str = "Injected failure",
        times: int = 1,
    ) -> None:
        """Make the next `times` matching requests fail (for retry and error-path tests)."""
        self.faults.append(InjectedFault(method, path_contains, status, code, message, 0.0, times))

    def rate_limit_next(
        self, method: str, path_contains: str, *, retry_after: float = 0.05
    ) -> None:
        """Answer the next matching request with a 429, as Discord's edge does."""
        self.faults.append(
            InjectedFault(method, path_contains, 429, 0, "You are being rate limited.", retry_after)
        )

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway connection, as Discord does during a restart of its own."""
        await self.server.drop_connections(code)

    def take_errors(self) -> list[ApiError]:
        errors, self.errors = self.errors, []
        return errors

    # ---- internals ----------------------------------------------------------------------
    def _bump(self) -> None:
        """Wake every waiter: something changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    def _all_commands_for(self, channel: Channel) -> list[dict[str, Any]]:
        own = self.guild_commands.get(channel.guild_id or 0, []) if channel.guild_id else []
        return [*own, *self.global_commands]

    def _resolve_command(
        self, channel: Channel, command: str
    ) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
        words = command.strip().lstrip("/").split()
        if not words:
            raise EmulatorError("empty command")
        for cmd in self._all_commands_for(channel):
            if cmd.get("type", 1) == 1 and cmd["name"] == words[0]:
                break
        else:
            raise EmulatorError(f"/{words[0]} is not registered for this channel")
        leaf = cmd
        for word in words[1:]:
            subs = [o for o in leaf.get("options") or [] if o.get("type") in (1, 2)]
            match = [s for s in subs if s["name"] == word]
            if not match:
                raise EmulatorError(f"/{command}: no subcommand {word!r}")
            leaf = match[0]
        if any(o.get("type") in (1, 2) for o in leaf.get("options") or []):
            raise EmulatorError(f"/{command} needs a subcommand")
        return cmd, words[1:], leaf

    def _check_visible(
        self, user: User, channel: Channel, cmd: dict[str, Any], *, force: bool
    ) -> None:
        if channel.type == DM:
            contexts = cmd.get("contexts")
            if contexts is not None and 1 not in contexts:
                raise EmulatorError(f"/{cmd['name']} cannot be used in DMs")
            return
        guild = self.guilds[channel.guild_id or 0]
        if user.id not in guild.members:
            raise EmulatorError(f"{user.name} is not a member of {guild.name}")
        if not self.can_see(user, channel):
            raise EmulatorError(f"{user.name} cannot see #{channel.name}")
        required = cmd.get("default_member_permissions")
        if required is None or force:
            return
        have = guild.base_permissions(user.id)
        if int(required) == 0 or have & int(required) != int(required):
            raise EmulatorError(f"/{cmd['name']} is hidden from {user.name} (default permissions)")

    def _build_options(
        self,
        user: User,
        channel: Channel,
        leaf: dict[str, Any],
        values: dict[str, Any],
        *,
        focused: str | None,
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        specs = {o["name"]: o for o in leaf.get("options") or []}
        unknown = set(values) - set(specs)
        if unknown:
            raise EmulatorError(
                f"unknown options {sorted(unknown)}; the command has {sorted(specs)}"
            )
        if focused is None:
            missing = [n for n, o in specs.items() if o.get("required") and n not in values]
            if missing:
                raise EmulatorError(f"missing required options {missing}")
        built: list[dict[str, Any]] = []
        resolved: dict[str, dict[str, Any]] = {}
        for name, raw in values.items():
            spec = specs[name]
            if name == focused or focused is not None:
                option = {"name": name, "type": spec["type"], "value": str(raw)}
                if name == focused:
                    option["focused"] = True
                built.append(option)
                continue
            value = self._convert_option(spec, raw, channel, resolved)
            built.append({"name": name, "type": spec["type"], "value": value})
        return built, resolved

    def _convert_option(
        self, spec: dict[str, Any], raw: Any, channel: Channel, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        kind, name = spec["type"], spec["name"]
        if kind == OPTION_STRING:
            if not isinstance(raw, str):
                raise EmulatorError(f"option {name} takes text")
            lo, hi = spec.get("min_length", 0), spec.get("max_length", 6000)
            if not lo <= len(raw) <= hi:
                raise EmulatorError(f"option {name} takes {lo} to {hi} characters")
            value: Any = raw
        elif kind == OPTION_INTEGER:
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise EmulatorError(f"option {name} takes a whole number")
            value = raw
        elif kind == OPTION_NUMBER:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise EmulatorError(f"option {name} takes a number")
            value = raw
        elif kind == OPTION_BOOLEAN:
            if not isinstance(raw, bool):
                raise EmulatorError(f"option {name} takes true or false")
            value = raw
        elif kind in (OPTION_USER, OPTION_CHANNEL, OPTION_ROLE, OPTION_MENTIONABLE):
            value = str(self._resolve_entity(kind, name, raw, channel, spec, resolved))
        else:
            raise EmulatorError(f"option type {kind} is not supported by the emulator")
        if kind in (OPTION_INTEGER, OPTION_NUMBER):
            if "min_value" in spec and value < spec["min_value"]:
                raise EmulatorError(f"option {name} must be at least {spec['min_value']}")
            if "max_value" in spec and value > spec["max_value"]:
                raise EmulatorError(f"option {name} must be at most {spec['max_value']}")
        choices = spec.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise EmulatorError(f"option {name} must be one of {[c['value'] for c in choices]}")
        return value

    def _resolve_entity(
        self,
        kind: int,
        name: str,
        raw: Any,
        channel: Channel,
        spec: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
    ) -> int:
        guild = self.guilds.get(channel.guild_id or 0)
        if isinstance(raw, Channel) and kind == OPTION_CHANNEL:
            types = spec.get("channel_types")
            if types and raw.type not in types:
                raise EmulatorError(f"option {name} does not accept that kind of channel")
            payload = raw.payload()
            payload["permissions"] = str(self.permissions_in(self.bot_user, raw))
            resolved.setdefault("channels", {})[str(raw.id)] = payload
            return raw.id
        if isinstance(raw, User) and kind in (OPTION_USER, OPTION_MENTIONABLE):
            resolved.setdefault("users", {})[str(raw.id)] = raw.payload()
            if guild and raw.id in guild.members:
                member = guild.members[raw.id].payload()
                member.pop("user")
                member["permissions"] = str(self.permissions_in(raw, channel))
                resolved.setdefault("members", {})[str(raw.id)] = member
            return raw.id
        if isinstance(raw, Role) and kind in (OPTION_ROLE, OPTION_MENTIONABLE):
            resolved.setdefault("roles", {})[str(raw.id)] = raw.payload()
            return raw.id
        raise EmulatorError(
            f"option {name} needs a {('user', 'channel', 'role', 'mentionable')[kind - 6]}"
        )

    def _command_data(
        self,
        channel: Channel,
        cmd: dict[str, Any],
        path: list[str],
        options: list[dict[str, Any]],
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        nested = options
        leaf_specs = [cmd]
        for word in path:
            leaf_specs.append(next(o for o in leaf_specs[-1]["options"] if o["name"] == word))
        for spec in reversed(leaf_specs[1:]):
            nested = [{"name": spec["name"], "type": spec["type"], "options": nested}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": nested}
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data

    def _find_component(
        self,
        user: User,
        message: Message,
        *,
        custom_id: str | None = None,
        label: str | None = None,
        select: bool = False,
    ) -> dict[str, Any]:
        current = self.messages.get(message.id)
        if current is None or current.deleted:
            raise EmulatorError("that message no longer exists")
        if current.ephemeral_to not in (None, user.id):
            raise EmulatorError(f"{user.name} cannot see someone else's ephemeral message")
        channel = self.channels.get(current.channel_id)
        if channel is None or (channel.type != DM and not self.can_see(user, channel)):
            raise EmulatorError(f"{user.name} cannot see that channel")
        candidates = [
            c
            for c in current.interactive()
            if (c.get("type") != 2) == select
            and (custom_id is None or c.get("custom_id") == custom_id)
            and (label is None or c.get("label") == label)
        ]
        if not candidates:
            present = [c.get("label") or c.get("custom_id") for c in current.interactive()]
            raise EmulatorError(
                f"no {'select' if select else 'button'} matching custom_id={custom_id!r} "
                f"label={label!r}; the message has {present}"
            )
        if len(candidates) > 1:
            raise EmulatorError("several components match; name one by custom_id")
        component = candidates[0]
        if component.get("disabled"):
            raise EmulatorError(
                f"{component.get('label') or component.get('custom_id')} is disabled"
            )
        return component

    async def _component_interaction(
        self, user: User, message: Message, data: dict[str, Any]
    ) -> InteractionRecord:
        channel = self.channels[message.channel_id]
        return await self._create_interaction(
            MESSAGE_COMPONENT, user, channel, data, source=message
        )

    def _fill_modal(
        self, modal: dict[str, Any], values: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], set[str]]:
        remaining = set(values)
        rows: list[dict[str, Any]] = []

        def fill(comp: dict[str, Any]) -> dict[str, Any] | None:
            cid = comp.get("custom_id")
            if comp.get("type") == 4:
                value = str(values.get(cid, comp.get("value") or ""))
                remaining.discard(cid)
                if comp.get("required", True) and not value:
                    raise EmulatorError(f"{comp.get('label') or cid} is required")
                lo, hi = comp.get("min_length", 0), comp.get("max_length", 4000)
                if value and not lo <= len(value) <= hi:
                    raise EmulatorError(f"{comp.get('label') or cid} takes {lo} to {hi} characters")
                return {"type": 4, "custom_id": cid, "value": value, "id": comp.get("id", 0)}
            if comp.get("type") in (3, 5, 6, 7, 8):
                chosen = values.get(cid, [])
                chosen = [chosen] if isinstance(chosen, str) else list(chosen)
                remaining.discard(cid)
                lo = comp.get("min_values", 1)
                if comp.get("required", True) and len(chosen) < lo:
                    raise EmulatorError(f"{cid} needs at least {lo} choices")
                if len(chosen) > comp.get("max_values", 1):
                    raise EmulatorError(f"{cid} takes at most {comp.get('max_values', 1)} choices")
                if comp["type"] == 3:
                    offered = {o["value"] for o in comp.get("options") or []}
                    if any(v not in offered for v in chosen):
                        raise EmulatorError(
                            f"{sorted(set(chosen) - offered)} are not options of {cid}"
                        )
                return {
                    "type": comp["type"],
                    "custom_id": cid,
                    "values": chosen,
                    "id": comp.get("id", 0),
                }
            return None

        for row in modal.get("components") or []:
            if row.get("type") == 18:
                inner = fill(row["component"])
                rows.append({"type": 18, "id": row.get("id", 0), "component": inner})
            elif row.get("type") == 1:
                inner_list = [c for c in (fill(c) for c in row.get("components") or []) if c]
                rows.append({"type": 1, "components": inner_list})
        return rows, remaining

    async def _create_interaction(
        self,
        kind: int,
        user: User,
        channel: Channel,
        data: dict[str, Any],
        *,
        source: Message | None = None,
    ) -> InteractionRecord:
        interaction_id = self.new_id()
        token = f"{interaction_id}.{self.next_token()}"
        guild = self.guilds.get(channel.guild_id or 0)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(self.permissions_in(self.bot_user, channel)),
            "channel_id": str(channel.id),
        }
        channel_payload = channel.payload(self.users)
        if guild is not None:
            member_payload = guild.members[user.id].payload()
            perms = self.permissions_in(user, channel)
            member_payload["permissions"] = str(perms)
            channel_payload["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild.id),
                member=member_payload,
                guild_locale="en-US",
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                context=0,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=user.payload(), context=1, authorizing_integration_owners={"0": "0"}
            )
        payload["channel"] = channel_payload
        if source is not None and kind == MESSAGE_COMPONENT:
            payload["message"] = source.data
        elif source is not None and kind == MODAL_SUBMIT:
            payload["message"] = source.data
        record = InteractionRecord(
            self,
            id=interaction_id,
            token=token,
            type=kind,
            user=user,
            channel_id=channel.id,
            guild_id=guild.id if guild else None,
            payload=payload,
            source_message=source,
            created_real=self.monotonic(),
            created_at=self.clock.now(),
        )
        self.interactions[interaction_id] = record
        if not self.server.has_session_for(guild.id if guild else None):
            raise EmulatorError("the bot is not connected to the gateway")
        self.server.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id if guild else None)
        return record
