"""Freezing a reader: a frozen reader earns and spends nothing, and is told why.

The console's operators and support freeze and unfreeze a reader with a reason. The refusal itself
lives in the ledger (a frozen wallet's transfers are refused: docs/ledger.md), so every point
source and every redemption obeys it; this module keeps who froze the reader, when and why
(`reader_freezes`), and writes the trail entry in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from readtoearn.accounts.trail import record_action
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, Forbidden, InvalidInput
from readtoearn.fraud.models import ReaderFreeze
from readtoearn.fraud.readers import get_reader
from readtoearn.ledger import service as ledger

MAX_REASON = 500


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("give a reason: it is kept in the audit trail", code="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is at most {MAX_REASON} characters", code="reason")
    return reason


def _check_actor(user: Any, by: Any, *, freezing: bool) -> None:
    """Nobody freezes or unfreezes their own account, and a member of the console's team is
    frozen only once their role is taken away (as for erasure): support cannot lock out an
    operator, and a frozen account never keeps a console role."""
    if by is not None and getattr(by, "id", by) == user.id:
        raise Forbidden("you cannot freeze or unfreeze your own account", code="own_account")
    if freezing and user.is_operator:
        raise Conflict(
            "take the console role away before freezing a member of the team", code="team"
        )


def get_freeze(session: Session, reader_id: uuid.UUID) -> ReaderFreeze | None:
    """Who froze this reader, when and why; None when the reader is not frozen."""
    return session.get(ReaderFreeze, reader_id)


def freeze_reader(
    session: Session, reader_id: str | uuid.UUID, reason: str, *, by: Any
) -> ReaderFreeze:
    """Freeze a reader's wallet with a reason (recorded); Conflict when already frozen."""
    reason = _reason(reason)
    user = get_reader(session, reader_id)
    _check_actor(user, by, freezing=True)
    wallet = ledger.get_or_create_wallet(session, user.id)
    if not ledger.freeze_account(session, wallet):
        raise Conflict("this reader is already frozen", code="already_frozen")
    actor = getattr(by, "id", by)
    freeze = ReaderFreeze(reader_id=user.id, reason=reason, frozen_by=actor, frozen_at=utcnow())
    session.add(freeze)
    session.flush()
    record_action(
        session,
        by,
        "reader.freeze",
        target=("user", user.id),
        before={"frozen": False},
        after={"frozen": True, "reason": reason},
        note=reason,
    )
    return freeze


def unfreeze_reader(session: Session, reader_id: str | uuid.UUID, reason: str, *, by: Any) -> None:
    """Let a frozen reader earn and spend again, with a reason (recorded); Conflict when the
    reader is not frozen."""
    reason = _reason(reason)
    user = get_reader(session, reader_id)
    _check_actor(user, by, freezing=False)
    wallet = ledger.get_or_create_wallet(session, user.id)
    if not ledger.unfreeze_account(session, wallet):
        raise Conflict("this reader is not frozen", code="not_frozen")
    freeze = session.get(ReaderFreeze, user.id)
    before: dict[str, Any] = {"frozen": True}
    if freeze is not None:
        before["reason"] = freeze.reason
        before["frozen_at"] = freeze.frozen_at
        session.delete(freeze)
        session.flush()
    record_action(
        session,
        by,
        "reader.unfreeze",
        target=("user", user.id),
        before=before,
        after={"frozen": False},
        note=reason,
    )
