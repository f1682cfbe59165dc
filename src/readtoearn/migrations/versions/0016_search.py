"""articles: full-text search index (placeholder)

Revision ID: 0016_search
Revises: 0015_frozen
Create Date: 2026-12-06 13:40:00.000000
"""

from collections.abc import Sequence

revision: str = "0016_search"
down_revision: str | Sequence[str] | None = "0015_frozen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
