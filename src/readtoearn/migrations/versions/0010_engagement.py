"""engagement: check-ins, streaks, freezes, leaderboard profiles

Revision ID: 0010_engagement
Revises: 0009_quests
Create Date: 2026-12-06 10:30:00.000000

Streaks and their freezes are worked out from the check-ins and credited reads (quests/streaks.py),
so they need no table of their own; the reader's time zone is a column of `users`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import readtoearn.db

revision: str = "0010_engagement"
down_revision: str | Sequence[str] | None = "0009_quests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))

    op.create_table(
        "checkins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reader_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=True),
        sa.Column("bonus", sa.Integer(), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("unpaid_reason", sa.String(length=32), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("bonus_transfer_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["users.id"],
            name=op.f("fk_checkins_reader_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("reader_id", "day", name=op.f("uq_checkins_reader_id_day")),
    )

    op.create_table(
        "leaderboard_profiles",
        sa.Column("reader_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=24), nullable=False),
        sa.Column("pseudonym_key", sa.String(length=96), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("updated_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["users.id"],
            name=op.f("fk_leaderboard_profiles_reader_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reader_id", name=op.f("pk_leaderboard_profiles")),
        sa.UniqueConstraint("pseudonym_key", name=op.f("uq_leaderboard_profiles_pseudonym_key")),
    )
    with op.batch_alter_table("leaderboard_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_leaderboard_profiles_opted_in"), ["opted_in"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("leaderboard_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leaderboard_profiles_opted_in"))
    op.drop_table("leaderboard_profiles")
    op.drop_table("checkins")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
