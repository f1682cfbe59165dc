"""engagement: check-ins, streaks, freezes, leaderboard profiles

Revision ID: 0010_engagement
Revises: 0009_quests
Create Date: 2026-12-06 10:30:00.000000
"""

from collections.abc import Sequence

revision: str = "0010_engagement"
down_revision: str | Sequence[str] | None = "0009_quests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
