"""console: operator roles, the audit trail of operator actions, programme rules stored in the
database, reader freezes, reward images and fulfilment

Revision ID: 0013_console
Revises: 0012_reminders
Create Date: 2026-12-06 10:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import readtoearn.db

revision: str = "0013_console"
down_revision: str | Sequence[str] | None = "0012_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("console_role", sa.String(length=16), nullable=True))
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tracking_note", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("delivered_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "programme_rules",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("changed_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_programme_rules_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_programme_rules")),
    )
    op.create_table(
        "operator_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_operator_actions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_actions")),
    )
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operator_actions_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_operator_actions_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_operator_actions_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_operator_actions_target_id"), ["target_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_actions_target_id"))
        batch_op.drop_index(batch_op.f("ix_operator_actions_at"))
        batch_op.drop_index(batch_op.f("ix_operator_actions_actor_id"))
        batch_op.drop_index(batch_op.f("ix_operator_actions_action"))
    op.drop_table("operator_actions")
    op.drop_table("programme_rules")
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("tracking_note")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("console_role")
