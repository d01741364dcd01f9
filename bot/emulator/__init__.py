"""A Discord-compatible server on 127.0.0.1 for tests and `python -m bot demo`.

The real, unmodified discord.py client connects to it (see `bot.connection`); tests build
guilds and act as members through `Emulator`. It enforces Discord's rules with Discord's error
codes, so a test that passes here is not fooled by a payload Discord would reject.
"""

from bot.emulator.core import ApiError, Emulator, EmulatorError
from bot.emulator.interactions import InteractionRecord
from bot.emulator.state import Channel, Guild, Message, Role, User

__all__ = [
    "ApiError",
    "Channel",
    "Emulator",
    "EmulatorError",
    "Guild",
    "InteractionRecord",
    "Message",
    "Role",
    "User",
]
