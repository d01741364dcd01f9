"""Streaks per member and guild, the days freezes bridged, and dates a timezone change skipped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:54:50.357973
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "frozen_days",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "guild_id", "day", name=op.f("pk_frozen_days")),
    )
    op.create_table(
        "skipped_days",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "day", name=op.f("pk_skipped_days")),
    )
    op.create_table(
        "streaks",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("longest", sa.Integer(), nullable=False),
        sa.Column("freezes", sa.Integer(), nullable=False),
        sa.Column("started", sa.Date(), nullable=True),
        sa.Column("last_activity_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "guild_id", name=op.f("pk_streaks")),
    )


def downgrade() -> None:
    op.drop_table("streaks")
    op.drop_table("skipped_days")
    op.drop_table("frozen_days")
