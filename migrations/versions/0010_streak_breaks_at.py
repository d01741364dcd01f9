"""When each stored streak breaks (`streaks.breaks_at`), so the streak board and the caller's
rank on it are indexed queries over members whose streak is alive now, however many there are.

Existing rows are filled in here with the bot's own rule (`bot.domain.streaks.breaks_at`,
the member's timezone else the guild's, and their skipped dates).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 06:36:49.959832
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from bot.db.types import UTCDateTime
from bot.domain.streaks import Streak, breaks_at

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("streaks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("breaks_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_streaks_guild_current", ["guild_id", "current", "breaks_at"], unique=False
        )
    _fill()


def _fill() -> None:
    bind = op.get_bind()
    streaks = sa.table(
        "streaks",
        sa.column("member_id", sa.BigInteger),
        sa.column("guild_id", sa.BigInteger),
        sa.column("last_day", sa.Date),
        sa.column("current", sa.Integer),
        sa.column("freezes", sa.Integer),
        sa.column("breaks_at", UTCDateTime),
    )
    members = sa.table("members", sa.column("id", sa.BigInteger), sa.column("timezone", sa.String))
    guilds = sa.table("guilds", sa.column("id", sa.BigInteger), sa.column("timezone", sa.String))
    skipped_days = sa.table(
        "skipped_days", sa.column("member_id", sa.BigInteger), sa.column("day", sa.Date)
    )
    skipped: dict[int, set[date]] = defaultdict(set)
    for member_id, day in bind.execute(sa.select(skipped_days.c.member_id, skipped_days.c.day)):
        skipped[member_id].add(day)
    rows = bind.execute(
        sa.select(
            streaks.c.member_id,
            streaks.c.guild_id,
            streaks.c.last_day,
            streaks.c.current,
            streaks.c.freezes,
            sa.func.coalesce(members.c.timezone, guilds.c.timezone, "UTC"),
        )
        .select_from(streaks)
        .outerjoin(members, members.c.id == streaks.c.member_id)
        .outerjoin(guilds, guilds.c.id == streaks.c.guild_id)
        .where(streaks.c.current > 0)
    ).all()
    updates = [
        {
            "m": member_id,
            "g": guild_id,
            "at": breaks_at(
                Streak(last_day, current, current, freezes),
                ZoneInfo(zone),
                skipped[member_id],
            ),
        }
        for member_id, guild_id, last_day, current, freezes, zone in rows
    ]
    if updates:
        bind.execute(
            streaks.update()
            .where(
                streaks.c.member_id == sa.bindparam("m"), streaks.c.guild_id == sa.bindparam("g")
            )
            .values(breaks_at=sa.bindparam("at")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("streaks", schema=None) as batch_op:
        batch_op.drop_index("ix_streaks_guild_current")
        batch_op.drop_column("breaks_at")
