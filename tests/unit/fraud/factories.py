"""Held reads made the way reading.complete_read makes them, without driving the tracker."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from readtoearn.db import utcnow
from readtoearn.reading import payout
from readtoearn.reading.models import Read
from readtoearn.reading.rules import Reason


def make_read(
    session: Session,
    reader_id: uuid.UUID,
    article_id: uuid.UUID,
    *,
    status: str = "held",
    reasons: tuple[str, ...] = (Reason.AUTOMATION.value,),
    points: int = 10,
    completed_at: datetime | None = None,
) -> Read:
    """A finished read; a held or credited one is paid like reading pays it (pending when held,
    and held for `budget_empty` with no transfer when the budget cannot pay)."""
    now = completed_at or utcnow()
    read = Read(
        reader_id=reader_id,
        article_id=article_id,
        status=status,
        verdict=None if status == "open" else status,
        reasons=list(reasons),
        points=points if status in ("held", "credited") else 0,
        nonce=uuid.uuid4().hex[:16],
        started_at=now - timedelta(minutes=5),
        completed_at=None if status == "open" else now,
        reward_key=f"{reader_id}:{article_id}" if status in ("held", "credited") else None,
    )
    session.add(read)
    session.flush()
    if status in ("held", "credited"):
        paid = payout.pay_read(session, read, points, pending=status == "held")
        if paid.ok:
            read.transfer_id = paid.transfer_id
        else:
            read.status = read.verdict = "held"
            read.reasons = [
                *[r for r in read.reasons if r != Reason.READ_IN_FULL.value],
                Reason.BUDGET_EMPTY.value,
            ]
        session.flush()
    return read
