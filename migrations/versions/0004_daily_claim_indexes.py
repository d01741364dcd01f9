"""Claiming many guilds' daily posts at once: the cycle's first post, and indexes that keep the
pick and the minute sweep off the full history.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("daily_configs", sa.Column("cycle_start_post_id", sa.Integer(), nullable=True))
    # The first post claimed since each guild's cycle started (none: the cycle has no post).
    op.execute(
        "UPDATE daily_configs SET cycle_start_post_id = ("
        "SELECT MIN(p.id) FROM daily_posts p WHERE p.guild_id = daily_configs.guild_id "
        "AND p.claimed_at >= daily_configs.cycle_started_at)"
    )
    op.create_index(
        "ix_daily_posts_guild_question", "daily_posts", ["guild_id", "question_id", "id"]
    )
    op.create_index("ix_daily_posts_guild_status", "daily_posts", ["guild_id", "status"])
    op.drop_index("ix_daily_posts_reveal_at", table_name="daily_posts")
    op.create_index("ix_daily_posts_status_reveal", "daily_posts", ["status", "reveal_at"])
    op.create_index("ix_daily_posts_status_revealed", "daily_posts", ["status", "revealed_at"])


def downgrade() -> None:
    op.drop_index("ix_daily_posts_status_revealed", table_name="daily_posts")
    op.drop_index("ix_daily_posts_status_reveal", table_name="daily_posts")
    op.create_index("ix_daily_posts_reveal_at", "daily_posts", ["reveal_at"])
    op.drop_index("ix_daily_posts_guild_status", table_name="daily_posts")
    op.drop_index("ix_daily_posts_guild_question", table_name="daily_posts")
    with op.batch_alter_table("daily_configs") as batch_op:
        batch_op.drop_column("cycle_start_post_id")
