"""Streak-at-risk reminders (hours before local midnight, the day of the last one), and
notices kept for members whose DMs are closed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 05:16:28.195411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reminded_on", sa.Date(), nullable=True))
    op.create_table(
        "pending_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_notices")),
    )
    with op.batch_alter_table("pending_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_notices_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_notices_member_id"))
    op.drop_table("pending_notices")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("reminded_on")
        batch_op.drop_column("remind_hours")
