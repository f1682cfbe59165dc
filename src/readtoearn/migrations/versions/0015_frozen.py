"""ledger: frozen wallets; fraud: who froze a reader, when and why

Revision ID: 0015_frozen
Revises: 0014_words_read
Create Date: 2026-12-06 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import readtoearn.db

revision: str = "0015_frozen"
down_revision: str | Sequence[str] | None = "0014_words_read"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("frozen", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "reader_freezes",
        sa.Column("reader_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("frozen_by", sa.Uuid(), nullable=True),
        sa.Column("frozen_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["users.id"],
            name=op.f("fk_reader_freezes_reader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["frozen_by"],
            ["users.id"],
            name=op.f("fk_reader_freezes_frozen_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("reader_id", name=op.f("pk_reader_freezes")),
    )


def downgrade() -> None:
    op.drop_table("reader_freezes")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_column("frozen")
