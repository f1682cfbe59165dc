"""reading: page views per article and day, for the console's engagement figures

Revision ID: 0019_article_views
Revises: 0018_article_status
Create Date: 2026-12-06 14:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_article_views"
down_revision: str | Sequence[str] | None = "0018_article_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_views",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_views_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "day", name=op.f("pk_article_views")),
    )


def downgrade() -> None:
    op.drop_table("article_views")
