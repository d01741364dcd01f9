"""Per-period score totals for the leaderboards (week and month in the guild's timezone, all).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 05:01:00.120815
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "score_totals",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("quiz_points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "guild_id", "period", "period_start", "member_id", name=op.f("pk_score_totals")
        ),
    )
    with op.batch_alter_table("score_totals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_score_totals_points", ["guild_id", "period", "period_start", "points"], unique=False
        )
        batch_op.create_index(
            "ix_score_totals_quiz",
            ["guild_id", "period", "period_start", "quiz_points"],
            unique=False,
        )
        batch_op.create_index(
            "ix_score_totals_accuracy",
            ["guild_id", "period", "period_start", "accuracy", "graded"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("score_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_score_totals_accuracy")
        batch_op.drop_index("ix_score_totals_quiz")
        batch_op.drop_index("ix_score_totals_points")

    op.drop_table("score_totals")
