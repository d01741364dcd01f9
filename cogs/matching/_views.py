"""The match thread's "Show my packet" button and the availability modal. The button's custom
id carries the match id, so it works from the database alone after any restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.app import report_error
from bot.domain import availability as slots
from bot.domain.errors import BadInput, NotAllowed
from bot.services import matching
from bot.ui.matching import packet_embeds, packet_intro

if TYPE_CHECKING:
    from bot.app import CohortBot


class FromIds:
    """A dynamic item rebuilt from its custom id: the template's groups, in order, are the
    integers its constructor takes (a match id, a member id, a start time)."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Any:
        return cls(*(int(group) for group in match.groups()))  # type: ignore[call-arg]


class PacketButton(
    FromIds, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"match:packet:(?P<match>\d+)"
):
    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show my packet",
                style=discord.ButtonStyle.secondary,
                custom_id=f"match:packet:{match_id}",
            )
        )
        self.match_id = match_id

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            card = await matching.card(services.sessions, self.match_id)
            if card is None or interaction.user.id not in card.member_ids:
                raise NotAllowed("Only the members of this mock interview can use its buttons.")
            packet = await matching.packet(services.sessions, self.match_id, interaction.user.id)
            if packet is None:
                raise NotAllowed(
                    "You are the candidate here, so there is no packet for you: the questions "
                    "are a surprise. Good luck!"
                )
        except Exception as error:
            await report_error(interaction, error)
            return
        await interaction.response.send_message(
            packet_intro(packet, card),
            embeds=packet_embeds(packet),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


class AvailabilityModal(discord.ui.Modal, title="When are you free each week?"):
    windows: discord.ui.TextInput[AvailabilityModal] = discord.ui.TextInput(
        label="Weekly windows, in your timezone",  # named in the title
        style=discord.TextStyle.paragraph,
        placeholder="Mon-Fri 18:00-21:00, Sat 10:00-13:00  (or: none)",
        max_length=500,
    )

    def __init__(self, zone: str, current: str | None) -> None:
        super().__init__(custom_id="availability:set", title=f"Free time each week, {zone}"[:45])
        self.zone = zone
        if current:
            self.windows.default = current[:500]

    async def on_submit(self, interaction: discord.Interaction[CohortBot]) -> None:  # type: ignore[override]
        services = interaction.client.services
        try:
            try:
                parsed = slots.parse(str(self.windows.value))
            except slots.AvailabilityError as problem:
                raise BadInput(f"{problem} Nothing was saved.") from problem
            await matching.set_availability(
                services.sessions, interaction.user.id, self.zone, parsed, services.clock.now()
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        shown = slots.describe(parsed)
        text = (
            f"Saved, in {self.zone}: {shown}."
            if parsed
            else f"Saved: no free time ({self.zone}). You won't be matched until you add some."
        )
        await interaction.response.send_message(text[:2000], ephemeral=True)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[CohortBot], error: Exception
    ) -> None:
        await report_error(interaction, error)
