"""articles: the status (published, unpublished, deleted) in a column of its own

The console's status lived in `articles.extra["status"]`. Every list readers see filters on it,
and on SQLite a condition inside a JSON document reads each row whole (its text and HTML): a
column with an index on (status, published_at) answers the same lists from the index.

Revision ID: 0018_article_status
Revises: 0017_article_meta
Create Date: 2026-12-06 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_article_status"
down_revision: str | Sequence[str] | None = "0017_article_meta"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("published", "unpublished", "deleted")

articles = sa.table(
    "articles",
    sa.column("id", sa.Uuid()),
    sa.column("status", sa.String(12)),
    sa.column("extra", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
)


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), nullable=False, server_default="published")
        )
    op.create_index(
        "ix_articles_status_published_at", "articles", ["status", "published_at"], unique=False
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(articles.c.id, articles.c.extra)).all():
        extra = dict(row.extra or {})
        if "status" not in extra:
            continue
        status = extra.pop("status")
        bind.execute(
            articles.update()
            .where(articles.c.id == row.id)
            .values(status=status if status in STATUSES else "published", extra=extra)
        )


def downgrade() -> None:
    bind = op.get_bind()
    hidden = sa.select(articles.c.id, articles.c.extra, articles.c.status).where(
        articles.c.status != "published"
    )
    for row in bind.execute(hidden).all():
        extra = {**(row.extra or {}), "status": row.status}
        bind.execute(articles.update().where(articles.c.id == row.id).values(extra=extra))
    op.drop_index("ix_articles_status_published_at", table_name="articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("status")
