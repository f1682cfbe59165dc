"""articles: the console's imports and their outcomes in the database, so every worker process
can show an import's progress, with a heartbeat that tells an interrupted one

Revision ID: 0020_import_jobs
Revises: 0019_article_views
Create Date: 2026-12-07 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import readtoearn.db

revision: str = "0020_import_jobs"
down_revision: str | Sequence[str] | None = "0019_article_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_import_jobs_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_jobs_by_id"), ["by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_jobs_started_at"), ["started_at"], unique=False)
    op.create_table(
        "import_job_outcomes",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_jobs.id"],
            name=op.f("fk_import_job_outcomes_job_id_import_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "position", name=op.f("pk_import_job_outcomes")),
    )


def downgrade() -> None:
    op.drop_table("import_job_outcomes")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_started_at"))
        batch_op.drop_index(batch_op.f("ix_import_jobs_by_id"))
    op.drop_table("import_jobs")
