"""HTTP and gateway front of the emulator: the part the real discord.py client talks to.

Routes follow Discord's API v10 paths. Answers use Discord's status codes, error codes and
JSON bodies (`Content-Type: application/json` exactly, as discord.py checks), unknown routes
answer 404, and every 4xx is also recorded on the emulator so tests can assert there were none.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.emulator import limits
from bot.emulator import permissions as P
from bot.emulator.interactions import (
    ACK_DEADLINE_SECONDS,
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    InteractionRecord,
)
from bot.emulator.state import (
    DM,
    EPHEMERAL,
    GUILD_TEXT,
    LOADING,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Attachment,
    Channel,
    Guild,
    Message,
    compute_pings,
    iso,
)

if TYPE_CHECKING:
    from bot.emulator.core import Emulator

log = logging.getLogger("cohort.emulator")

API = "/api/v10"
MAX_UPLOAD = 10 * 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DiscordError(Exception):
    """Raised inside a handler to answer as Discord would."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors


def unknown(kind: str, code: int) -> DiscordError:
    return DiscordError(404, code, f"Unknown {kind}")


def missing_permissions(need: list[str] | None = None) -> DiscordError:
    detail = f" (needs {', '.join(need)})" if need else ""
    return DiscordError(403, 50013, "Missing Permissions" + detail)


