"""The programme budget from the console: funded with a note, held reads paid from it, and its
history (every funding and release, who did it and why, from the audit trail)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from readtoearn.accounts.models import OperatorAction, User
from readtoearn.accounts.trail import TrailFilter, list_actions, record_action
from readtoearn.errors import Conflict, InvalidInput
from readtoearn.fraud.service import Release, release_budget_holds
from readtoearn.ledger import service as ledger

MAX_FUNDING = 10**12
MAX_NOTE = 200


@dataclass(frozen=True)
class Funded:
    created: bool  # False: this key funded the budget before (nothing funded twice)
    transfer_id: uuid.UUID
    released: Release  # the held reads the new budget paid


def fund(
    session: Session, amount: int, *, note: str, key: str, by: User | uuid.UUID | None
) -> Funded:
    """Add points to the budget (once per key), then pay the reads that waited for budget."""
    if not 1 <= amount <= MAX_FUNDING:
        raise InvalidInput("fund a whole number of points, at least 1", code="amount")
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput("the note is at most 200 characters", code="note")
    transfer = ledger.transfer_id(f"funding:console:{key}")
    metadata = {"source": "console", **({"note": text} if text else {})}
    result = ledger.fund_budget(session, amount, transfer, metadata=metadata)
    if not result.ok:
        raise Conflict("this funding was already made with other values", code="key_reused")
    if result.created:
        after = {"points": amount, "transfer_id": transfer}
        record_action(session, by, "budget.fund", after=after, note=text)
    # Part of the funding, which the trail holds already.
    released = release_budget_holds(session, trail=False)
    return Funded(result.created, transfer, released)


def list_budget_history(session: Session, *, limit: int = 100) -> list[OperatorAction]:
    """Every funding and release of the budget, newest first."""
    return list_actions(session, TrailFilter(action="budget"), limit=limit)
