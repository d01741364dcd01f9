"""Printing what happens in the demo as a readable transcript."""

from __future__ import annotations

import sys
import textwrap
import time

from bot.emulator.state import Message

WIDTH = 88


class Transcript:
    def __init__(self, out=None) -> None:  # type: ignore[no-untyped-def]
        self.out = out or sys.stdout
        self.started = time.monotonic()

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def step(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self._print(f"[{elapsed:5.1f}s] {text}")

    def heading(self, text: str) -> None:
        self._print("")
        self._print(f"== {text} " + "=" * max(0, WIDTH - len(text) - 4))

    def member(self, name: str, action: str) -> None:
        self.step(f"{name} › {action}")

    def message(self, message: Message, *, who: str = "Cohort") -> None:
        where = " (only they see this)" if message.ephemeral else ""
        self.step(f"{who} replied{where}:")
        for line in render(message).splitlines():
            self._print("        │ " + line)


def render(message: Message) -> str:
    """A message as a person would read it: content, embeds, buttons, attachments."""
    lines: list[str] = []
    if message.content:
        lines += _wrap(message.content)
    for embed in message.embeds:
        if embed.get("title"):
            lines.append(f"**{embed['title']}**")
        if embed.get("description"):
            lines += _wrap(embed["description"])
        for field in embed.get("fields") or []:
            lines.append(f"{field['name']}:")
            lines += ["  " + line for line in field["value"].splitlines()]
        if (embed.get("footer") or {}).get("text"):
            lines.append(f"— {embed['footer']['text']}")
    labels = [c.get("label") or c.get("placeholder") or "…" for c in message.interactive()]
    if labels:
        lines.append("  ".join(f"[{label}]" for label in labels))
    for attachment in message.attachments:
        lines.append(f"📎 {attachment.filename} ({len(attachment.data):,} bytes)")
    return "\n".join(lines)


def _wrap(text: str) -> list[str]:
    out: list[str] = []
    for para in text.splitlines() or [""]:
        out += textwrap.wrap(para, WIDTH - 10) or [""]
    return out
