"""ledger: frozen wallets (placeholder, filled by the freeze work)

Revision ID: 0015_frozen
Revises: 0014_words_read
Create Date: 2026-12-06 13:40:00.000000
"""

from collections.abc import Sequence

revision: str = "0015_frozen"
down_revision: str | Sequence[str] | None = "0014_words_read"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
