"""The daily post's answer components, as dynamic items so they keep working after a restart.

Their custom ids carry the post id (`daily:answer:{post}:{choice}`), so any process can answer
any click from the database alone; nothing lives in memory between the post and the click.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.app import report_error
from bot.bank.schema import LETTERS
from bot.services import answer_batcher, daily
from bot.services.daily import QuestionView
from bot.ui import notices
from bot.ui.daily import button_label, cut, receipt_text

if TYPE_CHECKING:
    from bot.app import CohortBot

ANSWER_MAX = 1500


async def _answer(
    interaction: discord.Interaction[CohortBot],
    post_id: int,
    *,
    choices: list[int] | None = None,
    text: str | None = None,
) -> None:
    services = interaction.client.services
    try:
        # Group commit: this click shares a transaction with the others arriving now, and
        # returns once its answer is committed (see bot.services.answer_batcher).
        receipt = await answer_batcher.shared(services).answer(
            post_id=post_id,
            member_id=interaction.user.id,
            choices=choices,
            text=text,
            now=services.clock.now(),
        )
    except Exception as error:
        await report_error(interaction, error)
        return
    await interaction.response.send_message(receipt_text(receipt), ephemeral=True)
    await notices.deliver(interaction)


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"daily:answer:(?P<post>\d+):(?P<choice>\d)",
):
    def __init__(self, post_id: int, choice: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"daily:answer:{post_id}:{choice}",
            )
        )
        self.post_id = post_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["post"]), int(match["choice"]), getattr(item, "label", None) or "?")

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        await _answer(interaction, self.post_id, choices=[self.choice])


class AnswerSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"daily:multi:(?P<post>\d+)"
):
    def __init__(self, post_id: int, options: list[discord.SelectOption] | None = None) -> None:
        options = options or [discord.SelectOption(label="?", value="0")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"daily:multi:{post_id}",
                placeholder="Select every answer that applies",
                min_values=1,
                max_values=len(options),
                options=options,
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnswerSelect:
        return cls(int(match["post"]))

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        values = (interaction.data or {}).get("values", [])  # type: ignore[union-attr]
        try:
            choices = [int(v) for v in values]
        except ValueError:
            choices = []
        await _answer(interaction, self.post_id, choices=choices)


class OpenAnswerModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[OpenAnswerModal] = discord.ui.TextInput(
        label="Answer (private until the reveal)",
        style=discord.TextStyle.paragraph,
        max_length=ANSWER_MAX,
    )

    def __init__(self, post_id: int) -> None:
        super().__init__(custom_id=f"daily:modal:{post_id}")
        self.post_id = post_id

    async def on_submit(self, interaction: discord.Interaction[CohortBot]) -> None:  # type: ignore[override]
        await _answer(interaction, self.post_id, text=str(self.answer.value))

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[CohortBot], error: Exception
    ) -> None:
        await report_error(interaction, error)


class OpenAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"daily:open:(?P<post>\d+)"
):
    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer", style=discord.ButtonStyle.primary, custom_id=f"daily:open:{post_id}"
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> OpenAnswerButton:
        return cls(int(match["post"]))

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        try:
            receipt = await daily.peek(services.sessions, self.post_id, interaction.user.id)
        except Exception as error:
            await report_error(interaction, error)
            return
        if receipt is not None:
            await interaction.response.send_message(receipt_text(receipt), ephemeral=True)
            return
        await interaction.response.send_modal(OpenAnswerModal(self.post_id))


def answer_view(post_id: int, q: QuestionView, *, closed: bool = False) -> discord.ui.View:
    """The components under a post: buttons, a multi-select, or an Answer button."""
    view = discord.ui.View(timeout=None)
    if q.format == "open":
        item: Any = OpenAnswerButton(post_id)
        item.item.disabled = closed
        view.add_item(item)
    elif q.format == "multi":
        options = [
            discord.SelectOption(label=cut(f"{LETTERS[i]}. {c}", 100), value=str(i))
            for i, c in enumerate(q.choices or [])
        ]
        item = AnswerSelect(post_id, options)
        item.item.disabled = closed
        view.add_item(item)
    else:
        for i in range(len(q.choices or [])):
            item = AnswerButton(post_id, i, button_label(q, i))
            item.item.disabled = closed
            item.item.row = i // 5 if len(q.choices or []) > 5 else None
            view.add_item(item)
    return view
