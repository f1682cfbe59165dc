"""reminders: e-mailed reminders sent once, and the reader's choice to receive them

Revision ID: 0012_reminders
Revises: 0011_sites
Create Date: 2026-12-06 10:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import readtoearn.db

revision: str = "0012_reminders"
down_revision: str | Sequence[str] | None = "0011_sites"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sent_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_notices")),
        sa.UniqueConstraint(
            "user_id", "kind", "key", name=op.f("uq_email_notices_user_id_kind_key")
        ),
    )
    with op.batch_alter_table("email_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_notices_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_reminders", sa.Boolean(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_reminders")
    with op.batch_alter_table("email_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_notices_user_id"))
    op.drop_table("email_notices")
