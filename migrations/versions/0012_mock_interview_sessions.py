"""mock interview sessions: the slot accepted and confirmed, reminders claimed per slot,
"did it happen?" answers, rubric feedback, no-shows and the pauses they cause.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 10:48:58.785186
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# "paused" is new: a request closed when its member was paused after no-shows.
STATUSES = ("open", "matched", "cancelled", "replaced", "expired", "paused")


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "match_pauses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_match_pauses_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_pauses")),
    )
    with op.batch_alter_table("match_pauses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_match_pauses_member", ["guild_id", "member_id", "until"], unique=False
        )

    op.create_table(
        "match_feedback",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subject_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("problem_solving", sa.Integer(), nullable=False),
        sa.Column("communication", sa.Integer(), nullable=False),
        sa.Column("technical_depth", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered", sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "communication BETWEEN 1 AND 4", name=op.f("ck_match_feedback_communication")
        ),
        sa.CheckConstraint(
            "problem_solving BETWEEN 1 AND 4", name=op.f("ck_match_feedback_problem_solving")
        ),
        sa.CheckConstraint(
            "technical_depth BETWEEN 1 AND 4", name=op.f("ck_match_feedback_technical_depth")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_feedback_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "match_id", "author_id", "subject_id", name=op.f("pk_match_feedback")
        ),
    )
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_match_feedback_subject", ["guild_id", "subject_id"], unique=False)

    op.create_table(
        "match_reminders",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('day', 'soon')", name=op.f("ck_match_reminders_kind")),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_reminders_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("match_id", "kind", "slot_start", name=op.f("pk_match_reminders")),
    )
    op.create_table(
        "no_shows",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_no_shows_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("match_id", "member_id", "reporter_id", name=op.f("pk_no_shows")),
    )
    with op.batch_alter_table("no_shows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_no_shows_member", ["guild_id", "member_id", "reported_at"], unique=False
        )

    with op.batch_alter_table("match_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("said", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("said_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_match_members_said"), "said IN ('happened', 'missed')"
        )

    with op.batch_alter_table("match_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_requests_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_match_requests_status"), f"status IN ({_quoted(STATUSES)})"
        )

    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("prompted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("happened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("event_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("time_message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_matches_open_slot", ["closed_at", "slot_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("ix_matches_open_slot")
        batch_op.drop_column("cancelled_by")
        batch_op.drop_column("time_message_id")
        batch_op.drop_column("event_id")
        batch_op.drop_column("happened_at")
        batch_op.drop_column("prompted_at")
        batch_op.drop_column("confirmed_at")

    with op.batch_alter_table("match_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_requests_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_match_requests_status"), f"status IN ({_quoted(STATUSES[:-1])})"
        )

    with op.batch_alter_table("match_members", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_members_said"), type_="check")
        batch_op.drop_column("said_at")
        batch_op.drop_column("said")
        batch_op.drop_column("accepted_at")

    with op.batch_alter_table("no_shows", schema=None) as batch_op:
        batch_op.drop_index("ix_no_shows_member")

    op.drop_table("no_shows")
    op.drop_table("match_reminders")
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_match_feedback_subject")

    op.drop_table("match_feedback")
    with op.batch_alter_table("match_pauses", schema=None) as batch_op:
        batch_op.drop_index("ix_match_pauses_member")

    op.drop_table("match_pauses")