def invalid_form(problems: list[limits.Problem]) -> DiscordError:
    return DiscordError(400, 50035, "Invalid Form Body", limits.nest(problems))


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py compares the content type to exactly "application/json": no charset.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class GatewaySession:
    """One websocket connection (one shard) of the bot."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.session_id = secrets.token_hex(16)
        self.shard = (0, 1)
        self.intents = 0
        self.seq = 0
        self.identified = False
        self.buffer: deque[dict[str, Any]] = deque(maxlen=1000)
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def holds(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


class EmulatorServer:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.sessions: list[GatewaySession] = []
        self._old_sessions: dict[str, GatewaySession] = {}
        self._runner: web.AppRunner | None = None
        self._site_url = ""
        self._senders: set[asyncio.Task[None]] = set()
        self.ready_count = 0
        self.identify_payloads: list[dict[str, Any]] = []

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self, host: str, port: int) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=MAX_UPLOAD * 2)
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        bound = sockets[0].getsockname()[1]
        self._site_url = f"http://{host}:{bound}"

    async def stop(self) -> None:
        await self.drop_connections(1001)
        for task in list(self._senders):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return self._site_url

    @property
    def gateway_url(self) -> str:
        return self._site_url.replace("http://", "ws://") + "/gateway"

    # ---- gateway ------------------------------------------------------------------------
    def has_session_for(self, guild_id: int | None) -> bool:
        return any(s.identified and s.holds(guild_id) for s in self.sessions)

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None) -> None:
        """Queue a gateway event for the session that holds `guild_id` (shard 0 for DMs)."""
        for session in self.sessions:
            if session.identified and session.holds(guild_id) and self._wants(session, event):
                session.queue.put_nowait({"op": 0, "t": event, "d": data})
        self.emu._bump()

    def dispatch_guild_create(self, guild: Guild) -> None:
        """The bot joined `guild`: Discord sends GUILD_CREATE without `unavailable` for a join."""
        payload = self.guild_payload(guild)
        payload.pop("unavailable")
        for session in self.sessions:
            if session.identified and session.holds(guild.id):
                session.queue.put_nowait({"op": 0, "t": "GUILD_CREATE", "d": payload})
        self.emu._bump()

    @staticmethod
    def _wants(session: GatewaySession, event: str) -> bool:
        if event.startswith("MESSAGE_"):
            return bool(session.intents & (1 << 9 | 1 << 12))
        return True

    async def drop_connections(self, code: int) -> None:
        for session in list(self.sessions):
            self._old_sessions[session.session_id] = session
            session.identified = False
            await session.ws.close(code=code, message=b"emulator closed the connection")

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws)
        self.sessions.append(session)
        sender = asyncio.create_task(self._send_loop(session))
        self._senders.add(sender)
        sender.add_done_callback(self._senders.discard)
        await session.queue.put({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._on_gateway_message(session, json.loads(msg.data))
        finally:
            session.identified = False
            if session in self.sessions:
                self.sessions.remove(session)
            await session.queue.put(None)
        return ws

    async def _send_loop(self, session: GatewaySession) -> None:
        while True:
            frame = await session.queue.get()
            if frame is None or session.ws.closed:
                return
            if frame.get("op") == 0:
                session.seq += 1
                frame = {**frame, "s": session.seq}
                session.buffer.append(frame)
            else:
                frame = {"s": None, "t": None, **frame}
            try:
                await session.ws.send_str(json.dumps(frame))
            except (ConnectionResetError, RuntimeError):
                return

    async def _on_gateway_message(self, session: GatewaySession, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == 1:  # heartbeat
            await session.queue.put({"op": 11})
        elif op == 2:  # identify
            await self._identify(session, data or {})
        elif op == 6:  # resume
            await self._resume(session, data or {})
        # presence updates, voice state and member requests are accepted and ignored

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        self.identify_payloads.append(data)
        if data.get("token") not in (self.emu.token, f"Bot {self.emu.token}"):
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & (1 << 1 | 1 << 8 | 1 << 15) & ~self.emu.privileged_intents:
            await session.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        session.shard = (int(shard[0]), int(shard[1]))
        session.intents = intents
        guilds = [g for g in self.emu.guilds.values() if self.emu.bot_user.id in g.members]
        mine = [g for g in guilds if session.holds(g.id)]
        ready = {
            "v": 10,
            "user": self.emu.bot_user.payload(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in mine],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(self.emu.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }
        session.identified = True
        self.ready_count += 1
        await session.queue.put({"op": 0, "t": "READY", "d": ready})
        for guild in mine:
            await session.queue.put({"op": 0, "t": "GUILD_CREATE", "d": self.guild_payload(guild)})
        self.emu._bump()

    async def _resume(self, session: GatewaySession, data: dict[str, Any]) -> None:
        old = self._old_sessions.pop(str(data.get("session_id")), None)
        if old is None or data.get("token") not in (self.emu.token, f"Bot {self.emu.token}"):
            await session.queue.put({"op": 9, "d": False})
            return
        session.session_id, session.shard, session.intents = old.session_id, old.shard, old.intents
        session.seq = old.seq
        session.identified = True
        last = int(data.get("seq") or 0)
        for frame in old.buffer:
            if frame["s"] > last:
                await session.ws.send_str(json.dumps(frame))
        session.buffer = old.buffer
        await session.queue.put({"op": 0, "t": "RESUMED", "d": {}})
        self.emu._bump()

    def guild_payload(self, guild: Guild) -> dict[str, Any]:
        channels = [self.emu.channels[c] for c in guild.channel_ids if c in self.emu.channels]
        threads = [
            c
            for c in self.emu.channels.values()
            if c.guild_id == guild.id and c.is_thread and not c.archived
        ]
        bot_member = guild.members[self.emu.bot_user.id].payload()
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [r.payload() for r in guild.roles.values()],
            "channels": [c.payload() for c in channels if not c.is_thread],
            "threads": [
                t.payload()
                for t in threads
                if self.emu.bot_user.id in t.thread_members or t.type == PUBLIC_THREAD
            ],
            "members": [bot_member],
            "member_count": len(guild.members),
            "joined_at": bot_member["joined_at"],
            "large": False,
            "unavailable": False,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # ---- HTTP plumbing ------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        self.emu.requests.append((request.method, path))
        fault = self._take_fault(request.method, path)
        if fault is not None:
            headers = {}
            body: dict[str, Any] = {"message": fault.message, "code": fault.code}
            if fault.status == 429:
                headers = {"Via": "1.1 google", "Retry-After": str(fault.retry_after)}
                body.update(retry_after=fault.retry_after, **{"global": False})
            return json_response(body, fault.status, headers)
        needs_auth = path.startswith(API) and not path.startswith(
            (f"{API}/interactions/", f"{API}/webhooks/", f"{API}/gateway")
        )
        try:
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.emu.token}":
                raise DiscordError(401, 0, "401: Unauthorized")
            return await handler(request)
        except web.HTTPNotFound:
            return self._error(request, DiscordError(404, 0, "404: Not Found"))
        except web.HTTPMethodNotAllowed:
            return self._error(request, DiscordError(405, 0, "405: Method Not Allowed"))
        except DiscordError as exc:
            return self._error(request, exc)
        except Exception as exc:  # an emulator bug must fail the test, not look like Discord
            log.exception("emulator error on %s %s", request.method, path)
            self.emu.internal_errors.append(f"{request.method} {path}: {exc!r}")
            return json_response({"message": f"emulator error: {exc!r}", "code": 0}, 400)

    def _take_fault(self, method: str, path: str) -> Any:
        for fault in self.emu.faults:
            if fault.method == method and fault.path_contains in path and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.emu.faults.remove(fault)
                return fault
        return None

    def _error(self, request: web.Request, exc: DiscordError) -> web.Response:
        from bot.emulator.core import ApiError

        self.emu.errors.append(
            ApiError(request.method, request.path, exc.status, exc.code, exc.message)
        )
        body: dict[str, Any] = {"message": exc.message, "code": exc.code}
        if exc.errors:
            body["errors"] = exc.errors
        return json_response(body, exc.status)

    def _routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/gateway", self._gateway)
        r.add_get(f"{API}/gateway", self._get_gateway)
        r.add_get(f"{API}/gateway/bot", self._get_gateway_bot)
        r.add_get(f"{API}/users/@me", self._get_me)
        r.add_get(f"{API}/users/{{user_id:\\d+}}", self._get_user)
        r.add_post(f"{API}/users/@me/channels", self._create_dm)
        r.add_get(f"{API}/oauth2/applications/@me", self._get_application)
        r.add_get(f"{API}/applications/@me", self._get_application)
        app_cmds = f"{API}/applications/{{app_id}}/commands"
        r.add_get(app_cmds, self._get_commands)
        r.add_put(app_cmds, self._put_commands)
        guild_cmds = f"{API}/applications/{{app_id}}/guilds/{{guild_id}}/commands"
        r.add_get(guild_cmds, self._get_commands)
        r.add_put(guild_cmds, self._put_commands)
        ch = f"{API}/channels/{{channel_id}}"
        r.add_get(ch, self._get_channel)
        r.add_patch(ch, self._patch_channel)
        r.add_get(f"{ch}/messages", self._get_messages)
        r.add_post(f"{ch}/messages", self._post_message)
        r.add_get(f"{ch}/messages/{{message_id}}", self._get_message)
        r.add_patch(f"{ch}/messages/{{message_id}}", self._patch_message)
        r.add_delete(f"{ch}/messages/{{message_id}}", self._delete_message)
        r.add_post(f"{ch}/messages/{{message_id}}/threads", self._thread_from_message)
        r.add_post(f"{ch}/threads", self._create_thread)
        r.add_post(f"{ch}/typing", self._typing)
        r.add_get(f"{ch}/thread-members", self._get_thread_members)
        r.add_put(f"{ch}/thread-members/{{user_id}}", self._add_thread_member)
        r.add_delete(f"{ch}/thread-members/{{user_id}}", self._remove_thread_member)
        g = f"{API}/guilds/{{guild_id}}"
        r.add_get(g, self._get_guild)
        r.add_get(f"{g}/channels", self._get_guild_channels)
        r.add_get(f"{g}/roles", self._get_roles)
        r.add_get(f"{g}/members/{{user_id}}", self._get_member)
        r.add_put(f"{g}/members/{{user_id}}/roles/{{role_id}}", self._add_role)
        r.add_delete(f"{g}/members/{{user_id}}/roles/{{role_id}}", self._remove_role)
        r.add_post(f"{g}/scheduled-events", self._create_event)
        r.add_get(f"{g}/scheduled-events/{{event_id}}", self._get_event)
        r.add_patch(f"{g}/scheduled-events/{{event_id}}", self._patch_event)
        r.add_delete(f"{g}/scheduled-events/{{event_id}}", self._delete_event)
        r.add_post(f"{API}/interactions/{{interaction_id}}/{{token}}/callback", self._callback)
        wh = f"{API}/webhooks/{{app_id}}/{{token}}"
        r.add_post(wh, self._followup)
        r.add_get(f"{wh}/messages/{{message_id}}", self._get_webhook_message)
        r.add_patch(f"{wh}/messages/{{message_id}}", self._edit_webhook_message)
        r.add_delete(f"{wh}/messages/{{message_id}}", self._delete_webhook_message)
        r.add_get("/attachments/{attachment_id}/{filename}", self._get_attachment)

    # ---- helpers ------------------------------------------------------------------------
    def _channel(self, request: web.Request) -> Channel:
        channel = self.emu.channels.get(_int(request.match_info["channel_id"]))
        if channel is None:
            raise unknown("Channel", 10003)
        return channel

    def _guild(self, request: web.Request) -> Guild:
        guild = self.emu.guilds.get(_int(request.match_info["guild_id"]))
        if guild is None or self.emu.bot_user.id not in guild.members:
            raise unknown("Guild", 10004)
        return guild

    def _bot_perms(self, channel: Channel) -> int:
        return self.emu.permissions_in(self.emu.bot_user, channel)

    def _require_view(self, channel: Channel) -> int:
        if channel.type == DM:
            return P.ALL
        perms = self._bot_perms(channel)
        if not perms & P.VIEW_CHANNEL:
            raise DiscordError(403, 50001, "Missing Access")
        if channel.type == PRIVATE_THREAD and not (
            self.emu.bot_user.id in channel.thread_members or perms & P.MANAGE_THREADS
        ):
            raise DiscordError(403, 50001, "Missing Access")
        return perms

    async def _read_body(self, request: web.Request) -> tuple[dict[str, Any], list[Attachment]]:
        """JSON, or multipart with payload_json and files[n], as discord.py sends them."""
        if request.content_type.startswith("multipart/"):
            payload: dict[str, Any] = {}
            files: list[Attachment] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                name = part.name or ""  # type: ignore[union-attr]
                raw = await part.read()  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(raw)
                elif name.startswith("files["):
                    if len(raw) > MAX_UPLOAD:
                        raise DiscordError(413, 40005, "Request entity too large")
                    attachment_id = self.emu.new_id()
                    filename = part.filename or "file"  # type: ignore[union-attr]
                    files.append(
                        Attachment(
                            attachment_id,
                            filename,
                            part.headers.get("Content-Type", "application/octet-stream"),  # type: ignore[union-attr]
                            bytes(raw),
                            f"{self.base_url}/attachments/{attachment_id}/{filename}",
                        )
                    )
            for meta, attachment in zip(payload.get("attachments") or [], files, strict=False):
                attachment.description = meta.get("description")
                if meta.get("filename"):
                    attachment.filename = meta["filename"]
            return payload, files
        if not request.can_read_body:
            return {}, []
        try:
            return await request.json(), []
        except json.JSONDecodeError:
            raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None

    def _store_message(
        self,
        channel: Channel,
        payload: dict[str, Any],
        files: list[Attachment],
        *,
        ephemeral_to: int | None = None,
        interaction: InteractionRecord | None = None,
        loading: bool = False,
    ) -> Message:
        """Validate and create a message from the bot (channel post, reply or followup)."""
        problems = limits.check_message(payload, has_files=bool(files))
        if problems:
            raise invalid_form(problems)
        if not loading and limits.is_empty(payload, has_files=bool(files)):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        message_id = self.emu.new_id()
        now = self.emu.clock.now()
        flags = int(payload.get("flags") or 0) & ~LOADING
        if ephemeral_to is not None:
            flags |= EPHEMERAL
        if loading:
            flags |= LOADING
        guild = self.emu.guild_of(channel)
        can_everyone = True
        if guild is not None and interaction is None:
            can_everyone = bool(self._bot_perms(channel) & P.MENTION_EVERYONE)
        pings = compute_pings(
            payload.get("content") or "",
            payload.get("allowed_mentions"),
            can_mention_everyone=can_everyone,
        )
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "author": self.emu.bot_user.payload(),
            "content": payload.get("content") or "",
            "timestamp": iso(now),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": pings.everyone,
            "mentions": [self.emu.users[u].payload() for u in pings.users if u in self.emu.users],
            "mention_roles": [str(r) for r in pings.roles],
            "attachments": [a.payload() for a in files],
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": flags,
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
        if interaction is not None:
            data["type"] = 20 if interaction.type == APPLICATION_COMMAND else 19
            data["webhook_id"] = str(self.emu.application_id)
            data["application_id"] = str(self.emu.application_id)
            data["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": {},
            }
        message = Message(
            message_id,
            channel.id,
            self.emu.bot_user.id,
            data,
            attachments=files,
            ephemeral_to=ephemeral_to,
            interaction_id=interaction.id if interaction else None,
            pings=pings,
        )
        self.emu.messages[message_id] = message
        channel.message_ids.append(message_id)
        if channel.is_thread and channel.archived and not channel.locked:
            channel.archived = False
        if ephemeral_to is None:
            self.dispatch("MESSAGE_CREATE", data, guild_id=channel.guild_id)
        self.emu._bump()
        return message

    def _edit_message(
        self, message: Message, payload: dict[str, Any], files: list[Attachment]
    ) -> Message:
        merged = {k: v for k, v in message.data.items()}
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in payload:
                merged[key] = (
                    payload[key] if payload[key] is not None else ([] if key != "content" else "")
                )
        if "attachments" in payload or files:
            keep_ids = {str(a.get("id")) for a in payload.get("attachments") or [] if "id" in a}
            kept = [a for a in message.attachments if str(a.id) in keep_ids]
            message.attachments = kept + files
            merged["attachments"] = [a.payload() for a in message.attachments]
        problems = limits.check_message(merged, has_files=bool(message.attachments))
        if problems:
            raise invalid_form(problems)
        was_loading = message.loading
        flags = int(merged.get("flags") or 0) & ~LOADING
        if message.ephemeral:
            flags |= EPHEMERAL
        merged["flags"] = flags
        if not was_loading and limits.is_empty(merged, has_files=bool(message.attachments)):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if was_loading:
            # The deferred "thinking" message becomes the real reply: a new message, not an edit.
            merged["timestamp"] = iso(self.emu.clock.now())
        else:
            merged["edited_timestamp"] = iso(self.emu.clock.now())
            message.edits += 1
        merged.pop("allowed_mentions", None)
        channel = self.emu.channels.get(message.channel_id)
        if "content" in payload:
            message.pings = compute_pings(
                merged.get("content") or "",
                payload.get("allowed_mentions"),
                can_mention_everyone=True,
            )
        message.data = merged
        if not message.ephemeral and channel is not None:
            self.dispatch("MESSAGE_UPDATE", merged, guild_id=channel.guild_id)
        self.emu._bump()
        return message

    def _message_in(self, channel: Channel, message_id: int) -> Message:
        message = self.emu.messages.get(message_id)
        if (
            message is None
            or message.deleted
            or message.channel_id != channel.id
            or message.ephemeral
        ):
            raise unknown("Message", 10008)
        return message

    # ---- REST: identity, gateway, commands ----------------------------------------------
    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {self.emu.token}":
            raise DiscordError(401, 0, "401: Unauthorized")
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_me(self, request: web.Request) -> web.Response:
        return json_response(
            {**self.emu.bot_user.payload(), "verified": True, "mfa_enabled": False}
        )

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.emu.users.get(_int(request.match_info["user_id"]))
        if user is None:
            raise unknown("User", 10013)
        return json_response(user.payload())

    async def _get_application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(self.emu.application_id),
                "name": self.emu.bot_user.name,
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": self.emu.bot_user.payload(),
                "team": None,
                "summary": "",
                "rpc_origins": [],
            }
        )

    async def _create_dm(self, request: web.Request) -> web.Response:
        body, _ = await self._read_body(request)
        user = self.emu.users.get(_int(body.get("recipient_id")))
        if user is None:
            raise unknown("User", 10013)
        return json_response(self.emu.dm_channel(user).payload(self.emu.users))

    def _command_scope(self, request: web.Request) -> int | None:
        if _int(request.match_info["app_id"]) != self.emu.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" in request.match_info:
            return self._guild(request).id
        return None

    async def _get_commands(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        cmds = self.emu.guild_commands.get(guild_id, []) if guild_id else self.emu.global_commands
        return json_response(cmds)

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        body, _ = await self._read_body(request)
        if not isinstance(body, list):
            raise invalid_form([("", "Expected a list of commands")])
        problems = limits.check_commands(body)
        if problems:
            raise invalid_form(problems)
        old = self.emu.guild_commands.get(guild_id, []) if guild_id else self.emu.global_commands
        old_ids = {(c.get("type", 1), c["name"]): c["id"] for c in old}
        stored = []
        for cmd in body:
            key = (cmd.get("type", 1), cmd["name"])
            full = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **cmd,
                "id": old_ids.get(key) or str(self.emu.new_id()),
                "application_id": str(self.emu.application_id),
                "version": str(self.emu.new_id()),
            }
            if guild_id:
                full["guild_id"] = str(guild_id)
            stored.append(full)
        if guild_id:
            self.emu.guild_commands[guild_id] = stored
        else:
            self.emu.global_commands = stored
        self.emu.command_syncs.append(guild_id)
        self.emu._bump()
        return json_response(stored)

    # ---- REST: channels and messages ----------------------------------------------------
    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require_view(channel)
        return json_response(channel.payload(self.emu.users))

    async def _patch_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        perms = self._require_view(channel)
        body, _ = await self._read_body(request)
        if not channel.is_thread:
            if not perms & P.MANAGE_CHANNELS:
                raise missing_permissions(["Manage Channels"])
            if "name" in body:
                channel.name = body["name"]
            self.dispatch("CHANNEL_UPDATE", channel.payload(), guild_id=channel.guild_id)
            return json_response(channel.payload())
        owner = channel.owner_id == self.emu.bot_user.id
        if not (owner or perms & P.MANAGE_THREADS):
            raise missing_permissions(["Manage Threads"])
        if "locked" in body and not perms & P.MANAGE_THREADS:
            raise missing_permissions(["Manage Threads"])
        if "name" in body:
            if not 1 <= len(body["name"] or "") <= limits.THREAD_NAME_MAX:
                raise invalid_form([("name", "Must be between 1 and 100 in length.")])
            channel.name = body["name"]
        channel.archived = bool(body.get("archived", channel.archived))
        channel.locked = bool(body.get("locked", channel.locked))
        channel.invitable = bool(body.get("invitable", channel.invitable))
        self.dispatch("THREAD_UPDATE", channel.payload(), guild_id=channel.guild_id)
        return json_response(channel.payload())

    async def _get_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        perms = self._require_view(channel)
        if channel.type != DM and not perms & P.READ_MESSAGE_HISTORY:
            return json_response([])
        limit = min(int(request.query.get("limit", 50)), 100)
        messages = self.emu.channel_messages(channel)
        if "before" in request.query:
            messages = [m for m in messages if m.id < int(request.query["before"])]
        if "after" in request.query:
            messages = [m for m in messages if m.id > int(request.query["after"])][:limit]
        messages = list(reversed(messages))[:limit]
        return json_response([m.data for m in messages])

    async def _get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        perms = self._require_view(channel)
        if channel.type != DM and not perms & P.READ_MESSAGE_HISTORY:
            raise DiscordError(403, 50001, "Missing Access")
        return json_response(self._message_in(channel, _int(request.match_info["message_id"])).data)

    async def _post_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body, files = await self._read_body(request)
        if channel.type == DM:
            user = self.emu.users[channel.recipient_id or 0]
            shares_guild = any(
                user.id in g.members and self.emu.bot_user.id in g.members
                for g in self.emu.guilds.values()
            )
            if not user.dms_open or not shares_guild or user.bot:
                raise DiscordError(403, 50007, "Cannot send messages to this user")
        else:
            perms = self._require_view(channel)
            send = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
            if not perms & send:
                raise missing_permissions(P.missing_names(perms, send))
            if files and not perms & P.ATTACH_FILES:
                raise missing_permissions(["Attach Files"])
            if channel.is_thread and channel.locked and not perms & P.MANAGE_THREADS:
                raise DiscordError(400, 50083, "Thread is locked")
            if body.get("embeds") and not perms & P.EMBED_LINKS:
                # Discord drops the embeds without a word; so do we.
                body = {**body, "embeds": []}
        message = self._store_message(channel, body, files)
        return json_response(message.data)

    async def _patch_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require_view(channel)
        message = self._message_in(channel, _int(request.match_info["message_id"]))
        if message.author_id != self.emu.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        body, files = await self._read_body(request)
        return json_response(self._edit_message(message, body, files).data)

    async def _delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        perms = self._require_view(channel)
        message = self._message_in(channel, _int(request.match_info["message_id"]))
        if message.author_id != self.emu.bot_user.id and not perms & P.MANAGE_MESSAGES:
            raise missing_permissions(["Manage Messages"])
        message.deleted = True
        self.dispatch(
            "MESSAGE_DELETE",
            {
                "id": str(message.id),
                "channel_id": str(channel.id),
                "guild_id": str(channel.guild_id),
            },
            guild_id=channel.guild_id,
        )
        return web.Response(status=204)

    async def _typing(self, request: web.Request) -> web.Response:
        self._require_view(self._channel(request))
        return web.Response(status=204)

    # ---- REST: threads ------------------------------------------------------------------
    def _new_thread(
        self, parent: Channel, name: str, kind: int, thread_id: int | None = None
    ) -> Channel:
        if not 1 <= len(name or "") <= limits.THREAD_NAME_MAX:
            raise invalid_form([("name", "Must be between 1 and 100 in length.")])
        thread = Channel(
            thread_id or self.emu.new_id(),
            kind,
            name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.emu.bot_user.id,
            thread_members={self.emu.bot_user.id},
            created_at=self.emu.clock.now(),
        )
        self.emu.channels[thread.id] = thread
        self.dispatch(
            "THREAD_CREATE", {**thread.payload(), "newly_created": True}, guild_id=thread.guild_id
        )
        return thread

    async def _create_thread(self, request: web.Request) -> web.Response:
        parent = self._channel(request)
        perms = self._require_view(parent)
        if parent.type != GUILD_TEXT:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        body, _ = await self._read_body(request)
        kind = int(body.get("type", PRIVATE_THREAD))
        need = P.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS
        if not perms & need:
            raise missing_permissions(P.missing_names(perms, need))
        thread = self._new_thread(parent, body.get("name", ""), kind)
        thread.invitable = bool(body.get("invitable", True))
        return json_response(thread.payload())

    async def _thread_from_message(self, request: web.Request) -> web.Response:
        parent = self._channel(request)
        perms = self._require_view(parent)
        if not perms & P.CREATE_PUBLIC_THREADS:
            raise missing_permissions(["Create Public Threads"])
        message = self._message_in(parent, _int(request.match_info["message_id"]))
        if message.id in self.emu.channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        body, _ = await self._read_body(request)
        thread = self._new_thread(parent, body.get("name", ""), PUBLIC_THREAD, thread_id=message.id)
        message.data["thread"] = thread.payload()
        self.emu._bump()
        return json_response(thread.payload())

    def _thread(self, request: web.Request) -> Channel:
        thread = self._channel(request)
        if not thread.is_thread:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return thread

    async def _get_thread_members(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        self._require_view(thread)
        return json_response(
            [
                {
                    "id": str(thread.id),
                    "user_id": str(u),
                    "join_timestamp": iso(self.emu.clock.now()),
                    "flags": 0,
                }
                for u in sorted(thread.thread_members)
            ]
        )

    async def _add_thread_member(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        perms = self._require_view(thread)
        raw = request.match_info["user_id"]
        user_id = self.emu.bot_user.id if raw == "@me" else _int(raw)
        guild = self.emu.guilds[thread.guild_id or 0]
        if user_id not in guild.members:
            raise unknown("Member", 10007)
        if thread.archived and thread.locked:
            raise DiscordError(400, 50083, "Thread is archived")
        if user_id != self.emu.bot_user.id and not perms & P.SEND_MESSAGES_IN_THREADS:
            raise missing_permissions(["Send Messages in Threads"])
        thread.thread_members.add(user_id)
        self.emu._bump()
        return web.Response(status=204)

    async def _remove_thread_member(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        perms = self._require_view(thread)
        raw = request.match_info["user_id"]
        user_id = self.emu.bot_user.id if raw == "@me" else _int(raw)
        if user_id != self.emu.bot_user.id and not (
            perms & P.MANAGE_THREADS or thread.owner_id == self.emu.bot_user.id
        ):
            raise missing_permissions(["Manage Threads"])
        thread.thread_members.discard(user_id)
        self.emu._bump()
        return web.Response(status=204)

    # ---- REST: guilds, members, roles ---------------------------------------------------
    # Scheduled events: external ones (a place, not a voice channel) are what bots make; the
    # checks are Discord's: Create or Manage Events, a name, a start in the future, an end
    # after it and a location for an external event.
    def _event_guild(self, request: web.Request) -> Guild:
        guild = self._guild(request)
        if not guild.base_permissions(self.emu.bot_user.id) & (P.CREATE_EVENTS | P.MANAGE_EVENTS):
            raise missing_permissions(["Create Events"])
        return guild

    def _event(self, request: web.Request, guild: Guild) -> dict[str, Any]:
        event = self.emu.scheduled_events.get(_int(request.match_info["event_id"]))
        if event is None or event["guild_id"] != str(guild.id):
            raise unknown("Guild Scheduled Event", 10070)
        return event

    def _check_event(self, event: dict[str, Any]) -> None:
        problems: list[limits.Problem] = []
        name = event.get("name") or ""
        if not 1 <= len(name) <= 100:
            problems.append(("name", "Must be between 1 and 100 in length."))
        if len(event.get("description") or "") > 1000:
            problems.append(("description", "Must be 1000 or fewer in length."))
        if event.get("privacy_level") != 2:
            problems.append(("privacy_level", "Value must be one of {2}."))
        location = (event.get("entity_metadata") or {}).get("location") or ""
        if event.get("entity_type") == 3 and not 1 <= len(location) <= 100:
            problems.append(("entity_metadata.location", "Must be between 1 and 100 in length."))
        start = _parse_time(event.get("scheduled_start_time"))
        end = _parse_time(event.get("scheduled_end_time"))
        if start is None:
            problems.append(("scheduled_start_time", "This field is required"))
        elif start <= self.emu.clock.now():
            problems.append(("scheduled_start_time", "Cannot schedule event in the past."))
        if event.get("entity_type") == 3 and (end is None or (start and end <= start)):
            problems.append(("scheduled_end_time", "Must be after the start time."))
        if problems:
            raise invalid_form(problems)

    async def _create_event(self, request: web.Request) -> web.Response:
        guild = self._event_guild(request)
        body, _ = await self._read_body(request)
        event = {
            "id": str(self.emu.new_id()),
            "guild_id": str(guild.id),
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.emu.bot_user.id),
            "name": body.get("name"),
            "description": body.get("description"),
            "scheduled_start_time": body.get("scheduled_start_time"),
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body.get("privacy_level"),
            "status": 1,
            "entity_type": body.get("entity_type"),
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
            "image": None,
        }
        self._check_event(event)
        self.emu.scheduled_events[int(event["id"])] = event
        return json_response(event)

    async def _get_event(self, request: web.Request) -> web.Response:
        return json_response(self._event(request, self._guild(request)))

    async def _patch_event(self, request: web.Request) -> web.Response:
        guild = self._event_guild(request)
        event = self._event(request, guild)
        body, _ = await self._read_body(request)
        changed = {**event, **{k: v for k, v in body.items() if k in event}}
        self._check_event(changed)
        event.update(changed)
        return json_response(event)

    async def _delete_event(self, request: web.Request) -> web.Response:
        guild = self._event_guild(request)
        event = self._event(request, guild)
        del self.emu.scheduled_events[int(event["id"])]
        return web.Response(status=204)

    async def _get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        payload = self.guild_payload(guild)
        for key in ("channels", "threads", "members", "voice_states", "presences"):
            payload.pop(key)
        return json_response(payload)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response([c.payload() for c in self.emu.guild_channels(guild)])

    async def _get_roles(self, request: web.Request) -> web.Response:
        return json_response([r.payload() for r in self._guild(request).roles.values()])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = guild.members.get(_int(request.match_info["user_id"]))
        if member is None:
            raise unknown("Member", 10007)
        return json_response(member.payload())

    def _role_change(self, request: web.Request) -> tuple[Guild, Any, Any]:
        guild = self._guild(request)
        member = guild.members.get(_int(request.match_info["user_id"]))
        if member is None:
            raise unknown("Member", 10007)
        role = guild.roles.get(_int(request.match_info["role_id"]))
        if role is None:
            raise unknown("Role", 10011)
        perms = guild.base_permissions(self.emu.bot_user.id)
        if not perms & P.MANAGE_ROLES:
            raise missing_permissions(["Manage Roles"])
        if (
            role.managed
            or role.id == guild.id
            or role.position >= guild.top_position(self.emu.bot_user.id)
        ):
            raise missing_permissions()
        return guild, member, role

    async def _add_role(self, request: web.Request) -> web.Response:
        guild, member, role = self._role_change(request)
        if role.id not in member.role_ids:
            member.role_ids.append(role.id)
        self._member_update(guild, member)
        return web.Response(status=204)

    async def _remove_role(self, request: web.Request) -> web.Response:
        guild, member, role = self._role_change(request)
        if role.id in member.role_ids:
            member.role_ids.remove(role.id)
        self._member_update(guild, member)
        return web.Response(status=204)

    def _member_update(self, guild: Guild, member: Any) -> None:
        if any(s.intents & (1 << 1) for s in self.sessions):
            self.dispatch(
                "GUILD_MEMBER_UPDATE",
                {"guild_id": str(guild.id), **member.payload()},
                guild_id=guild.id,
            )
        else:
            self.emu._bump()

    # ---- REST: interactions -------------------------------------------------------------
    def _record(self, interaction_id: int, token: str) -> InteractionRecord:
        record = self.emu.interactions.get(interaction_id)
        if record is None or record.token != token:
            raise DiscordError(404, 10062, "Unknown interaction")
        return record

    async def _callback(self, request: web.Request) -> web.Response:
        record = self._record(
            _int(request.match_info["interaction_id"]), request.match_info["token"]
        )
        elapsed = self.emu.monotonic() - record.created_real
        if elapsed > ACK_DEADLINE_SECONDS:
            raise DiscordError(404, 10062, "Unknown interaction")
        if record.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        body, files = await self._read_body(request)
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        channel = self.emu.channels[record.channel_id]
        ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        resource: dict[str, Any] = {"type": kind}
        if kind == CHANNEL_MESSAGE:
            record.original = self._store_message(
                channel,
                data,
                files,
                ephemeral_to=record.user.id if ephemeral else None,
                interaction=record,
            )
            resource["message"] = record.original.data
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            record.original = self._store_message(
                channel,
                {"flags": data.get("flags", 0)},
                [],
                ephemeral_to=record.user.id if ephemeral else None,
                interaction=record,
                loading=True,
            )
            resource["message"] = record.original.data
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            if record.source_message is None:
                raise DiscordError(400, 40004, "Interaction has no message to update")
            if kind == UPDATE_MESSAGE:
                self._edit_message(record.source_message, data, files)
                resource["message"] = record.source_message.data
        elif kind == AUTOCOMPLETE_RESULT:
            problems = limits.check_autocomplete(data)
            if problems:
                raise invalid_form(problems)
            record.choices = data.get("choices") or []
        elif kind == MODAL:
            if record.type == MODAL_SUBMIT:
                raise DiscordError(400, 50035, "Invalid Form Body: a modal cannot open a modal")
            problems = limits.check_modal(data)
            if problems:
                raise invalid_form(problems)
            record.modal = data
        else:
            raise invalid_form([("type", f"Unsupported callback type {kind}")])
        record.response_type = kind
        record.ack_seconds = elapsed
        record.acked.set()
        self.emu._bump()
        answer = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": str(record.original.id) if record.original else None,
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": ephemeral,
            },
            "resource": resource,
        }
        return json_response(answer)

    def _webhook_record(self, request: web.Request) -> InteractionRecord:
        if _int(request.match_info["app_id"]) != self.emu.application_id:
            raise unknown("Webhook", 10015)
        token = request.match_info["token"]
        record = next((r for r in self.emu.interactions.values() if r.token == token), None)
        if record is None:
            raise unknown("Webhook", 10015)
        if record.token_expired(self.emu.clock.now()):
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if record.response_type is None:
            raise unknown("Webhook", 10015)
        return record

    def _webhook_message(self, record: InteractionRecord, raw_id: str) -> Message:
        if raw_id == "@original":
            if record.response_type in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
                message = record.source_message
            else:
                message = record.original
        else:
            message = next((m for m in record.messages if m.id == _int(raw_id)), None)
            if (
                message is None
                and record.source_message
                and record.source_message.id == _int(raw_id)
            ):
                message = record.source_message
        if message is None or message.deleted:
            raise unknown("Message", 10008)
        return message

    async def _followup(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        body, files = await self._read_body(request)
        channel = self.emu.channels[record.channel_id]
        ephemeral = bool(int(body.get("flags") or 0) & EPHEMERAL)
        if record.original is not None and record.original.loading:
            # The first followup after a "thinking" defer replaces the loading message.
            message = self._edit_message(record.original, body, files)
        else:
            message = self._store_message(
                channel,
                body,
                files,
                ephemeral_to=record.user.id if ephemeral else None,
                interaction=record,
            )
            record.followups.append(message)
        self.emu._bump()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(message.data)
        return web.Response(status=204)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        return json_response(self._webhook_message(record, request.match_info["message_id"]).data)

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        message = self._webhook_message(record, request.match_info["message_id"])
        body, files = await self._read_body(request)
        return json_response(self._edit_message(message, body, files).data)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        message = self._webhook_message(record, request.match_info["message_id"])
        message.deleted = True
        self.emu._bump()
        return web.Response(status=204)

    async def _get_attachment(self, request: web.Request) -> web.Response:
        attachment_id = _int(request.match_info["attachment_id"])
        for message in self.emu.messages.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(body=attachment.data, content_type=attachment.content_type)
        raise DiscordError(404, 0, "404: Not Found")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DiscordError(404, 0, "404: Not Found") from None
