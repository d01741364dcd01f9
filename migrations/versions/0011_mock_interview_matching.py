"""Mock-interview matching: weekly availability in local terms, each guild's match settings,
the pool of requests, matches with their members, and the interviewers' question packets.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 07:01:45.106224
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "availabilities",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_availabilities")),
    )
    op.create_table(
        "availability_windows",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("weekday", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("start_minute", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["availabilities.member_id"],
            name=op.f("fk_availability_windows_member_id_availabilities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "member_id", "weekday", "start_minute", name=op.f("pk_availability_windows")
        ),
    )
    op.create_table(
        "match_configs",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("last_batch_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cadence IN ('daily', 'weekly', 'manual')", name=op.f("ck_match_configs_cadence")
        ),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_match_configs_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_match_configs")),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("track", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.BigInteger(), nullable=False),
        sa.Column("swap", sa.Boolean(), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guild_id"], ["guilds.id"], name=op.f("fk_matches_guild_id_guilds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_matches_thread_id")),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matches_guild_id"), ["guild_id"], unique=False)

    op.create_table(
        "match_members",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("open_member_id", sa.BigInteger(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("dm_sent", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "role IN ('candidate', 'interviewer')", name=op.f("ck_match_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_members_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("match_id", "member_id", name=op.f("pk_match_members")),
        sa.UniqueConstraint("guild_id", "open_member_id", name=op.f("uq_match_members_guild_id")),
    )
    with op.batch_alter_table("match_members", schema=None) as batch_op:
        batch_op.create_index("ix_match_members_member", ["member_id", "match_id"], unique=False)

    op.create_table(
        "match_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("open_member_id", sa.BigInteger(), nullable=True),
        sa.Column("track", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "level IN ('junior', 'mid', 'senior')", name=op.f("ck_match_requests_level")
        ),
        sa.CheckConstraint(
            "role IN ('candidate', 'interviewer', 'either')", name=op.f("ck_match_requests_role")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'matched', 'cancelled', 'replaced', 'expired')",
            name=op.f("ck_match_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_match_requests_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_match_requests_match_id_matches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_requests")),
        sa.UniqueConstraint("guild_id", "open_member_id", name=op.f("uq_match_requests_guild_id")),
    )
    with op.batch_alter_table("match_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_requests_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_requests_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            "ix_match_requests_status_expires", ["status", "expires_at"], unique=False
        )

    op.create_table(
        "packet_questions",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_packet_questions_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_packet_questions_question_id_questions"),
        ),
        sa.PrimaryKeyConstraint(
            "match_id", "interviewer_id", "question_id", name=op.f("pk_packet_questions")
        ),
    )
    with op.batch_alter_table("packet_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_packet_questions_candidate", ["candidate_id", "question_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("packet_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_packet_questions_candidate")

    op.drop_table("packet_questions")
    with op.batch_alter_table("match_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_match_requests_status_expires")
        batch_op.drop_index(batch_op.f("ix_match_requests_member_id"))
        batch_op.drop_index(batch_op.f("ix_match_requests_guild_id"))

    op.drop_table("match_requests")
    with op.batch_alter_table("match_members", schema=None) as batch_op:
        batch_op.drop_index("ix_match_members_member")

    op.drop_table("match_members")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matches_guild_id"))

    op.drop_table("matches")
    op.drop_table("match_configs")
    op.drop_table("availability_windows")
    op.drop_table("availabilities")
