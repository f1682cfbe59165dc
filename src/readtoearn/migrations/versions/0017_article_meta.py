"""articles and authors: modified date, bios per language (placeholder)

Revision ID: 0017_article_meta
Revises: 0016_search
Create Date: 2026-12-06 13:40:00.000000
"""

from collections.abc import Sequence

revision: str = "0017_article_meta"
down_revision: str | Sequence[str] | None = "0016_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
