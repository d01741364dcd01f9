"""One member action (slash command, click, select, modal, autocomplete) and what came of it.

A test gets an `InteractionRecord` back from every action and awaits what it needs: the
acknowledgement, the reply, a modal, autocomplete choices. The server fills it in as the bot
answers, enforcing Discord's rules (3-second ack, one response, 15-minute token).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.emulator.state import Message, User

if TYPE_CHECKING:
    from bot.emulator.core import Emulator

ACK_DEADLINE_SECONDS = 3.0
TOKEN_LIFETIME = timedelta(minutes=15)

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Callback types
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9


class InteractionRecord:
    def __init__(
        self,
        emulator: Emulator,
        *,
        id: int,
        token: str,
        type: int,
        user: User,
        channel_id: int,
        guild_id: int | None,
        payload: dict[str, Any],
        source_message: Message | None,
        created_real: float,
        created_at: datetime,
    ) -> None:
        self.emulator = emulator
        self.id = id
        self.token = token
        self.type = type
        self.user = user
        self.channel_id = channel_id
        self.guild_id = guild_id
        self.payload = payload
        self.source_message = source_message
        self.created_real = created_real
        self.created_at = created_at
        self.response_type: int | None = None
        self.original: Message | None = None
        self.followups: list[Message] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.ack_seconds: float | None = None
        self.acked = asyncio.Event()

    def __repr__(self) -> str:
        return f"<InteractionRecord {self.id} type={self.type} response={self.response_type}>"

    # ---- awaiting the bot ---------------------------------------------------------------
    async def ack(self, timeout: float = 5.0) -> InteractionRecord:
        """Wait until the bot acknowledged the interaction (any callback type)."""
        try:
            await asyncio.wait_for(self.acked.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"the bot did not acknowledge {self!r} within {timeout}s"
            ) from None
        return self

    async def reply(self, timeout: float = 5.0) -> Message:
        """The first visible message this interaction produced (or the updated source)."""
        await self.ack(timeout)

        def ready() -> Message | None:
            if self.response_type == UPDATE_MESSAGE and self.source_message is not None:
                return self.source_message
            if self.original is not None and not self.original.loading:
                return self.original
            if self.followups:
                return self.followups[0]
            return None

        return await self.emulator.wait_until(ready, timeout, what=f"a reply to {self!r}")

    async def modal_shown(self, timeout: float = 5.0) -> dict[str, Any]:
        await self.ack(timeout)
        if self.modal is None:
            raise AssertionError(
                f"{self!r} was answered with type {self.response_type}, not a modal"
            )
        return self.modal

    async def autocomplete_choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        await self.ack(timeout)
        if self.choices is None:
            raise AssertionError(f"{self!r} did not get autocomplete choices")
        return self.choices

    @property
    def deferred(self) -> bool:
        return self.response_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    @property
    def messages(self) -> list[Message]:
        return ([self.original] if self.original else []) + self.followups

    def token_expired(self, now: datetime) -> bool:
        return now - self.created_at > TOKEN_LIFETIME
