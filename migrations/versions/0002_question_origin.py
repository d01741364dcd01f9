"""Questions remember where they came from, so a bank reload retires only bank questions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=32), server_default="bank", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("origin")
