"""When a reader's reads were credited: what streaks and the check-in's read rule count."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.reading.models import Read

CREDITED = "credited"


def list_credited_read_times(
    session: Session, reader_id: uuid.UUID, *, since: datetime | None = None
) -> list[datetime]:
    """When each of a reader's credited reads was completed (since a time, or ever), oldest
    first."""
    stmt = select(Read.completed_at).where(
        Read.reader_id == reader_id,
        Read.status == CREDITED,
        Read.completed_at.is_not(None),
    )
    if since is not None:
        stmt = stmt.where(Read.completed_at >= since)
    return [when for when in session.scalars(stmt.order_by(Read.completed_at)) if when]
