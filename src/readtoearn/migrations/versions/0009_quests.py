"""quests: quests, their steps and progress, sponsors

Revision ID: 0009_quests
Revises: 0008_trust
Create Date: 2026-12-06 10:30:00.000000
"""

from collections.abc import Sequence

revision: str = "0009_quests"
down_revision: str | Sequence[str] | None = "0008_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
