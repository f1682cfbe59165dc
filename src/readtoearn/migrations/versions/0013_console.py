"""console: operator roles, the audit trail of operator actions, programme rules stored in the
database, reader freezes, reward images and fulfilment

Revision ID: 0013_console
Revises: 0012_reminders
Create Date: 2026-12-06 10:35:00.000000
"""

from collections.abc import Sequence

revision: str = "0013_console"
down_revision: str | Sequence[str] | None = "0012_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
