"""The answer buttons under a quiz question: dynamic items, so they work after a restart
(a restart ends the round, and a late click is then told so instead of failing)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.app import report_error
from bot.services import quiz_answers
from bot.services.daily import QuestionView
from bot.ui import notices
from bot.ui.daily import button_label
from bot.ui.quiz import receipt_text

if TYPE_CHECKING:
    from bot.app import CohortBot


class QuizButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:answer:(?P<question>\d+):(?P<choice>\d)",
):
    def __init__(self, quiz_question_id: int, choice: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:answer:{quiz_question_id}:{choice}",
            )
        )
        self.quiz_question_id = quiz_question_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> QuizButton:
        return cls(
            int(match["question"]), int(match["choice"]), getattr(item, "label", None) or "?"
        )

    async def callback(self, interaction: discord.Interaction[CohortBot]) -> None:
        services = interaction.client.services
        message = interaction.message
        try:
            receipt = await quiz_answers.shared(services).answer(
                quiz_answers.Click(
                    quiz_question_id=self.quiz_question_id,
                    member_id=interaction.user.id,
                    member_name=interaction.user.display_name,
                    choice=self.choice,
                    # Both Discord's own times: the click and the question's post.
                    clicked_at=discord.utils.snowflake_time(interaction.id),
                    message_posted_at=discord.utils.snowflake_time(
                        message.id if message is not None else interaction.id
                    ),
                    now=services.clock.now(),
                )
            )
        except Exception as error:
            await report_error(interaction, error)
            return
        await interaction.response.send_message(receipt_text(receipt), ephemeral=True)
        await notices.deliver(interaction)


def question_view(
    quiz_question_id: int, q: QuestionView, *, closed: bool = False
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for i in range(len(q.choices or [])):
        item = QuizButton(quiz_question_id, i, button_label(q, i))
        item.item.disabled = closed
        if closed and i == (q.answers or [0])[0]:
            item.item.style = discord.ButtonStyle.success
        elif closed:
            item.item.style = discord.ButtonStyle.secondary
        view.add_item(item)
    return view
