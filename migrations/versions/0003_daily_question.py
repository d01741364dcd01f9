"""The daily question: schedules, posts claimed per local date, answers, and member activity.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:58:35.909280
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint(
            "member_id", "guild_id", "kind", "ref", name=op.f("uq_activities_member_id")
        ),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index("ix_activities_member_day", ["member_id", "local_date"], unique=False)

    op.create_table(
        "daily_configs",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("post_time", sa.String(length=5), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("difficulty", sa.String(length=16), nullable=True),
        sa.Column("reveal_hours", sa.Integer(), nullable=False),
        sa.Column("ping_role_id", sa.BigInteger(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("schedule_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cycle_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_daily_configs_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_daily_configs")),
    )
    op.create_table(
        "daily_posts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reveal_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('claimed', 'posted', 'failed', 'revealed')",
            name=op.f("ck_daily_posts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_daily_posts_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_daily_posts_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_posts")),
        sa.UniqueConstraint("guild_id", "local_date", name=op.f("uq_daily_posts_guild_id")),
    )
    with op.batch_alter_table("daily_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_daily_posts_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_daily_posts_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_daily_posts_reveal_at"), ["reveal_at"], unique=False)

    op.create_table(
        "daily_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["daily_posts.id"],
            name=op.f("fk_daily_answers_post_id_daily_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_answers")),
        sa.UniqueConstraint("post_id", "member_id", name=op.f("uq_daily_answers_post_id")),
    )
    with op.batch_alter_table("daily_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_daily_answers_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_daily_answers_member_id"), ["member_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("daily_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_daily_answers_member_id"))
        batch_op.drop_index(batch_op.f("ix_daily_answers_guild_id"))

    op.drop_table("daily_answers")
    with op.batch_alter_table("daily_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_daily_posts_reveal_at"))
        batch_op.drop_index(batch_op.f("ix_daily_posts_question_id"))
        batch_op.drop_index(batch_op.f("ix_daily_posts_guild_id"))

    op.drop_table("daily_posts")
    op.drop_table("daily_configs")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_member_day")
        batch_op.drop_index(batch_op.f("ix_activities_guild_id"))

    op.drop_table("activities")
