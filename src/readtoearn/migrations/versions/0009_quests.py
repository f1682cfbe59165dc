"""quests: quests, their steps and progress, sponsors

Revision ID: 0009_quests
Revises: 0008_trust
Create Date: 2026-12-06 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import readtoearn.db

revision: str = "0009_quests"
down_revision: str | Sequence[str] | None = "0008_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, readtoearn.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sponsors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("logo_url", sa.String(length=2000), nullable=True),
        sa.Column("link_url", sa.String(length=2000), nullable=True),
        sa.Column("report_token", sa.String(length=64), nullable=False),
        _when("created_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsors")),
        sa.UniqueConstraint("report_token", name=op.f("uq_sponsors_report_token")),
        sa.UniqueConstraint("slug", name=op.f("uq_sponsors_slug")),
    )
    op.create_table(
        "quests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_fr", sa.String(length=200), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", sa.Uuid(), nullable=True),
        _when("starts_at", True),
        _when("ends_at", True),
        sa.Column("max_completions", sa.Integer(), nullable=True),
        sa.Column("completions", sa.Integer(), nullable=False),
        sa.Column("min_trust", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        _when("created_at", False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _when("closed_at", True),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["sponsor_id"],
            ["sponsors.id"],
            name=op.f("fk_quests_sponsor_id_sponsors"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quests")),
        sa.UniqueConstraint("slug", name=op.f("uq_quests_slug")),
    )
    with op.batch_alter_table("quests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quests_sponsor_id"), ["sponsor_id"], unique=False)

    op.create_table(
        "quest_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quest_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("label_fr", sa.String(length=200), nullable=False),
        sa.Column("quiz", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_quest_steps_article_id_articles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["quest_id"],
            ["quests.id"],
            name=op.f("fk_quest_steps_quest_id_quests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quest_steps")),
        sa.UniqueConstraint("quest_id", "position", name=op.f("uq_quest_steps_quest_id_position")),
    )
    with op.batch_alter_table("quest_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quest_steps_article_id"), ["article_id"], unique=False)

    op.create_table(
        "quest_step_states",
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("reader_id", sa.Uuid(), nullable=False),
        sa.Column("quiz", JSON, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("done_at", True),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["users.id"],
            name=op.f("fk_quest_step_states_reader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["quest_steps.id"],
            name=op.f("fk_quest_step_states_step_id_quest_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("step_id", "reader_id", name=op.f("pk_quest_step_states")),
    )
    with op.batch_alter_table("quest_step_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quest_step_states_reader_id"), ["reader_id"], unique=False
        )

    op.create_table(
        "quest_completions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quest_id", sa.Uuid(), nullable=False),
        sa.Column("reader_id", sa.Uuid(), nullable=False),
        sa.Column("sponsor_id", sa.Uuid(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        _when("completed_at", False),
        sa.ForeignKeyConstraint(
            ["quest_id"],
            ["quests.id"],
            name=op.f("fk_quest_completions_quest_id_quests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["users.id"],
            name=op.f("fk_quest_completions_reader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sponsor_id"],
            ["sponsors.id"],
            name=op.f("fk_quest_completions_sponsor_id_sponsors"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quest_completions")),
        sa.UniqueConstraint(
            "quest_id", "reader_id", name=op.f("uq_quest_completions_quest_id_reader_id")
        ),
    )
    with op.batch_alter_table("quest_completions", schema=None) as batch_op:
        batch_op.create_index("ix_quest_completions_reader_id", ["reader_id"], unique=False)
        batch_op.create_index(
            "ix_quest_completions_sponsor_id_completed_at",
            ["sponsor_id", "completed_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("quest_completions", schema=None) as batch_op:
        batch_op.drop_index("ix_quest_completions_sponsor_id_completed_at")
        batch_op.drop_index("ix_quest_completions_reader_id")
    op.drop_table("quest_completions")
    with op.batch_alter_table("quest_step_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quest_step_states_reader_id"))
    op.drop_table("quest_step_states")
    with op.batch_alter_table("quest_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quest_steps_article_id"))
    op.drop_table("quest_steps")
    with op.batch_alter_table("quests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quests_sponsor_id"))
    op.drop_table("quests")
    op.drop_table("sponsors")
