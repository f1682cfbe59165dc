"""articles and authors: the publisher's modified date, author bios per language

Revision ID: 0017_article_meta
Revises: 0016_search
Create Date: 2026-12-06 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import readtoearn.db

revision: str = "0017_article_meta"
down_revision: str | Sequence[str] | None = "0016_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("modified_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("authors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "bios",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="{}",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("authors", schema=None) as batch_op:
        batch_op.drop_column("bios")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("modified_at")
