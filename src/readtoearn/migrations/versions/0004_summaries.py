"""article summaries: cached summary, In brief bullets and key figures per article version

Revision ID: 0004_summaries
Revises: 0003_accounts
Create Date: 2026-11-29 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import readtoearn.db

revision: str = "0004_summaries"
down_revision: str | Sequence[str] | None = "0003_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_summaries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "in_brief",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "figures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_summaries_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_summaries")),
        sa.UniqueConstraint(
            "article_id",
            "content_hash",
            "backend",
            name=op.f("uq_article_summaries_article_id_content_hash_backend"),
        ),
    )
    with op.batch_alter_table("article_summaries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_summaries_article_id"), ["article_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("article_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_summaries_article_id"))
    op.drop_table("article_summaries")
