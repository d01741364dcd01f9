"""Live quiz rounds: rounds (one running per channel), their questions, answers and results.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 04:18:21.699850
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quiz_rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("live_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("host_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=True),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("speed_bonus", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("next_open_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'finished', 'stopped', 'interrupted')",
            name=op.f("ck_quiz_rounds_status"),
        ),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_quiz_rounds_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_rounds")),
        sa.UniqueConstraint("live_channel_id", name=op.f("uq_quiz_rounds_live_channel_id")),
    )
    with op.batch_alter_table("quiz_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_rounds_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_rounds_guild_id"), ["guild_id"], unique=False)

    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_quiz_questions_question_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["quiz_rounds.id"],
            name=op.f("fk_quiz_questions_round_id_quiz_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_quiz_questions_round_id")),
    )
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quiz_questions_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "quiz_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct_ms", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["quiz_rounds.id"],
            name=op.f("fk_quiz_results_round_id_quiz_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_results")),
        sa.UniqueConstraint("round_id", "member_id", name=op.f("uq_quiz_results_round_id")),
    )
    with op.batch_alter_table("quiz_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_results_guild_member", ["guild_id", "member_id"], unique=False
        )

    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quiz_question_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("member_name", sa.String(length=100), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_quiz_answers_quiz_question_id_quiz_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["quiz_rounds.id"],
            name=op.f("fk_quiz_answers_round_id_quiz_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
        sa.UniqueConstraint(
            "quiz_question_id", "member_id", name=op.f("uq_quiz_answers_quiz_question_id")
        ),
    )
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_answers_round_member", ["round_id", "member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_answers_round_member")

    op.drop_table("quiz_answers")
    with op.batch_alter_table("quiz_results", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_results_guild_member")

    op.drop_table("quiz_results")
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_questions_question_id"))

    op.drop_table("quiz_questions")
    with op.batch_alter_table("quiz_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_rounds_guild_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_rounds_channel_id"))

    op.drop_table("quiz_rounds")
