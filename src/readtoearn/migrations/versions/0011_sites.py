"""sites: publisher sites, API keys, signing keys, webhooks

Revision ID: 0011_sites
Revises: 0010_engagement
Create Date: 2026-12-06 10:30:00.000000
"""

from collections.abc import Sequence

revision: str = "0011_sites"
down_revision: str | Sequence[str] | None = "0010_engagement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
