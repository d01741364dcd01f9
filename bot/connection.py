"""Pointing the real discord.py client at a Discord-compatible server.

discord.py keeps its REST base and gateway URL as class attributes; this module is the one
place that changes them, so `DISCORD_API_BASE` works the same for the emulator, the demo and
any other compatible server. Nothing here runs when the setting is unset.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

DISCORD_REST_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY = yarl.URL("wss://gateway.discord.gg/")


def use_api_base(base: str | None) -> None:
    """Send REST calls to `base` (or back to Discord when None)."""
    Route.BASE = f"{base.rstrip('/')}/api/v10" if base else DISCORD_REST_BASE
    if not base:
        DiscordWebSocket.DEFAULT_GATEWAY = DISCORD_GATEWAY


async def adopt_gateway(http: HTTPClient) -> str:
    """Ask the server where its gateway is (`GET /gateway/bot`) and connect there."""
    _shards, url, _limits = await http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    return url
